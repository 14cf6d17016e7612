// The strategy interface: the only thing that decides which modeled thread
// runs next (in the spirit of Shuttle's Scheduler trait).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "sim/check.hpp"

namespace sim {

class Strategy {
 public:
  virtual ~Strategy() = default;

  virtual void begin_execution(uint64_t seed) = 0;

  // Picks the thread to run from `runnable` (sorted thread ids, never empty).
  // `current` is the thread at the scheduling point, kNoThread if it cannot
  // continue (blocked or finished). `yielding` marks a spin-loop iteration:
  // the current thread cannot make progress until another thread runs.
  virtual ThreadId pick(std::span<const ThreadId> runnable, ThreadId current,
                        bool yielding) = 0;

  // "random", "replay", ...: what the trace records.
  virtual std::string name() const = 0;
};

// Makes a strategy from its command-line spelling ("random").
std::unique_ptr<Strategy> make_strategy(const std::string& spec);

}  // namespace sim

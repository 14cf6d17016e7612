// SPDX-License-Identifier: GPL-2.0-only
// The strategy interface: the only thing that decides which modeled thread
// runs next (in the spirit of Shuttle's Scheduler trait).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "sim/check.hpp"
#include "sim/object.hpp"

namespace sim {

// What a thread's next step does to shared state: the partial-order
// reduction treats two steps as independent when neither writes what the
// other touches.
enum class Access : uint8_t { none, read, write };

// The operation a thread performs when it runs next: the object it touches
// (nullptr for a step that touches none, such as a spin loop's yield or a
// thread's start) and the model function. Recorded with each decision, so a
// replay can follow operations rather than step numbers.
//
// The object is named by its interned name: objects are rebuilt for every
// execution, their names are not, so a label stays valid and comparable
// across the executions of one OS thread (an exhaustive search compares
// labels of different executions).
struct Label {
  const std::string* object = nullptr;
  const char* function = "";
  Access access = Access::none;

  Label() = default;
  Label(const Object* o, const char* f, Access a)
      : object(o ? &o->name() : nullptr), function(f), access(a) {}
};

// Do two steps commute? Steps on different objects, steps that touch no
// object, and two reads do.
inline bool independent(const Label& a, const Label& b) {
  if (!a.object || !b.object || a.object != b.object) return true;
  return a.access == Access::read && b.access == Access::read;
}

// One scheduling decision, as the strategy sees it.
struct Decision {
  std::span<const ThreadId> runnable;  // sorted thread ids, never empty
  // The thread at the scheduling point; kNoThread if it cannot continue
  // (blocked or finished).
  ThreadId current = kNoThread;
  // A spin-loop iteration: the current thread cannot make progress until
  // another thread runs.
  bool yielding = false;
  // Every thread's next operation, indexed by thread id.
  std::span<const Label> next;
  uint64_t index = 0;  // decisions taken before this one
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  virtual void begin_execution(uint64_t seed) = 0;

  // Picks the thread to run: one of d.runnable.
  virtual ThreadId pick(const Decision& d) = 0;

  // "random", "pct:3", "replay", ...: what the trace records.
  virtual std::string name() const = 0;
};

// Makes a strategy from its command-line spelling ("random").
std::unique_ptr<Strategy> make_strategy(const std::string& spec);

}  // namespace sim

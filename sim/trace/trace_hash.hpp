// SPDX-License-Identifier: GPL-2.0-only
// Trace::hash computed while an execution runs: each event is serialized
// and hashed as it happens instead of being kept, so checking that two runs
// are the same execution costs no more memory than running them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/check.hpp"
#include "sim/trace/event.hpp"
#include "sim/trace/sha256.hpp"

namespace sim {

class TraceHasher {
 public:
  TraceHasher() { begin(); }

  // Starts the hash of a new execution.
  void begin();
  // The next event (an Event's fields, without building one).
  void event(uint64_t step, ThreadId thread, std::string_view op, std::string_view object,
             std::string_view value, std::string_view function);
  void event(const Event& e) { event(e.step, e.thread, e.op, e.object, e.value, e.function); }
  // After the events: the label of each decision, when recorded (a
  // StepLabel's fields).
  void label(std::string_view function, std::string_view object);
  // The hash of the trace with the events and labels fed since begin() and
  // these: what Trace::hash() returns for it. Starts over.
  std::string finish(const std::vector<ThreadInfo>& threads, std::span<const ThreadId> schedule,
                     const std::optional<Violation>& verdict);

 private:
  void flush();

  Sha256 sha_;
  std::string text_;  // serialized, not yet hashed (hashed in blocks)
  bool first_event_ = true;
  bool first_label_ = true;
};

}  // namespace sim

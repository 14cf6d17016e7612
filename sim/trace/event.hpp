// SPDX-License-Identifier: GPL-2.0-only
// One traced step: a modeled thread's access to a shared object, a lock or
// SRCU operation, or a note the model made at that point.
#pragma once

#include <cstdint>
#include <string>

#include "sim/check.hpp"

namespace sim {

struct Event {
  uint64_t step = 0;  // scheduling decisions taken before this event
  ThreadId thread = 0;
  std::string op;        // "load", "store", "mutex_lock", "synchronize_srcu", "note", ...
  std::string object;    // the object's name; empty for notes
  std::string value;     // the value read or written, or the note's text
  std::string function;  // the model (kernel) function that did it

  bool operator==(const Event&) const = default;
};

// The operation a decision's chosen thread performed next: what replay
// follows when the model changed and step numbers no longer line up.
struct StepLabel {
  std::string function;
  std::string object;  // empty for a step that touches no shared object

  bool operator==(const StepLabel&) const = default;
};

// A thread's CPU only labels timelines; the bound keeps it an int.
inline constexpr uint64_t kMaxCpus = 4096;

struct ThreadInfo {
  std::string name;
  int cpu = 0;  // below kMaxCpus

  bool operator==(const ThreadInfo&) const = default;
};

}  // namespace sim

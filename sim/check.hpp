// SPDX-License-Identifier: GPL-2.0-only
// Violations: WARN_ON-style reports that end an execution.
#pragma once

#include <cstdint>
#include <string>

namespace sim {

using ThreadId = uint16_t;
inline constexpr ThreadId kNoThread = 0xffff;

// A violation has a stable kind ("stale-mmio", "deadlock", "step-bound",
// "warn:<name>", ...) that sweeps count by, and a message for humans.
struct Violation {
  std::string kind;
  std::string message;
  uint64_t step = 0;  // scheduling decisions taken when it was detected
  ThreadId thread = kNoThread;

  bool operator==(const Violation&) const = default;
};

// Reports a violation from the running modeled thread and ends the execution.
[[noreturn]] void fail(std::string kind, std::string message);

// WARN_ON(cond): a mirrored kernel warning is a violation of kind "warn:<name>".
inline void warn_on(bool cond, const char* name, const char* what) {
  if (cond) fail(std::string("warn:") + name, what);
}

}  // namespace sim

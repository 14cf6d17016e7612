// SPDX-License-Identifier: GPL-2.0-only
// Sleepable RCU. synchronize() returns once every read-side section that had
// begun when it was called has ended; sections that begin later do not delay
// it (the grace-period guarantee of synchronize_srcu and its expedited form).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/runtime/execution.hpp"

namespace sim {

class Srcu : public Object {
 public:
  explicit Srcu(std::string_view name) : Object(name) {}

  // Returns a handle for read_unlock (the kernel's idx).
  uint64_t read_lock(const char* function = __builtin_FUNCTION());
  void read_unlock(uint64_t handle, const char* function = __builtin_FUNCTION());
  void synchronize(const char* function = __builtin_FUNCTION());

 private:
  struct Reader {
    uint64_t section;  // increasing: later sections have larger numbers
    ThreadId thread;
  };
  bool waits_for_readers_before(uint64_t section) const;

  uint64_t next_section_ = 0;
  std::vector<Reader> readers_;       // active read-side sections
  std::vector<ThreadId> synchronizers_;  // blocked in synchronize()
};

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
// A modeled sleeping or spinning lock (kernel mutex, spinlock). Contention is
// modeled by blocking in the execution: a spinning CPU does nothing a
// scheduler could observe, so it is equivalent to a blocked one. Waiters are
// all woken on unlock and contend again, so every acquisition order that the
// kernel allows can be explored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/runtime/execution.hpp"

namespace sim {

class Lock : public Object {
 public:
  enum class Kind { mutex, spinlock };
  Lock(std::string_view name, Kind kind) : Object(name), kind_(kind) {}

  void lock(const char* function = __builtin_FUNCTION());
  void unlock(const char* function = __builtin_FUNCTION());

  // Another modeled thread is waiting for this lock (spin_needbreak): it
  // called lock() and does not have it yet. Meant for the owner to ask.
  bool contended() const { return contenders_ > 0; }

  // From now on, each unlock records in the execution's metrics, as
  // `metric`, the longest hold so far: the scheduling decisions taken while
  // the lock was held in one acquisition, the unlock's own included.
  void report_longest_hold_as(std::string metric) { hold_metric_ = std::move(metric); }

 private:
  Kind kind_;
  ThreadId owner_ = kNoThread;
  std::vector<ThreadId> waiters_;
  unsigned contenders_ = 0;   // threads inside lock() that do not own it yet
  uint64_t acquired_at_ = 0;  // Execution::decisions() when owner_ took it
  std::string hold_metric_;   // empty: holds are not measured
};

class Mutex : public Lock {
 public:
  explicit Mutex(std::string_view name) : Lock(name, Kind::mutex) {}
};

class Spinlock : public Lock {
 public:
  explicit Spinlock(std::string_view name) : Lock(name, Kind::spinlock) {}
};

}  // namespace sim

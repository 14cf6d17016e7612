// SPDX-License-Identifier: GPL-2.0-only
// A modeled reader-writer lock (the kernel's rwlock_t): any number of
// readers, or one writer. Like Lock, contention blocks in the execution and
// every waiter is woken to contend again, so every order the kernel allows
// can be explored. Readers do not starve a waiting writer out of the model:
// the strategy decides who gets in.
#pragma once

#include <string>
#include <vector>

#include "sim/runtime/execution.hpp"

namespace sim {

class RwLock : public Object {
 public:
  explicit RwLock(std::string_view name) : Object(name) {}

  void read_lock(const char* function = __builtin_FUNCTION());
  void read_unlock(const char* function = __builtin_FUNCTION());
  void write_lock(const char* function = __builtin_FUNCTION());
  void write_unlock(const char* function = __builtin_FUNCTION());

  // rwlock_init on a lock that may be in use: re-initialising a lock that
  // a thread holds corrupts it (`lock-reinit-while-held`).
  void reinit(const char* function = __builtin_FUNCTION());

  // For oracles: does the calling thread hold it for read?
  bool held_for_read_by(ThreadId t) const;

 private:
  void wake_all();

  ThreadId writer_ = kNoThread;
  std::vector<ThreadId> readers_;  // one entry per read acquisition
  std::vector<ThreadId> waiters_;
};

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
#include "sim/sync/rwlock.hpp"

#include <algorithm>

namespace sim {

void RwLock::read_lock(const char* function) {
  Execution& ex = Execution::current();
  ex.point(Label(this, function, Access::write));
  if (writer_ == ex.self())
    fail("deadlock", ex.threads()[ex.self()].name + " read-locks " + name() +
                         ", which it holds for write");
  while (writer_ != kNoThread) {
    waiters_.push_back(ex.self());
    ex.block(*this);
  }
  readers_.push_back(ex.self());
  if (ex.recording()) ex.record("read_lock", this, "", function);
}

void RwLock::read_unlock(const char* function) {
  Execution& ex = Execution::current();
  ex.point(Label(this, function, Access::write));
  const auto it = std::find(readers_.begin(), readers_.end(), ex.self());
  warn_on(it == readers_.end(), "read-unlock-not-reader",
          "read_unlock of a rwlock the thread does not hold for read");
  readers_.erase(it);
  if (ex.recording()) ex.record("read_unlock", this, "", function);
  if (readers_.empty()) wake_all();
}

void RwLock::write_lock(const char* function) {
  Execution& ex = Execution::current();
  ex.point(Label(this, function, Access::write));
  if (writer_ == ex.self() || held_for_read_by(ex.self()))
    fail("deadlock", ex.threads()[ex.self()].name + " write-locks " + name() +
                         ", which it already holds");
  while (writer_ != kNoThread || !readers_.empty()) {
    waiters_.push_back(ex.self());
    ex.block(*this);
  }
  writer_ = ex.self();
  if (ex.recording()) ex.record("write_lock", this, "", function);
}

void RwLock::write_unlock(const char* function) {
  Execution& ex = Execution::current();
  ex.point(Label(this, function, Access::write));
  warn_on(writer_ != ex.self(), "write-unlock-not-owner",
          "write_unlock of a rwlock the thread does not hold for write");
  writer_ = kNoThread;
  if (ex.recording()) ex.record("write_unlock", this, "", function);
  wake_all();
}

void RwLock::reinit(const char* function) {
  Execution& ex = Execution::current();
  ex.point(Label(this, function, Access::write));
  if (ex.recording()) ex.record("rwlock_init", this, "", function);
  const ThreadId holder = writer_ != kNoThread ? writer_ : readers_.empty() ? kNoThread : readers_[0];
  if (holder != kNoThread)
    fail("lock-reinit-while-held", "rwlock_init(" + name() + ") while " +
                                       ex.threads()[holder].name + " holds it for " +
                                       (writer_ != kNoThread ? "write" : "read"));
}

bool RwLock::held_for_read_by(ThreadId t) const {
  return std::find(readers_.begin(), readers_.end(), t) != readers_.end();
}

void RwLock::wake_all() {
  Execution& ex = Execution::current();
  for (ThreadId t : waiters_) ex.wake(t);
  waiters_.clear();
}

}  // namespace sim

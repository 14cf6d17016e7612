// SPDX-License-Identifier: GPL-2.0-only
#include "sim/sync/lock.hpp"

namespace sim {

void Lock::lock(const char* function) {
  Execution& ex = Execution::current();
  ex.point(Label(this, function, Access::write));
  if (owner_ == ex.self())
    fail("deadlock", ex.threads()[ex.self()].name + " takes " + name() + " recursively");
  // A waiter woken by unlock wants the lock until it has it, even before it
  // runs again. No RAII guard: a lock lives for one execution (like
  // waiters_, the count of an aborted one goes with it), and a cleanup
  // landing pad on a fiber stack makes ASan report false stack overflows
  // when an aborted execution unwinds the thread.
  ++contenders_;
  while (owner_ != kNoThread) {
    waiters_.push_back(ex.self());
    ex.block(*this);
  }
  --contenders_;
  owner_ = ex.self();
  acquired_at_ = ex.decisions();
  if (ex.recording())
    ex.record(kind_ == Kind::mutex ? "mutex_lock" : "spin_lock", this, "", function);
}

void Lock::unlock(const char* function) {
  Execution& ex = Execution::current();
  ex.point(Label(this, function, Access::write));
  warn_on(owner_ != ex.self(), "unlock-not-owner", "unlocking a lock the thread does not hold");
  if (!hold_metric_.empty()) ex.metrics().set_max(hold_metric_, ex.decisions() - acquired_at_);
  owner_ = kNoThread;
  if (ex.recording())
    ex.record(kind_ == Kind::mutex ? "mutex_unlock" : "spin_unlock", this, "", function);
  for (ThreadId t : waiters_) ex.wake(t);
  waiters_.clear();
}

}  // namespace sim

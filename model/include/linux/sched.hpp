// SPDX-License-Identifier: GPL-2.0-only
// cond_resched_lock (include/linux/sched.h, kernel/sched/core.c) as the
// model needs it: a thread holding a spinlock offers to let others run.
//
// The kernel drops the lock when spin_needbreak(lock) (another CPU spins on
// it) or when need_resched() (the scheduler wants this CPU for another
// task). The model has no timer tick; it makes "the scheduler wants the CPU"
// a strategy choice: there is a scheduling point while the lock is held, and
// if the strategy ran another thread there (Execution::point() returns
// true), that is need_resched(). spin_needbreak is sim::Lock::contended().
// Both come from the recorded schedule, so a replay drops the lock at the
// same places.
#pragma once

#include "sim/runtime/execution.hpp"
#include "sim/sync/lock.hpp"

namespace model {

// Returns true when it dropped and retook the lock: the caller's view of
// the data the lock protects may be stale (the walks restart). Counts each
// drop in the metric lock_drops.
inline bool cond_resched_lock(sim::Lock* lock) {
  sim::Execution& ex = sim::Execution::current();
  const bool need_resched = ex.point(sim::Label(lock, "cond_resched_lock", sim::Access::read));
  if (!need_resched && !lock->contended()) return false;
  ex.metrics().add("lock_drops");
  // Lock::lock begins with a scheduling point: others, a waiter included,
  // may run between the release and the re-acquisition.
  lock->unlock("cond_resched_lock");
  lock->lock("cond_resched_lock");
  return true;
}

}  // namespace model

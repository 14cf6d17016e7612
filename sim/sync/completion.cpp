// SPDX-License-Identifier: GPL-2.0-only
#include "sim/sync/completion.hpp"

namespace sim {

void Completion::complete(const char* function) {
  Execution& ex = Execution::current();
  ex.point(Label(this, function, Access::write));
  done_ = true;
  if (ex.recording()) ex.record("complete_all", this, "", function);
  for (ThreadId t : waiters_) ex.wake(t);
  waiters_.clear();
}

void Completion::wait(const char* function) {
  Execution& ex = Execution::current();
  ex.point(Label(this, function, Access::write));
  while (!done_) {
    waiters_.push_back(ex.self());
    ex.block(*this);
  }
  if (ex.recording()) ex.record("wait_for_completion", this, "", function);
}

}  // namespace sim

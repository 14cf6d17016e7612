#include "sim/strategy/replay_strategy.hpp"

#include <algorithm>

namespace sim {

ThreadId ReplayStrategy::pick(const Decision& d) {
  const auto runnable = d.runnable;
  const uint64_t at = next_++;
  if (at < schedule_.size() &&
      std::binary_search(runnable.begin(), runnable.end(), schedule_[at]))
    return schedule_[at];
  if (!diverged_at_) diverged_at_ = at;
  return runnable.front();  // keep going deterministically; the caller reports it
}

}  // namespace sim

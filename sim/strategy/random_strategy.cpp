// SPDX-License-Identifier: GPL-2.0-only
#include "sim/strategy/random_strategy.hpp"

#include <stdexcept>

namespace sim {

ThreadId RandomStrategy::pick(const Decision& d) {
  const auto runnable = d.runnable;
  const ThreadId current = d.current;
  const auto n = static_cast<uint32_t>(runnable.size());
  if (!d.yielding || n == 1 || current == kNoThread) return runnable[rng_.below(n)];
  // A spinning thread cannot make progress by itself: give the turn to
  // another runnable thread, so spin loops never exhaust the step bound.
  uint32_t i = rng_.below(n - 1);
  if (runnable[i] >= current) ++i;
  return runnable[i];
}

}  // namespace sim

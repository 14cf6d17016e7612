// SPDX-License-Identifier: GPL-2.0-only
// Engine-only workloads: modeled threads that do nothing but reach scheduling
// points, so the figures measure the scheduler and not the KVM model.
#pragma once

#include <cstdint>

#include "sim/runtime/execution.hpp"
#include "sim/strategy/random_strategy.hpp"
#include "sim/sync/shared.hpp"
#include "timing.hpp"

namespace bench {

// `threads` modeled threads, each calling point() `points` times; a rate in
// scheduling decisions (Outcome.steps) per second.
Rate decisions_per_second(int threads, int points, const Timing& timing);

// 3 threads, each doing 15 x v.store(v.load() + 1) on one sim::Shared: 90
// accesses, each a scheduling point. One Execution is reused for every run.
class Synthetic {
 public:
  static constexpr int kThreads = 3;
  static constexpr int kIncrements = 15;

  Synthetic();
  sim::Outcome run_one();  // the next seed; throws on a violation

 private:
  sim::RandomStrategy strategy_;
  sim::Execution exec_;
  sim::Shared<uint64_t> v_{"v"};
  uint64_t seed_ = 0;
};

struct SyntheticResult {
  Rate executions_per_second;
  double decisions_per_execution = 0;  // mean over the timed executions
};
SyntheticResult synthetic_executions_per_second(const Timing& timing);

}  // namespace bench

// SPDX-License-Identifier: GPL-2.0-only
#include "workloads.hpp"

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace bench {

Rate decisions_per_second(int threads, int points, const Timing& timing) {
  sim::RandomStrategy strategy;
  // Decisions: one to start, one per point, one per thread that finishes
  // while others remain. Nothing may hit the step bound.
  const uint64_t bound = static_cast<uint64_t>(threads) * (points + 1) + 1;
  sim::Execution exec(strategy, sim::ExecutionOptions{bound, false});
  for (int t = 0; t < threads; ++t)
    exec.spawn(fmt::format("t{}", t), t, [points] {
      sim::Execution& ex = sim::Execution::current();
      for (int i = 0; i < points; ++i) ex.point({});
    });
  uint64_t seed = 0;
  return measure(timing, [&] {
    const sim::Outcome out = exec.run(seed++);
    if (out.violation) throw std::runtime_error("point loop: " + out.violation->kind);
    return out.steps;
  });
}

Synthetic::Synthetic() : exec_(strategy_, sim::ExecutionOptions{1000, false}) {
  for (int t = 0; t < kThreads; ++t)
    exec_.spawn(fmt::format("t{}", t), t, [this] {
      for (int i = 0; i < kIncrements; ++i) v_.store(v_.load() + 1);
    });
}

sim::Outcome Synthetic::run_one() {
  v_.init(0);
  const sim::Outcome out = exec_.run(seed_++);
  if (out.violation) throw std::runtime_error("synthetic: " + out.violation->kind);
  if (v_.peek() == 0 || v_.peek() > kThreads * kIncrements)
    throw std::runtime_error("synthetic: impossible final value " + std::to_string(v_.peek()));
  return out;
}

SyntheticResult synthetic_executions_per_second(const Timing& timing) {
  Synthetic synthetic;
  uint64_t executions = 0, decisions = 0;
  const Rate rate = measure(timing, [&] {
    decisions += synthetic.run_one().steps;
    ++executions;
    return uint64_t{1};
  });
  return SyntheticResult{rate, static_cast<double>(decisions) / static_cast<double>(executions)};
}

}  // namespace bench

// SPDX-License-Identifier: GPL-2.0-only
// Runs modeled code directly: each function is one modeled thread ("t0",
// "t1", ... on CPUs 0, 1, ...) of one recorded execution under the random
// strategy. For directed tests of model functions without a scenario file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/runtime/execution.hpp"
#include "sim/strategy/random_strategy.hpp"

namespace testutil {

struct Run {
  sim::Outcome outcome;
  std::vector<sim::Event> events;
  sim::Metrics metrics;
};

inline Run run(const std::vector<std::function<void()>>& bodies, uint64_t seed = 0,
               uint64_t step_bound = 100000) {
  sim::RandomStrategy strategy;
  sim::Execution ex(strategy, sim::ExecutionOptions{step_bound, true});
  int cpu = 0;
  for (const auto& body : bodies) {
    // Built in two steps: g++ 12 warns (-Wrestrict, a false positive) on
    // "t" + std::to_string(cpu).
    std::string name = "t";
    name += std::to_string(cpu);
    ex.spawn(name, cpu++, body);
  }
  Run r;
  r.outcome = ex.run(seed);
  r.events = ex.events();
  r.metrics = ex.metrics();
  return r;
}

inline Run run_alone(const std::function<void()>& body, uint64_t step_bound = 100000) {
  return run({body}, 0, step_bound);
}

}  // namespace testutil

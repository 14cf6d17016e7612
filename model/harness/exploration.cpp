// SPDX-License-Identifier: GPL-2.0-only
#include "model/harness/exploration.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "model/harness/simulation.hpp"
#include "sim/json_input.hpp"
#include "sim/strategy/pct_strategy.hpp"

namespace model {

namespace {

// Calibration runs: enough seeds that, with a few threads, most priority
// orders are among them.
constexpr uint64_t kCalibrationSeeds = 16;

// K for PCT: the most steps of the executions under PCT at depth 1 (no
// change points: the threads run in priority order) at seeds
// 0..kCalibrationSeeds-1. PCT's k is an upper bound on an execution's steps;
// one order alone can be much shorter than another (a thread that runs
// first may find nothing to do). The same K for every shard, job and seed
// range, and for a replay of any of their traces (the trace's strategy name
// "pct:D:K" carries it).
uint64_t calibrate_pct_steps(const Scenario& scenario, const Variant& variant) {
  sim::PctStrategy priority_ordered(1, 1);
  Simulation simulation(scenario, variant, priority_ordered, /*record=*/false);
  uint64_t k = 1;
  for (uint64_t seed = 0; seed < kCalibrationSeeds; ++seed)
    k = std::max(k, simulation.run(seed).steps);
  return k;
}

}  // namespace

std::unique_ptr<sim::Strategy> make_scenario_strategy(const Scenario& scenario,
                                                      const Variant& variant,
                                                      const std::string& spec) {
  const std::optional<sim::PctSpec> pct = sim::parse_pct_spec(spec);
  if (!pct || pct->steps) return sim::make_strategy(spec);
  const uint64_t k = calibrate_pct_steps(scenario, variant);
  if (pct->depth - 1 > k) {
    const std::string why = fmt::format(
        "strategy '{}': {} at {} takes {} steps, fewer than the {} priority-change points of "
        "depth {}; give a smaller depth or pct:{}:K",
        spec, scenario.name, variant.name, k, pct->depth - 1, pct->depth, pct->depth);
    // The scenario's own strategy (not --strategy): name where it is written.
    if (spec == scenario.exploration.strategy)
      sim::JsonIn(nlohmann::json(), scenario.path, "/exploration/strategy").error(why);
    throw std::invalid_argument(why);
  }
  return std::make_unique<sim::PctStrategy>(pct->depth, k);
}

}  // namespace model

#include "model/exploration.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "model/simulation.hpp"
#include "sim/strategy/pct_strategy.hpp"

namespace model {

namespace {

// K for PCT: the steps of one execution under PCT at depth 1, which has no
// change points and so runs the threads in priority order, at seed 0. The
// same K for every shard, job and seed range, and for a replay of any of
// their traces (the trace's strategy name "pct:D:K" carries it).
uint64_t calibrate_pct_steps(const Scenario& scenario, const Variant& variant) {
  sim::PctStrategy priority_ordered(1, 1);
  Simulation simulation(scenario, variant, priority_ordered, /*record=*/false);
  return std::max<uint64_t>(simulation.run(0).steps, 1);
}

}  // namespace

std::unique_ptr<sim::Strategy> make_scenario_strategy(const Scenario& scenario,
                                                      const Variant& variant,
                                                      const std::string& spec) {
  const std::optional<sim::PctSpec> pct = sim::parse_pct_spec(spec);
  if (!pct || pct->steps) return sim::make_strategy(spec);
  const uint64_t k = calibrate_pct_steps(scenario, variant);
  if (pct->depth - 1 > k)
    throw std::invalid_argument(fmt::format(
        "strategy '{}': {} at {} takes {} steps, fewer than the {} priority-change points of "
        "depth {}; give a smaller depth or pct:{}:K",
        spec, scenario.name, variant.name, k, pct->depth - 1, pct->depth, pct->depth));
  return std::make_unique<sim::PctStrategy>(pct->depth, k);
}

}  // namespace model

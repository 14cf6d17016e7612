// SPDX-License-Identifier: GPL-2.0-only
#include "model/harness/explore.hpp"

#include <memory>

#include "model/harness/simulation.hpp"

namespace model {

std::string explore_strategy_name(const sim::SearchOptions& options) {
  std::string name = "explore:";
  name += options.preemption_bound == sim::kUnbounded ? std::string("unbounded")
                                                      : std::to_string(options.preemption_bound);
  return name;
}

ExploreResult explore(const Scenario& scenario, const Variant& variant,
                      const sim::SearchOptions& options, const std::string& tool) {
  // The search hands the same strategy to every execution, so one
  // Simulation (its threads and fiber stacks) serves them all.
  std::unique_ptr<Simulation> simulation;
  const auto run_one = [&](sim::Strategy& strategy) {
    if (!simulation) simulation = std::make_unique<Simulation>(scenario, variant, strategy, false);
    return simulation->run(0);
  };
  ExploreResult r{sim::explore(run_one, options), std::nullopt};
  if (!r.search.failing) return r;
  r.trace = record_schedule(scenario, variant, r.search.failing_schedule, 0,
                            r.search.failing->violation, tool, explore_strategy_name(options));
  return r;
}

}  // namespace model

#include "model/sweep.hpp"

#include <algorithm>

#include "model/simulation.hpp"
#include "sim/strategy/strategy.hpp"

namespace model {

bool meets(const std::map<std::string, uint64_t>& violations, const Expectation& expectation) {
  for (const auto& [kind, count] : violations)
    if (std::find(expectation.kinds.begin(), expectation.kinds.end(), kind) ==
        expectation.kinds.end())
      return false;
  return std::all_of(expectation.kinds.begin(), expectation.kinds.end(),
                     [&](const std::string& k) { return violations.count(k) != 0; });
}

SweepResult sweep_variant(const Scenario& scenario, const Expectation& expectation,
                          uint64_t seed_begin, uint64_t seed_end) {
  auto strategy = sim::make_strategy(scenario.exploration.strategy);
  Simulation simulation(scenario, find_variant(expectation.variant), *strategy, false);
  SweepResult r;
  r.variant = expectation.variant;
  r.expected = expectation.verdict();
  for (uint64_t seed = seed_begin;; ++seed) {
    const sim::Outcome out = simulation.run(seed);
    ++r.executions;
    if (out.violation) {
      ++r.violations[out.violation->kind];
      if (!r.first_failing_seed) r.first_failing_seed = seed;
    }
    if (seed == seed_end) break;
  }
  r.ok = meets(r.violations, expectation);
  return r;
}

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
#include "scenario_bench.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "model/harness/simulation.hpp"
#include "model/variants/variants.hpp"
#include "sim/strategy/random_strategy.hpp"

namespace bench {

namespace {

// Executions up to and including the first expected violation in each seed
// range (nullopt: not within the cap); the median of those, null when the
// middle of the sorted counts was not reached within the cap.
nlohmann::json executions_to_first(const model::Scenario& scenario, const model::Expectation& e,
                                   const SearchParams& p) {
  sim::RandomStrategy strategy;
  model::Simulation simulation(scenario, model::find_variant(e.variant), strategy, false);
  std::vector<uint64_t> counts;  // cap + 1: not found
  uint64_t unexpected = 0;
  for (int i = 0; i < p.ranges; ++i) {
    const uint64_t begin = static_cast<uint64_t>(i) * p.stride;
    uint64_t n = 1;
    for (; n <= p.cap; ++n) {
      const sim::Outcome out = simulation.run(begin + n - 1);
      if (!out.violation) continue;
      if (e.expects(out.violation->kind)) break;
      ++unexpected;
    }
    counts.push_back(n);
  }
  std::sort(counts.begin(), counts.end());
  const size_t m = counts.size();
  const uint64_t lo = counts[(m - 1) / 2], hi = counts[m / 2];
  const auto found = std::count_if(counts.begin(), counts.end(), [&](uint64_t c) { return c <= p.cap; });
  return {{"median", hi > p.cap ? nlohmann::json(nullptr) : nlohmann::json((lo + hi) / 2.0)},
          {"min", counts.front() > p.cap ? nlohmann::json(nullptr) : nlohmann::json(counts.front())},
          {"ranges", p.ranges},
          {"ranges_found", found},
          {"cap", p.cap},
          {"unexpected_violations", unexpected}};
}

}  // namespace

nlohmann::json bench_scenario(const model::Scenario& scenario, const Timing& timing,
                              const SearchParams& search) {
  nlohmann::json variants = nlohmann::json::object();
  for (const model::Expectation& e : scenario.expect) {
    sim::RandomStrategy strategy;
    model::Simulation simulation(scenario, model::find_variant(e.variant), strategy, false);
    uint64_t seed = 0, executions = 0, violations = 0;
    const Rate rate = measure(timing, [&] {
      const sim::Outcome out = simulation.run(seed++);
      ++executions;
      violations += out.violation.has_value();
      return uint64_t{1};
    });
    nlohmann::json v = {{"expected", e.verdict()},
                        {"executions_per_second", rate.median},
                        {"executions_per_second_min_max", {rate.min, rate.max}},
                        {"violation_fraction", static_cast<double>(violations) / executions}};
    if (e.kinds.empty()) {
      v["median_executions_to_first_violation"] = nullptr;  // clean: no bug to find
    } else {
      nlohmann::json first = executions_to_first(scenario, e, search);
      v["median_executions_to_first_violation"] = first["median"];
      first.erase("median");
      v["search"] = first;
    }
    variants[e.variant] = v;
  }
  return variants;
}

}  // namespace bench

#include "model/sweep.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "model/simulation.hpp"
#include "sim/strategy/strategy.hpp"

namespace model {

namespace {

std::string range_text(uint64_t min, uint64_t max) {
  return min == max ? std::to_string(min) : fmt::format("{}..{}", min, max);
}

// Folds one execution's metrics into the ranges. A metric first seen now
// was 0 in the executions before.
void fold(std::map<std::string, MetricRange>& ranges, const sim::Metrics& m, bool first) {
  for (const auto& [name, value] : m.values()) {
    auto [it, inserted] = ranges.try_emplace(name);
    if (inserted && !first) it->second.min = 0;
  }
  for (auto& [name, range] : ranges) {
    const uint64_t v = m.get(name);
    range.min = std::min(range.min, v);
    range.max = std::max(range.max, v);
  }
}

}  // namespace

bool meets(const SweepResult& result, const Expectation& expectation) {
  for (const auto& [kind, count] : result.violations)
    if (std::find(expectation.kinds.begin(), expectation.kinds.end(), kind) ==
        expectation.kinds.end())
      return false;
  for (const auto& k : expectation.kinds)
    if (result.violations.count(k) == 0) return false;
  for (const MetricBound& b : expectation.metrics) {
    auto it = result.metrics.find(b.metric);
    const MetricRange r = it == result.metrics.end() ? MetricRange{0, 0} : it->second;
    if (r.min < b.min || r.max > b.max) return false;
  }
  return result.broken_relations.empty();
}

std::string metrics_text(const std::map<std::string, MetricRange>& metrics) {
  std::string s;
  for (const auto& [name, r] : metrics)
    s += fmt::format("{}{}={}", s.empty() ? "" : " ", name, range_text(r.min, r.max));
  return s.empty() ? "-" : s;
}

SweepResult sweep_variant(const Scenario& scenario, const Expectation& expectation,
                          uint64_t seed_begin, uint64_t seed_end, bool keep_failing_seeds) {
  auto strategy = sim::make_strategy(scenario.exploration.strategy);
  Simulation simulation(scenario, find_variant(expectation.variant), *strategy, false);
  SweepResult r;
  r.variant = expectation.variant;
  r.expected = expectation.verdict();
  std::vector<std::string> expected;
  for (const MetricBound& b : expectation.metrics)
    expected.push_back(b.max == UINT64_MAX ? fmt::format("{}>={}", b.metric, b.min)
                                           : fmt::format("{}={}", b.metric, range_text(b.min, b.max)));
  for (const MetricRelation& rel : expectation.relations) expected.push_back(rel.text());
  r.expected_metrics = fmt::format("{}", fmt::join(expected, " "));
  for (uint64_t seed = seed_begin;; ++seed) {
    const sim::Outcome out = simulation.run(seed);
    const sim::Metrics& metrics = simulation.execution().metrics();
    fold(r.metrics, metrics, r.executions == 0);
    for (const MetricRelation& rel : expectation.relations)
      if (!rel.holds(metrics.get(rel.left), metrics.get(rel.right))) ++r.broken_relations[rel.text()];
    ++r.executions;
    if (out.violation) {
      ++r.violations[out.violation->kind];
      if (!r.first_failing_seed) r.first_failing_seed = seed;
      if (keep_failing_seeds) r.failing_seeds.push_back(seed);
    }
    if (seed == seed_end) break;
  }
  r.ok = meets(r, expectation);
  return r;
}

}  // namespace model

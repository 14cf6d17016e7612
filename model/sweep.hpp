// A sweep: one scenario at one variant over a range of seeds, without
// recording; what it found, and whether that is what the scenario expects.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/scenario.hpp"

namespace model {

// The range a metric took over the executions of a sweep (a metric an
// execution did not touch counts as 0 there).
struct MetricRange {
  uint64_t min = UINT64_MAX;
  uint64_t max = 0;
};

struct SweepResult {
  std::string variant;
  uint64_t executions = 0;
  std::map<std::string, uint64_t> violations;  // by kind, sorted
  std::map<std::string, MetricRange> metrics;  // by name, sorted
  std::optional<uint64_t> first_failing_seed;
  std::vector<uint64_t> failing_seeds;  // in order; kept only when asked for
  std::string expected;          // verdict text
  // Executions that broke each relation of the expectation, by its text.
  std::map<std::string, uint64_t> broken_relations;
  std::string expected_metrics;  // "name=v name=a..b name>=a a==b"; empty if none
  bool ok = false;
};

SweepResult sweep_variant(const Scenario& scenario, const Expectation& expectation,
                          uint64_t seed_begin, uint64_t seed_end,
                          bool keep_failing_seeds = false);

// Does what a sweep found meet the expectation? A clean expectation needs no
// violation at all; an expected kind must show up at least once, and no kind
// that was not expected may. Every metric bound and relation must hold in
// every execution.
bool meets(const SweepResult& result, const Expectation& expectation);

// "name=v" or "name=min..max" per metric, space separated; "-" if none.
std::string metrics_text(const std::map<std::string, MetricRange>& metrics);

}  // namespace model

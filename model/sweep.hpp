// A sweep: one scenario at one variant over a range of seeds, without
// recording; what it found, and whether that is what the scenario expects.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "model/scenario.hpp"

namespace model {

struct SweepResult {
  std::string variant;
  uint64_t executions = 0;
  std::map<std::string, uint64_t> violations;  // by kind, sorted
  std::optional<uint64_t> first_failing_seed;
  std::string expected;  // verdict text
  bool ok = false;
};

SweepResult sweep_variant(const Scenario& scenario, const Expectation& expectation,
                          uint64_t seed_begin, uint64_t seed_end);

// Does what a sweep found meet the expectation? A clean expectation needs no
// violation at all; an expected kind must show up at least once, and no kind
// that was not expected may.
bool meets(const std::map<std::string, uint64_t>& violations, const Expectation& expectation);

}  // namespace model

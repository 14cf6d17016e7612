// SPDX-License-Identifier: GPL-2.0-only
// A scenario file through the whole model: executions per second at each
// expected variant, and how many random executions it takes to find the
// expected bug.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "model/harness/scenario.hpp"
#include "timing.hpp"

namespace bench {

struct SearchParams {
  int ranges = 100;             // disjoint seed ranges; range i starts at i * stride
  uint64_t stride = 100000;
  uint64_t cap = 100000;        // executions tried per range
};

// One object per variant the scenario expects something of, keyed by name.
nlohmann::json bench_scenario(const model::Scenario& scenario, const Timing& timing,
                              const SearchParams& search);

}  // namespace bench

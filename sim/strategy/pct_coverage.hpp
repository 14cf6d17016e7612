// SPDX-License-Identifier: GPL-2.0-only
// What a PCT sweep guarantees (Burckhardt et al., ASPLOS 2010, the theorem
// behind PCT): an execution with n threads and at most k steps finds any bug
// of depth d with probability at least 1/(n*k^(d-1)).
#pragma once

#include <cstdint>
#include <string>

namespace sim {

struct PctCoverage {
  uint32_t depth = 0;
  uint32_t threads = 0;
  uint64_t steps = 0;  // k the change points were drawn from
  uint64_t max_steps_seen = 0;
  uint64_t executions = 0;
  double per_execution = 0;  // >= 1 / (n * k^(d-1))
  double over_sweep = 0;     // >= 1 - (1 - per_execution)^executions
};

PctCoverage pct_coverage(uint32_t depth, uint32_t threads, uint64_t k, uint64_t max_steps_seen,
                         uint64_t executions);

// One line for the sweep report.
std::string describe(const PctCoverage& c);

}  // namespace sim

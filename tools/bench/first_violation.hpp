// SPDX-License-Identifier: GPL-2.0-only
// Schedules to the first violation, per strategy, for every scenario and
// variant that expects one: how fast each strategy finds the known bugs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bench {

struct FirstViolationParams {
  int ranges = 100;          // disjoint seed ranges; range i starts at i * stride
  uint64_t stride = 1000000;
  uint64_t cap = 10000;      // executions tried per range
  std::vector<std::string> strategies = {"random", "pct:1", "pct:2", "pct:3"};
  std::vector<unsigned> preemption_bounds = {1, 2, 3};  // bounded exhaustive search
  uint64_t max_schedules = 100000;                     // per exhaustive search
};

// One row per scenario file and variant with an expected violation: for
// each randomized strategy the median and 90th percentile of the executions
// up to and including the first expected violation over the seed ranges
// (null beyond the cap), and for each preemption bound the executions the
// exhaustive search ran (schedules, pruned ones and re-executions of lower
// bounds) up to its first violation: one deterministic number, given as
// both median and p90.
nlohmann::json first_violation_table(const std::vector<std::string>& scenario_files,
                                     const FirstViolationParams& p);

// The same as a Markdown table, for a closing note or the README.
std::string first_violation_markdown(const nlohmann::json& table);

// What proving the fixed states clean costs: for every scenario and variant
// expected clean, the bounded exhaustive search at each bound (schedules,
// pruned executions, re-executions of lower bounds, complete or not, wall
// time).
nlohmann::json explore_cost_table(const std::vector<std::string>& scenario_files,
                                  const std::vector<unsigned>& bounds, uint64_t max_schedules);
std::string explore_cost_markdown(const nlohmann::json& rows);

}  // namespace bench

// SPDX-License-Identifier: GPL-2.0-only
// Bounded exhaustive search of a scenario at a variant: every schedule with
// at most K preemptions (sim/explore/bounded_search.hpp), and the first
// failing one re-run with recording, as a trace `kvmsim replay` takes.
#pragma once

#include <optional>
#include <string>

#include "model/harness/scenario.hpp"
#include "model/variants/variants.hpp"
#include "sim/explore/bounded_search.hpp"
#include "sim/trace/trace.hpp"

namespace model {

struct ExploreResult {
  sim::SearchResult search;
  // The first failing schedule, recorded; its strategy is "explore:K"
  // ("explore:unbounded" without a bound).
  std::optional<sim::Trace> trace;
};

ExploreResult explore(const Scenario& scenario, const Variant& variant,
                      const sim::SearchOptions& options, const std::string& tool);

// "explore:K" or "explore:unbounded": what a trace of the search records.
std::string explore_strategy_name(const sim::SearchOptions& options);

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
// explore --checkpoint FILE / --resume FILE: where a bounded search stopped,
// as Loom's checkpoint file keeps it, so that a later run goes on and ends
// with the totals and verdict of a search never stopped. Level-granular:
// the completed levels' counts are kept, the level under way when it
// stopped is run again (sim/explore/bounded_search.hpp).
#pragma once

#include <optional>
#include <string>

#include "model/harness/scenario.hpp"
#include "model/variants/variants.hpp"
#include "sim/explore/bounded_search.hpp"

namespace kvmsim {

// What is searched: a checkpoint resumes only the same search.
struct ExploreSetting {
  const model::Scenario* scenario;
  const model::Variant* variant;
  uint64_t preemption_bound;
  std::string reduction;  // "sleep-sets" or "none"
};

struct ExploreCheckpoint {
  sim::SearchResult done;  // as of the end of its completed levels
  // The level under way when it stopped, and what it had run of it (run
  // again on resume); none if it stopped between levels.
  std::optional<sim::LevelCount> stopped_in;
};

// Atomically.
void write_checkpoint(const ExploreSetting& setting, const ExploreCheckpoint& c,
                      const std::string& path);

// InputError naming `path` and the JSON path when it is no checkpoint or
// one of another search (scenario content, variant, bound, reduction).
ExploreCheckpoint read_checkpoint(const ExploreSetting& setting, const std::string& path);

}  // namespace kvmsim

// SPDX-License-Identifier: GPL-2.0-only
// sweep --report-dir: one HTML report per distinct violation signature (kind
// plus the code locations involved), for the first seed that showed it, and
// an index.html listing them with counts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/harness/scenario.hpp"
#include "model/harness/sweep.hpp"

namespace kvmsim {

class ReportDir {
 public:
  explicit ReportDir(std::string dir);

  // Re-runs each failing seed of `r` recorded, under the strategy the sweep
  // ran, groups them by signature, and writes the trace and report of each
  // group's first seed, then the index so far.
  void add(const model::Scenario& scenario, const model::SweepResult& r);

  // index.html over everything added; returns its path.
  std::string write_index() const;

 private:
  struct Group {
    std::string scenario, variant, signature, report;
    uint64_t first_seed = 0;
    uint64_t count = 0;
  };
  std::string dir_;
  std::vector<Group> groups_;  // in the order they were found
};

}  // namespace kvmsim

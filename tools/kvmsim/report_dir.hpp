// SPDX-License-Identifier: GPL-2.0-only
// sweep --report-dir: one HTML report per distinct violation signature (kind
// plus the code locations involved), for the first seed that showed it, and
// an index.html listing them with counts. The list is kept as data too
// (index.json), so that a resumed sweep adds to what earlier runs found.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/harness/scenario.hpp"
#include "model/harness/sweep.hpp"

namespace kvmsim {

class ReportDir {
 public:
  // With `resume`, starts from the signatures the directory's index.json
  // lists (InputError naming it and the JSON path if it is not one kvmsim
  // wrote); without, from none.
  ReportDir(std::string dir, bool resume);

  // Re-runs each failing seed of `r` recorded, under the strategy the sweep
  // ran, groups them by signature with what the directory has, and writes
  // the trace and report of each new group's first seed (and of a group
  // whose seed is lower than the one it had), then the index so far.
  void add(const model::Scenario& scenario, const model::SweepResult& r);

  // index.json and index.html over everything added; returns index.html's path.
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

// SPDX-License-Identifier: GPL-2.0-only
// What the loader cannot see in one value: whether a scenario can do what
// it says. An expectation naming a kind that no execution of the scenario
// can report (an oracle not turned on, an x86 warning at a cache state),
// and a memslot ioctl that fails in every execution (the slot it names
// does not exist at that point of its updater's program, or a create or
// move lands on a slot that is there), are errors; an ioctl that changes
// nothing in every execution is a warning. `kvmsim check` reports them.
#pragma once

#include <string>
#include <vector>

#include "model/harness/scenario.hpp"

namespace model {

struct ScenarioProblem {
  bool error = true;    // false: a warning
  std::string pointer;  // JSON path in the scenario file
  std::string message;
};

// In file order: expectations first, then thread programs.
std::vector<ScenarioProblem> check_scenario(const Scenario& scenario);

}  // namespace model

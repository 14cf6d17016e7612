// SPDX-License-Identifier: GPL-2.0-only
// A scenario run at every kernel state in history order: which violation
// kinds each state shows, and where each kind appears and disappears.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/harness/scenario.hpp"
#include "model/harness/sweep.hpp"
#include "model/variants/variants.hpp"

namespace model {

// One kernel state: its sweep, or why the scenario cannot run there.
struct BisectStep {
  const Variant* variant = nullptr;
  std::string not_modeled;  // cannot_run_at's reason; "" if the sweep ran
  SweepResult result;       // the sweep, with a clean expectation
};

// A violation kind found at `at` but not at the modeled state before it
// (appears), or found there but not at `at` (disappears).
struct Transition {
  std::string kind;
  bool appears = true;
  const Variant* at = nullptr;
  const Variant* before = nullptr;  // null: `at` is the first state that runs the scenario
};

struct Bisection {
  std::vector<BisectStep> steps;        // every variant, in history order
  std::vector<Transition> transitions;  // by kind (sorted), each in history order
};

// Sweeps `scenario` over the seeds at each of `states` (in history order)
// that can run it.
Bisection bisect(const Scenario& scenario, const std::vector<Variant>& states,
                 uint64_t seed_begin, uint64_t seed_end);

// Where the kinds of the modeled steps change; states that do not run the
// scenario are passed over, not counted as clean.
std::vector<Transition> transitions(const std::vector<BisectStep>& steps);

}  // namespace model

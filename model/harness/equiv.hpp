// SPDX-License-Identifier: GPL-2.0-only
// Equivalence of two variants on one scenario: the same schedules (the
// scenario's strategy, the same seed) run at both with recording on, and the
// event streams compared seed by seed. A change to the modeled code that
// keeps every verdict can still change what the threads do; a sweep would
// not see that, this does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/harness/scenario.hpp"
#include "model/variants/variants.hpp"
#include "sim/check.hpp"
#include "sim/trace/event.hpp"

namespace model {

// One variant's execution at the first difference.
struct EquivSide {
  uint64_t step = 0;
  sim::ThreadId thread = sim::kNoThread;  // kNoThread: the execution had ended
  std::string thread_name;                // empty with kNoThread
  // The differing event; absent when the execution had ended (step is then
  // its last) or when the events agree and only the scheduler's pick differs
  // (thread is then the one it picked).
  std::optional<sim::Event> event;
};

struct EquivDifference {
  uint64_t seed = 0;
  uint64_t step = 0;  // the earlier of the two sides' steps
  EquivSide a, b;
};

struct EquivResult {
  uint64_t seeds = 0;  // seeds run; a difference ends the run at its seed
  std::optional<EquivDifference> first_difference;

  bool equivalent() const { return !first_difference; }
};

// Runs `scenario` at `a` and at `b` for every seed of [seed_begin, seed_end]
// and stops at the first seed whose threads, events or schedule differ.
EquivResult compare_variants(const Scenario& scenario, const Variant& a, const Variant& b,
                             uint64_t seed_begin, uint64_t seed_end);

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
// PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
// Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of
// Finding Bugs", ASPLOS 2010): a priority scheduler whose random initial
// priorities and d-1 random priority-change points find any bug of depth d
// with probability at least 1/(n*k^(d-1)) per execution (n threads, k steps).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/strategy/prng.hpp"
#include "sim/strategy/strategy.hpp"

namespace sim {

// The command-line spelling "pct:D" or "pct:D:K" (D >= 1, K >= 1; strict
// decimal or hex integers). `steps` is K, absent for "pct:D": K then has to
// be measured on the program under test (see model::make_scenario_strategy).
struct PctSpec {
  uint32_t depth = 1;
  std::optional<uint64_t> steps;
};

// The spec as PCT, or nullopt if it is not a well-formed PCT spelling.
std::optional<PctSpec> parse_pct_spec(const std::string& spec);

class PctStrategy final : public Strategy {
 public:
  using Priority = int64_t;

  // depth d >= 1; change points are drawn from the steps 1..k, k >= d-1 so
  // that d-1 distinct ones exist. std::invalid_argument otherwise.
  PctStrategy(uint32_t depth, uint64_t k);

  void begin_execution(uint64_t seed) override;
  ThreadId pick(const Decision& d) override;
  std::string name() const override;  // "pct:D:K": a repro line carries K

  uint32_t depth() const { return depth_; }
  uint64_t steps() const { return k_; }

  // --- the current execution, for tests -----------------------------------
  // Each thread's initial priority, indexed by thread id (a permutation of
  // d..d+n-1); empty until the first decision.
  const std::vector<Priority>& initial_priorities() const { return initial_; }
  // k_1..k_{d-1}: the thread that executes step k_i drops to priority i.
  const std::vector<uint64_t>& change_points() const { return change_points_; }

 private:
  void assign_initial_priorities(size_t threads);

  uint32_t depth_;
  uint64_t k_;
  Xoshiro256 rng_;
  std::vector<uint64_t> change_points_;
  std::vector<Priority> initial_;
  std::vector<Priority> priority_;  // current, indexed by thread id
};

}  // namespace sim

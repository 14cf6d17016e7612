// SPDX-License-Identifier: GPL-2.0-only
#include "sim/strategy/pct_strategy.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "sim/parse_int.hpp"

namespace sim {

namespace {

// A value in [0, n) for a 64-bit n (Xoshiro256::below takes 32 bits; k may
// not fit). Multiply-shift: the bias is below n / 2^64.
uint64_t below(Xoshiro256& rng, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(rng.next()) * n) >> 64);
}

}  // namespace

std::optional<PctSpec> parse_pct_spec(const std::string& spec) {
  std::vector<std::string_view> parts;
  std::string_view rest = spec;
  for (size_t colon; (colon = rest.find(':')) != std::string_view::npos;) {
    parts.push_back(rest.substr(0, colon));
    rest.remove_prefix(colon + 1);
  }
  parts.push_back(rest);
  if (parts[0] != "pct" || parts.size() < 2 || parts.size() > 3) return std::nullopt;
  const std::optional<uint64_t> depth = parse_u64(parts[1]);
  if (!depth || *depth < 1 || *depth > std::numeric_limits<uint32_t>::max()) return std::nullopt;
  PctSpec result{static_cast<uint32_t>(*depth), std::nullopt};
  if (parts.size() == 3) {
    result.steps = parse_u64(parts[2]);
    if (!result.steps || *result.steps < 1) return std::nullopt;
  }
  return result;
}

PctStrategy::PctStrategy(uint32_t depth, uint64_t k) : depth_(depth), k_(k) {
  if (depth < 1 || k < 1 || depth - 1 > k)
    throw std::invalid_argument(fmt::format(
        "pct:{}:{}: PCT at depth D draws D-1 distinct priority-change points from the K "
        "steps, so it needs D >= 1, K >= 1 and K >= D-1",
        depth, k));
}

std::string PctStrategy::name() const { return fmt::format("pct:{}:{}", depth_, k_); }

// Step 2 of the paper's statement of the algorithm: "Pick d-1 random
// priority change points k_1, ..., k_{d-1} in the range [1, k]. Each k_i has
// an associated priority value of i."
//
// The paper draws each k_i independently; we draw them distinct (an ordered
// sample without replacement, as Coyote and Shuttle do), because two change
// points on one step would spend one of the d-1 on nothing. The guarantee
// only gains: the chance that k_1..k_{d-1} hit d-1 given distinct steps is
// 1/(k(k-1)...(k-d+2)) >= 1/k^(d-1).
void PctStrategy::begin_execution(uint64_t seed) {
  rng_.reseed(seed);
  change_points_.clear();
  while (change_points_.size() + 1 < depth_) {
    const uint64_t step = 1 + below(rng_, k_);
    if (std::find(change_points_.begin(), change_points_.end(), step) == change_points_.end())
      change_points_.push_back(step);
  }
  initial_.clear();
  priority_.clear();
}

// Step 1: "Assign the n priority values d, d+1, ..., d+n-1 randomly to the n
// threads", by a Fisher-Yates shuffle. Every modeled thread exists from the
// start, so n is known at the first decision.
void PctStrategy::assign_initial_priorities(size_t threads) {
  initial_.resize(threads);
  for (size_t t = 0; t < threads; ++t) initial_[t] = depth_ + static_cast<Priority>(t);
  for (size_t t = threads; t > 1; --t)
    std::swap(initial_[t - 1], initial_[rng_.below(static_cast<uint32_t>(t))]);
  priority_ = initial_;
}

// Step 3: "Schedule the threads by honoring their priorities. When a thread
// reaches the i-th change point (that is, when it executes the k_i-th step
// of the execution), change the priority of that thread to i."
//
// A step is what the chosen thread does between two decisions: the decision
// with Decision::index j (j decisions before it) picks the thread that
// executes step j+1, so steps are numbered 1..Outcome::steps like the
// paper's 1..k. The thread that executes step k_i drops to priority i once
// it has executed it, i.e. from the next decision on: it is preempted right
// before its next shared access if any other thread can run.
//
// Priority i or d-i for k_i: the same schedules with the same probabilities,
// since k_1..k_{d-1} are exchangeable; we write the paper's i.
ThreadId PctStrategy::pick(const Decision& d) {
  if (initial_.empty()) assign_initial_priorities(d.next.size());
  // The paper assumes threads that never spin. A spinning thread (the yield
  // hint) cannot progress until another thread runs, and at the highest
  // priority it would spin until the step bound; so, as Coyote's
  // PCTStrategy and Shuttle's PctScheduler do, it drops below every other
  // thread. That is not a change point: the d-1 changes stay for the bug.
  if (d.yielding && d.current != kNoThread)
    priority_[d.current] = *std::min_element(priority_.begin(), priority_.end()) - 1;
  ThreadId chosen = d.runnable[0];
  for (const ThreadId t : d.runnable)
    if (priority_[t] > priority_[chosen]) chosen = t;
  const uint64_t step = d.index + 1;
  for (size_t i = 0; i < change_points_.size(); ++i)
    if (change_points_[i] == step) priority_[chosen] = static_cast<Priority>(i + 1);
  return chosen;
}

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
#include "model/harness/equiv.hpp"

#include <algorithm>
#include <vector>

#include "model/harness/simulation.hpp"
#include "sim/strategy/strategy.hpp"

namespace model {

namespace {

EquivSide side_at(const sim::Execution& ex, const sim::Outcome& out, size_t i) {
  EquivSide s;
  if (i >= ex.events().size()) {
    s.step = out.steps;
    return s;
  }
  s.event = ex.events()[i];
  s.step = s.event->step;
  s.thread = s.event->thread;
  s.thread_name = ex.threads().at(s.thread).name;
  return s;
}

EquivSide picked_at(const sim::Execution& ex, const std::vector<sim::ThreadId>& schedule,
                    size_t k) {
  EquivSide s;
  if (k >= schedule.size()) {  // ended: its schedule is a prefix of the other's
    s.step = schedule.size();
    return s;
  }
  s.step = k + 1;  // the pick is decision k + 1; what it runs carries that step
  s.thread = schedule[k];
  s.thread_name = ex.threads().at(s.thread).name;
  return s;
}

// The first place the two (just run) executions differ, if any. Events name
// threads by index, so with differing thread lists no event compares and the
// difference is at the first one. A run whose runnable threads differ picks differently under the same seed,
// which shows in the events; the schedule is compared as well for the pick
// that runs a thread only to block it again, which records nothing.
std::optional<EquivDifference> first_difference(const Simulation& sa, const sim::Outcome& oa,
                                                const Simulation& sb, const sim::Outcome& ob) {
  const sim::Execution& a = sa.execution();
  const sim::Execution& b = sb.execution();
  const auto& ea = a.events();
  const auto& eb = b.events();
  EquivDifference d;
  if (a.threads() != b.threads() || ea != eb) {
    size_t i = 0;
    if (a.threads() == b.threads())
      while (i < ea.size() && i < eb.size() && ea[i] == eb[i]) ++i;
    d.a = side_at(a, oa, i);
    d.b = side_at(b, ob, i);
  } else {
    const std::vector<sim::ThreadId> pa = a.schedule(), pb = b.schedule();
    if (pa == pb) return std::nullopt;
    const size_t k = static_cast<size_t>(
        std::mismatch(pa.begin(), pa.end(), pb.begin(), pb.end()).first - pa.begin());
    d.a = picked_at(a, pa, k);
    d.b = picked_at(b, pb, k);
  }
  d.step = std::min(d.a.step, d.b.step);
  return d;
}

}  // namespace

EquivResult compare_variants(const Scenario& scenario, const Variant& a, const Variant& b,
                             uint64_t seed_begin, uint64_t seed_end) {
  // A strategy per side: both must start every execution from the same seed
  // and see only their own execution's choices.
  auto strategy_a = sim::make_strategy(scenario.exploration.strategy);
  auto strategy_b = sim::make_strategy(scenario.exploration.strategy);
  Simulation sim_a(scenario, a, *strategy_a, true);
  Simulation sim_b(scenario, b, *strategy_b, true);
  EquivResult r;
  for (uint64_t seed = seed_begin;; ++seed) {
    const sim::Outcome out_a = sim_a.run(seed);
    const sim::Outcome out_b = sim_b.run(seed);
    ++r.seeds;
    if (auto d = first_difference(sim_a, out_a, sim_b, out_b)) {
      d->seed = seed;
      r.first_difference = std::move(d);
      break;
    }
    if (seed == seed_end) break;
  }
  return r;
}

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "model/harness/exploration.hpp"
#include "model/harness/scenario.hpp"
#include "model/harness/simulation.hpp"
#include "model/variants/variants.hpp"
#include "sim/runtime/execution.hpp"
#include "sim/strategy/pct_coverage.hpp"
#include "sim/strategy/pct_strategy.hpp"
#include "sim/sync/shared.hpp"
#include "test_util.hpp"

namespace {

using Priority = sim::PctStrategy::Priority;

// The toy: thread t performs kAccesses[t] loads and stores of its own
// Shared<int>, so no thread ever blocks and every thread is runnable until
// it has finished. A thread with m accesses runs m+1 steps (start to its
// first access, between accesses, last access to its end), each preceded by
// one decision: 5 + 6 + 7 = 18 steps in all.
const std::vector<int> kAccesses = {4, 5, 6};
constexpr uint64_t kToySteps = 18;

struct ToyRun {
  sim::Outcome outcome;
  std::vector<sim::ThreadId> schedule;
  std::vector<Priority> initial;
  std::vector<uint64_t> change_points;
};

ToyRun run_toy(sim::PctStrategy& pct, uint64_t seed) {
  std::vector<std::unique_ptr<sim::Shared<int>>> vars;
  for (size_t t = 0; t < kAccesses.size(); ++t) {
    std::string name = "x";
    name += std::to_string(t);
    vars.push_back(std::make_unique<sim::Shared<int>>(name, 0));
  }
  sim::Execution ex(pct, sim::ExecutionOptions{1000, false});
  for (size_t t = 0; t < kAccesses.size(); ++t) {
    std::string name = "t";
    name += std::to_string(t);
    ex.spawn(name, static_cast<int>(t), [&vars, t] {
      for (int i = 0; i < kAccesses[t]; ++i) {
        if (i % 2 == 0)
          vars[t]->store(i);
        else
          vars[t]->load();
      }
    });
  }
  ToyRun r;
  r.outcome = ex.run(seed);
  r.schedule = ex.schedule();
  r.initial = pct.initial_priorities();
  r.change_points = pct.change_points();
  return r;
}

// PCT by the paper's definition, on the toy, written from the definition
// rather than from PctStrategy: run the highest-priority thread that has
// steps left; the thread that executes step k_i drops to priority i.
std::vector<sim::ThreadId> pct_schedule_by_definition(std::vector<Priority> priority,
                                                      const std::vector<uint64_t>& change_points) {
  std::vector<int> steps_left;
  for (const int m : kAccesses) steps_left.push_back(m + 1);
  std::vector<sim::ThreadId> schedule;
  for (uint64_t step = 1;; ++step) {
    int best = -1;
    for (size_t t = 0; t < steps_left.size(); ++t)
      if (steps_left[t] > 0 && (best < 0 || priority[t] > priority[best]))
        best = static_cast<int>(t);
    if (best < 0) return schedule;
    schedule.push_back(static_cast<sim::ThreadId>(best));
    --steps_left[best];
    for (size_t i = 0; i < change_points.size(); ++i)
      if (change_points[i] == step) priority[best] = static_cast<Priority>(i + 1);
  }
}

// How often the schedule switches away from a thread that still had steps.
uint64_t switches_away_from_unfinished(const std::vector<sim::ThreadId>& schedule) {
  std::vector<int> steps_left;
  for (const int m : kAccesses) steps_left.push_back(m + 1);
  uint64_t n = 0;
  for (size_t i = 0; i < schedule.size(); ++i) {
    if (i > 0 && schedule[i] != schedule[i - 1] && steps_left[schedule[i - 1]] > 0) ++n;
    --steps_left[schedule[i]];
  }
  return n;
}

}  // namespace

TEST_CASE("PCT follows its definition on a three-thread toy") {
  sim::PctStrategy pct(3, kToySteps);
  CHECK(pct.name() == "pct:3:18");
  uint64_t preempting_runs = 0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    CAPTURE(seed);
    const ToyRun r = run_toy(pct, seed);
    REQUIRE(!r.outcome.violation);
    REQUIRE(r.outcome.steps == kToySteps);
    REQUIRE(r.change_points.size() == 2);
    CHECK(r.schedule == pct_schedule_by_definition(r.initial, r.change_points));
    // No thread blocks, so every switch away from an unfinished thread is a
    // preemption the engine counts.
    CHECK(r.outcome.preemptions == switches_away_from_unfinished(r.schedule));
    if (r.outcome.preemptions > 0) ++preempting_runs;
  }
  // Change points do preempt (one on a thread's last step does not).
  MESSAGE(preempting_runs, " of 50 executions preempted");
  CHECK(preempting_runs > 0);
}

TEST_CASE("PCT draws distinct change points in 1..k and a permutation of d..d+n-1") {
  constexpr uint32_t d = 3;
  sim::PctStrategy pct(d, kToySteps);
  std::set<uint64_t> hit;
  std::set<std::vector<Priority>> permutations;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    CAPTURE(seed);
    const ToyRun r = run_toy(pct, seed);
    REQUIRE(r.change_points.size() == d - 1);
    CHECK(r.change_points[0] != r.change_points[1]);
    for (const uint64_t k : r.change_points) {
      CHECK(k >= 1);
      CHECK(k <= kToySteps);
      hit.insert(k);
    }
    std::vector<Priority> sorted = r.initial;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::vector<Priority>{d, d + 1, d + 2});
    permutations.insert(r.initial);
  }
  // 300 seeds, two points each: a given step is missed with probability
  // (16/18 * 15/17)^300, about 1e-30.
  CHECK(hit.size() == kToySteps);
  // All 3! = 6 orders occur (each missed with probability (5/6)^300).
  CHECK(permutations.size() == 6);
}

TEST_CASE("PCT at depth 1 runs the threads one after another in priority order") {
  sim::PctStrategy pct(1, kToySteps);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    CAPTURE(seed);
    const ToyRun r = run_toy(pct, seed);
    CHECK(r.change_points.empty());
    CHECK(r.outcome.preemptions == 0);
    std::vector<sim::ThreadId> by_priority = {0, 1, 2};
    std::sort(by_priority.begin(), by_priority.end(),
              [&](sim::ThreadId a, sim::ThreadId b) { return r.initial[a] > r.initial[b]; });
    std::vector<sim::ThreadId> expected;
    for (const sim::ThreadId t : by_priority) expected.insert(expected.end(), kAccesses[t] + 1, t);
    CHECK(r.schedule == expected);
  }
}

TEST_CASE("PCT: the same seed gives the same schedule, other seeds others") {
  sim::PctStrategy a(3, kToySteps), b(3, kToySteps);
  std::set<std::vector<sim::ThreadId>> schedules;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const ToyRun first = run_toy(a, seed);
    run_toy(a, seed + 1000);  // state left by another execution must not matter
    CHECK(run_toy(a, seed).schedule == first.schedule);
    CHECK(run_toy(b, seed).schedule == first.schedule);
    schedules.insert(first.schedule);
  }
  CHECK(schedules.size() > 10);
}

TEST_CASE("PCT: a spinning thread yields to the thread it waits for") {
  // t0 spins until t1 sets the flag. Whenever t0 has the higher priority,
  // PCT without the yield hint would run t0's spin forever.
  for (const uint32_t depth : {1u, 2u, 3u}) {
    sim::PctStrategy pct(depth, 20);
    for (uint64_t seed = 0; seed < 100; ++seed) {
      CAPTURE(depth);
      CAPTURE(seed);
      sim::Shared<int> flag("flag", 0), x("x", 0);
      sim::Execution ex(pct, sim::ExecutionOptions{10000, false});
      ex.spawn("spinner", 0, [&] {
        while (!flag.load()) sim::Execution::current().point({}, true);
      });
      ex.spawn("setter", 1, [&] {
        for (int i = 0; i < 3; ++i) x.store(i);
        flag.store(1);
      });
      const sim::Outcome out = ex.run(seed);
      CHECK(!out.violation);
      CHECK(out.steps < 100);
    }
  }
}

TEST_CASE("make_strategy: spellings and errors") {
  CHECK(sim::make_strategy("random")->name() == "random");
  CHECK(sim::make_strategy("pct:3:412")->name() == "pct:3:412");
  CHECK(sim::make_strategy("pct:1:1")->name() == "pct:1:1");
  CHECK(sim::make_strategy("pct:0x2:0x10")->name() == "pct:2:16");
  for (const std::string spec : {"pct", "pct:0", "pct:x", "pct:3:0", "pct:3:4:5", "bogus", "",
                                 "pct:", "pct:3:", "pct:-1", "pct:3:x", "random:1", "PCT:3"}) {
    CAPTURE(spec);
    try {
      sim::make_strategy(spec);
      FAIL("no exception");
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      CHECK(what.find("'" + spec + "'") != std::string::npos);
      CHECK(what.find("random, pct:D, pct:D:K") != std::string::npos);
    }
  }
  try {
    sim::make_strategy("pct:3");
    FAIL("no exception");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    CHECK(what.find("'pct:3'") != std::string::npos);
    CHECK(what.find("calibrated") != std::string::npos);
  }
  // Depth 3 needs two distinct change points: one step has only one.
  CHECK_THROWS_AS(sim::make_strategy("pct:3:1"), std::invalid_argument);
  CHECK(sim::make_strategy("pct:3:2")->name() == "pct:3:2");
}

TEST_CASE("parse_pct_spec") {
  const auto d = sim::parse_pct_spec("pct:4");
  REQUIRE(d);
  CHECK(d->depth == 4);
  CHECK(!d->steps);
  const auto dk = sim::parse_pct_spec("pct:2:99");
  REQUIRE(dk);
  CHECK(dk->depth == 2);
  CHECK(dk->steps == 99u);
  CHECK(!sim::parse_pct_spec("pct:4294967296"));  // the depth is 32 bits
  CHECK(!sim::parse_pct_spec("random"));
}

TEST_CASE("PCT coverage, computed by hand") {
  // Depth 1: the bug's thread must get the highest priority: 1/n.
  const sim::PctCoverage one = sim::pct_coverage(1, 4, 100, 100, 3);
  CHECK(one.per_execution == doctest::Approx(0.25));
  CHECK(one.over_sweep == doctest::Approx(1 - 0.75 * 0.75 * 0.75));  // 0.578125
  // d=2, n=2, k=10: 1/(2*10) = 1/20; twice: 1 - (19/20)^2 = 0.0975.
  const sim::PctCoverage two = sim::pct_coverage(2, 2, 10, 10, 2);
  CHECK(two.per_execution == doctest::Approx(1.0 / 20));
  CHECK(two.over_sweep == doctest::Approx(0.0975));
  CHECK(sim::pct_coverage(2, 2, 10, 10, 0).over_sweep == 0);
  // Far below the double's epsilon: p = 1/(2*1e9^2) = 5e-19; over 1e6
  // executions 1 - (1-p)^1e6 = 1e6 * p (to 1e-12 relative) = 5e-13, where
  // 1 - pow(1 - p, 1e6) gives 0.
  const sim::PctCoverage tiny = sim::pct_coverage(3, 2, 1000000000, 1000000000, 1000000);
  CHECK(tiny.per_execution == doctest::Approx(5e-19).epsilon(1e-9));
  CHECK(tiny.over_sweep == doctest::Approx(5e-13).epsilon(1e-9));
  // One execution always finds a depth-1 bug of a one-thread program.
  CHECK(sim::pct_coverage(1, 1, 5, 5, 7).over_sweep == 1);

  // n=3, k=412: 1/(3*412^2) = 1/509232 = 1.9637e-06; over 1000 executions
  // 1000p - (1000*999/2)p^2 = 0.0019637.
  const sim::PctCoverage c = sim::pct_coverage(3, 3, 412, 412, 1000);
  CHECK(c.depth == 3);
  CHECK(c.threads == 3);
  CHECK(c.steps == 412);
  CHECK(c.executions == 1000);
  CHECK(sim::describe(c) ==
        "PCT depth 3: n=3 threads, k=412 steps: each execution finds a given depth-3 bug with "
        "probability >= 1/(n*k^2) = 1.96e-06; over 1000 executions >= 0.00196");
  CHECK(sim::describe(sim::pct_coverage(3, 3, 412, 530, 1000)) ==
        "PCT depth 3: n=3 threads, k=412 steps: each execution finds a given depth-3 bug with "
        "probability >= 1/(n*k^2) = 1.96e-06; over 1000 executions >= 0.00196 (for bugs whose 2 "
        "ordering steps fall within the first 412 steps; executions ran up to 530 steps)");
  CHECK(sim::describe(two) ==
        "PCT depth 2: n=2 threads, k=10 steps: each execution finds a given depth-2 bug with "
        "probability >= 1/(n*k) = 0.05; over 2 executions >= 0.0975");
  CHECK(sim::describe(sim::pct_coverage(2, 2, 10, 11, 2)).find(
            "(for bugs whose ordering step falls within the first 10 steps; executions ran up to "
            "11 steps)") != std::string::npos);
  CHECK(sim::describe(one).find(">= 1/n = 0.25; over 3 executions >= 0.578") !=
        std::string::npos);
}

TEST_CASE("make_scenario_strategy calibrates K, and PCT finds the stale MMIO SPTE") {
  const model::Scenario sc = model::load_scenario(testutil::scenario_path());
  const model::Variant& v16 = model::find_variant("v3.16");
  // K by independent runs: the most steps at depth 1 over seeds 0..15.
  sim::PctStrategy priority_ordered(1, 1);
  model::Simulation calibration(sc, v16, priority_ordered, false);
  uint64_t k = 0;
  for (uint64_t seed = 0; seed < 16; ++seed) k = std::max(k, calibration.run(seed).steps);
  REQUIRE(k > calibration.run(0).steps);  // one order alone is shorter here
  const auto pct = model::make_scenario_strategy(sc, v16, "pct:3");
  CHECK(pct->name() == fmt::format("pct:3:{}", k));
  // Deterministic: a second calibration gives the same K.
  CHECK(model::make_scenario_strategy(sc, v16, "pct:3")->name() == pct->name());
  CHECK(model::make_scenario_strategy(sc, v16, "pct:2:7")->name() == "pct:2:7");
  CHECK(model::make_scenario_strategy(sc, v16, "random")->name() == "random");
  CHECK_THROWS_AS(model::make_scenario_strategy(sc, v16, "pct:0"), std::invalid_argument);
  // More change points than steps.
  CHECK_THROWS_AS(model::make_scenario_strategy(sc, v16, fmt::format("pct:{}", k + 2)),
                  std::invalid_argument);

  const auto expect =
      std::find_if(sc.expect.begin(), sc.expect.end(),
                   [](const model::Expectation& e) { return e.variant == "v3.16"; });
  REQUIRE(expect != sc.expect.end());
  REQUIRE(!expect->kinds.empty());
  model::Simulation simulation(sc, v16, *pct, false);
  uint64_t found = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const sim::Outcome out = simulation.run(seed);
    if (out.violation && out.violation->kind == expect->kinds[0]) ++found;
  }
  CHECK(found > 0);
}

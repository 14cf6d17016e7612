// SPDX-License-Identifier: GPL-2.0-only
// Schedule minimization (sim/explore/minimize, model/minimize, kvmsim
// minimize) and kernel-history bisection (model/bisect, kvmsim bisect).
// Expected numbers come from hand derivations in comments (the toys) or
// from an independent path: replaying schedules with sim::ReplayStrategy,
// and sweeping each variant with model::sweep_variant.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "kernel_states.hpp"
#include "model/harness/bisect.hpp"
#include "model/harness/minimize.hpp"
#include "model/harness/scenario.hpp"
#include "model/harness/simulation.hpp"
#include "model/harness/sweep.hpp"
#include "model/variants/variants.hpp"
#include "sim/explore/minimize.hpp"
#include "sim/json_input.hpp"
#include "sim/runtime/execution.hpp"
#include "sim/strategy/replay_strategy.hpp"
#include "sim/sync/shared.hpp"
#include "sim/trace/trace.hpp"
#include "test_util.hpp"

using sim::ThreadId;

namespace {

// ---------------------------------------------------------------------------
// Toys
// ---------------------------------------------------------------------------

constexpr ThreadId kA = 0, kB = 1, kC = 2;

// Thread a loads y three times, stores x = 1 and checks that x is still 1;
// thread b stores z three times, then x = 2; thread c (optional) stores w
// six times, which nothing depends on. The check fails only if b's store
// lands between a's store and its check: one preemption of a, at its check.
//
// Decisions: one to start, one per operation (a point before each), one
// after each thread that finishes while others remain. a has 5 points
// (y, y, y, store, check), b 4 (z, z, z, store), c 6.
sim::Observation run_lost_store(sim::Strategy& strategy, bool with_c) {
  sim::Shared<int> x("x"), y("y"), z("z"), w("w");
  sim::Execution exec(strategy, sim::ExecutionOptions{10000, false});
  exec.spawn("a", 0, [&] {
    for (int i = 0; i < 3; ++i) y.load("a_work");
    x.store(1, "a_store");
    if (x.load("a_check") != 1) sim::fail("lost-store", "x changed under a");
  });
  exec.spawn("b", 1, [&] {
    for (int i = 0; i < 3; ++i) z.store(1, "b_work");
    x.store(2, "b_store");
  });
  if (with_c)
    exec.spawn("c", 2, [&] {
      for (int i = 0; i < 6; ++i) w.store(1, "c_work");
    });
  const sim::Outcome out = exec.run(0);
  return sim::observe(exec, out);
}

// d0 b (start), d1 a (#1: b could go on; a starts), d2 a (y), d3 b (#2: z),
// d4 a (#3: y), d5 a (y), d6 a (store x = 1), d7 b (#4: z), d8 b (z),
// d9 b (x = 2, b finishes), d10 a (the only runnable thread: its check
// fails). 11 steps, 4 preemptions.
const std::vector<ThreadId> kFourPreemptions = {kB, kA, kA, kB, kA, kA, kA, kB, kB, kB, kA};

// d0 b, d1 a (#1), d2 a (y), d3 c (#2: c starts), d4..d8 c (w x5), d9 c (w,
// c finishes), d10 b (not a preemption: c finished; b does z), d11 a (#3:
// y), d12 a (y), d13 a (store), d14 b (#4: z), d15 b (z), d16 b (x = 2,
// b finishes), d17 a (check fails). 18 steps, 4 preemptions.
const std::vector<ThreadId> kWithC = {kB, kA, kA, kC, kC, kC, kC, kC, kC, kC,
                                      kB, kA, kA, kA, kB, kB, kB, kA};

sim::Observation replay(const std::vector<ThreadId>& schedule, bool with_c) {
  sim::ReplayStrategy s(schedule);
  return run_lost_store(s, with_c);
}

TEST_CASE("runs_of: maximal runs of one thread, in order") {
  using R = sim::ScheduleRun;
  CHECK(sim::runs_of(kFourPreemptions) ==
        std::vector<R>{{kB, 1}, {kA, 2}, {kB, 1}, {kA, 3}, {kB, 3}, {kA, 1}});
  CHECK(sim::runs_of(std::vector<ThreadId>{}).empty());
}

TEST_CASE("guided strategy: follows runs, skips runs of threads that cannot run, then goes on "
          "without preemptions") {
  sim::GuidedStrategy s;
  // b for 3 decisions, then a run of c (not spawned: never runnable, so
  // skipped), then a for 1; then the runs are exhausted. Hand-run: d0 b
  // (start), d1 b (z), d2 b (z), d3 a (#1, b at its third z; a starts),
  // then a goes on without preemption: d4..d8 a (y, y, y, store, check =
  // 1), a finishes, d9 b (the only runnable: z), d10 b (store x = 2),
  // finished: clean, 11 decisions, 1 preemption.
  s.follow({{kB, 3}, {kC, 5}, {kA, 1}});
  const sim::Observation o = run_lost_store(s, false);
  CHECK_FALSE(o.outcome.violation);
  CHECK(s.taken() == std::vector<ThreadId>{kB, kB, kB, kA, kA, kA, kA, kA, kA, kB, kB});
  CHECK(o.outcome.steps == 11);
  CHECK(o.outcome.preemptions == 1);
  CHECK(std::count(s.preempting().begin(), s.preempting().end(), true) == 1);
  CHECK(s.preempting()[3]);
}

TEST_CASE("guided strategy: following a recorded schedule's runs reproduces it") {
  const sim::Observation recorded = replay(kFourPreemptions, false);
  sim::GuidedStrategy s;
  s.follow(sim::runs_of(kFourPreemptions));
  const sim::Observation o = run_lost_store(s, false);
  CHECK(s.taken() == kFourPreemptions);
  CHECK(o.outcome.violation == recorded.outcome.violation);
  CHECK(o.outcome.preemptions == 4);
}

TEST_CASE("minimize toy: a 1-preemption bug reached with 4 preemptions comes back with exactly 1") {
  const sim::Observation before = replay(kFourPreemptions, false);
  REQUIRE(before.outcome.violation);
  CHECK(before.outcome.preemptions == 4);  // derived at kFourPreemptions
  CHECK(before.function == "a_check");
  const sim::MinimizeResult r = sim::minimize_schedule(
      kFourPreemptions, [](sim::Strategy& s) { return run_lost_store(s, false); });
  CHECK(r.before == sim::ScheduleCost{4, 11});
  // The bug needs b's store between a's store and check: one preemption
  // (a at its check); every failing schedule runs all 9 operations, so 11.
  CHECK(r.after == sim::ScheduleCost{1, 11});
  REQUIRE(r.final.outcome.violation);
  CHECK(r.final.outcome.violation->kind == "lost-store");
  CHECK(r.final.outcome.violation->thread == kA);
  CHECK(r.final.function == "a_check");
  CHECK_FALSE(r.bounded);
  // The schedule it reports is the one that fails that way.
  const sim::Observation again = replay(r.schedule, false);
  CHECK(again.outcome.violation == r.final.outcome.violation);
  CHECK(again.outcome.preemptions == 1);
}

TEST_CASE("minimize toy: work of a thread the bug does not need is removed") {
  const sim::Observation before = replay(kWithC, true);
  REQUIRE(before.outcome.violation);
  CHECK(before.outcome.steps == 18);
  CHECK(before.outcome.preemptions == 4);
  const sim::MinimizeResult r =
      sim::minimize_schedule(kWithC, [](sim::Strategy& s) { return run_lost_store(s, true); });
  // c never has to run before the check fails: the 11 decisions of the
  // two-thread toy, one preemption. (c, never started, may still take
  // decisions while the execution unwinds; they are not counted.)
  CHECK(r.before == sim::ScheduleCost{4, 18});
  CHECK(r.after == sim::ScheduleCost{1, 11});
  REQUIRE(r.schedule.size() >= 11);
  CHECK(std::count(r.schedule.begin(), r.schedule.begin() + 11, kC) == 0);
  CHECK(r.final.function == "a_check");
}

// Thread a stores x = 1, checks it ("first_check"), loads y, checks again
// ("second_check"); b stores z, then x = 2. The same kind at two places.
sim::Observation run_two_checks(sim::Strategy& strategy) {
  sim::Shared<int> x("x"), y("y"), z("z");
  sim::Execution exec(strategy, sim::ExecutionOptions{10000, false});
  exec.spawn("a", 0, [&] {
    x.store(1, "a_store");
    if (x.load("first_check") != 1) sim::fail("lost-store", "x changed before the first check");
    y.load("a_work");
    if (x.load("second_check") != 1) sim::fail("lost-store", "x changed before the second check");
  });
  exec.spawn("b", 1, [&] {
    z.store(1, "b_work");
    x.store(2, "b_store");
  });
  const sim::Outcome out = exec.run(0);
  return sim::observe(exec, out);
}

TEST_CASE("minimize keeps the place: a cheaper failure of the same kind elsewhere is refused") {
  // d0 a (start), d1 a (store x = 1), d2 b (#1: b starts), d3 a (#2: first
  // check passes), d4 b (#3: z), d5 a (#4: y), d6 b (#5: x = 2, b
  // finishes), d7 a (second check fails). b's store between the store and
  // the first check (one preemption, 2 fewer steps) fails at first_check.
  const std::vector<ThreadId> schedule = {kA, kA, kB, kA, kB, kA, kB, kA};
  sim::ReplayStrategy replayed(schedule);
  const sim::Observation before = run_two_checks(replayed);
  REQUIRE(before.outcome.violation);
  CHECK(before.function == "second_check");
  CHECK(before.outcome.preemptions == 5);
  const sim::MinimizeResult r = sim::minimize_schedule(schedule, run_two_checks);
  CHECK(r.final.function == "second_check");
  // a preempted once, after its first check (at its load of y or at the
  // second check), with b run to its end: all 6 operations, 8 decisions.
  CHECK(r.after == sim::ScheduleCost{1, 8});
}

TEST_CASE("minimize: a schedule that does not fail comes back as it ran, after one execution") {
  // Hand-run in the guided-strategy test above: clean.
  const std::vector<ThreadId> clean = {kB, kB, kB, kA, kA, kA, kA, kA, kA, kB, kB};
  const sim::MinimizeResult r = sim::minimize_schedule(
      clean, [](sim::Strategy& s) { return run_lost_store(s, false); });
  CHECK_FALSE(r.final.outcome.violation);
  CHECK(r.executions == 1);
  CHECK(r.schedule == clean);
}

TEST_CASE("minimize: the execution bound is kept and reported; results are deterministic") {
  const auto execute = [](sim::Strategy& s) { return run_lost_store(s, true); };
  const sim::MinimizeResult bounded = sim::minimize_schedule(kWithC, execute, {3});
  CHECK(bounded.executions == 3);
  CHECK(bounded.bounded);
  CHECK(bounded.after <= bounded.before);
  const sim::MinimizeResult a = sim::minimize_schedule(kWithC, execute);
  const sim::MinimizeResult b = sim::minimize_schedule(kWithC, execute);
  CHECK(a.schedule == b.schedule);
  CHECK(a.executions == b.executions);
}

// ---------------------------------------------------------------------------
// Stored traces
// ---------------------------------------------------------------------------

// Replays a schedule, counting the preemptions among its decisions as
// Execution does (a switch away from a thread that could go on, not at a
// spin), to compare with the minimizer's counts up to the violation.
class CountingReplay final : public sim::Strategy {
 public:
  explicit CountingReplay(std::vector<ThreadId> schedule) : replay_(std::move(schedule)) {}
  void begin_execution(uint64_t seed) override { replay_.begin_execution(seed); }
  ThreadId pick(const sim::Decision& d) override {
    const ThreadId t = replay_.pick(d);
    preempting_.push_back(d.current != sim::kNoThread && !d.yielding && t != d.current);
    return t;
  }
  std::string name() const override { return "counting-replay"; }

  bool diverged() const { return replay_.diverged_at().has_value(); }
  uint64_t preemptions_in_first(uint64_t n) const {
    return static_cast<uint64_t>(std::count(preempting_.begin(), preempting_.begin() + n, true));
  }

 private:
  sim::ReplayStrategy replay_;
  std::vector<bool> preempting_;
};

struct Replayed {
  sim::Observation observation;
  sim::ScheduleCost cost;  // up to the violation
};

// `schedule` at `t`'s scenario and variant, replayed without the minimizer.
Replayed replay_trace_schedule(const sim::Trace& t, const std::vector<ThreadId>& schedule) {
  const model::Scenario scenario = model::parse_scenario(t.scenario, "trace");
  CountingReplay s(schedule);
  model::Simulation simulation(scenario, model::find_variant(t.variant), s, false);
  const sim::Outcome out = simulation.run(t.seed);
  REQUIRE_FALSE(s.diverged());
  REQUIRE(out.violation);
  return {sim::observe(simulation.execution(), out),
          {s.preemptions_in_first(out.violation->step), out.violation->step}};
}

TEST_CASE("minimize every stored trace: same violation, thread and function; (preemptions, "
          "steps) never grows; the result replays") {
  for (const std::string& path : testutil::stored_traces()) {
    CAPTURE(path);
    const sim::Trace failing = sim::read_trace(path);
    REQUIRE(failing.violation);
    const Replayed before = replay_trace_schedule(failing, failing.schedule);
    const model::MinimizedTrace m = model::minimize_trace(failing, path, "test");
    const sim::MinimizeResult& r = m.result;
    CHECK(r.before == before.cost);
    const Replayed after = replay_trace_schedule(failing, m.trace.schedule);
    const auto& v = after.observation.outcome.violation;
    CHECK(v->kind == failing.violation->kind);
    CHECK(v->thread == failing.violation->thread);
    CHECK(after.observation.function == before.observation.function);
    CHECK(r.after == after.cost);
    // Fewest preemptions first: steps may grow only when preemptions fell.
    CHECK(after.cost.preemptions <= before.cost.preemptions);
    if (after.cost.preemptions == before.cost.preemptions)
      CHECK(after.cost.steps <= before.cost.steps);
    CHECK(m.trace.violation == v);
    CHECK(m.trace.strategy == "minimized");
    CHECK(m.trace.seed == failing.seed);
    CHECK_FALSE(r.bounded);
  }
}

// ---------------------------------------------------------------------------
// kvmsim minimize
// ---------------------------------------------------------------------------

TEST_CASE("kvmsim minimize: shrinks, writes a trace that replays, prints the focused table") {
  testutil::TempDir dir;
  const std::string out = dir.file("min.json");
  const auto r = testutil::run_process(
      {testutil::kvmsim_bin(), "minimize", testutil::trace_path(), "-o", out}, dir);
  CAPTURE(r.out);
  CAPTURE(r.err);
  CHECK(r.exit_code == 0);
  // Before: the stored trace's schedule replayed (10 preemptions, 32
  // steps). After: 1, the fewest possible: vcpu0 must be stopped between
  // gfn_to_pfn (no slot) and mark_mmio_spte, with the updater publishing
  // in between, and nothing needs more (the updater then blocks in
  // synchronize_srcu, vcpu0 finishes, vcpu1 runs after the updater
  // exits). All 31 operations before vcpu1's check are needed; the stored
  // schedule had one more decision (vcpu1 picked once before it waits).
  const sim::Trace stored = sim::read_trace(testutil::trace_path());
  const Replayed before = replay_trace_schedule(stored, stored.schedule);
  CHECK(testutil::contains(r.out, "preemptions " + std::to_string(before.cost.preemptions) +
                                      " -> 1, steps 32 -> 31"));
  CHECK(testutil::contains(r.out, "executions tried"));
  CHECK(testutil::contains(r.out, "written to " + out));
  CHECK(testutil::contains(r.out, "check_mmio_spte"));
  CHECK(testutil::contains(r.out, "left out"));  // focused: stretches elided

  const auto replayed =
      testutil::run_process({testutil::kvmsim_bin(), "replay", out}, dir);
  CHECK(replayed.exit_code == 1);
  CHECK(testutil::contains(replayed.out, "replay matches"));
  CHECK(testutil::contains(replayed.out, "strategy minimized"));
}

TEST_CASE("kvmsim minimize: every minimized stored trace replays") {
  testutil::TempDir dir;
  for (const std::string& path : testutil::stored_traces()) {
    CAPTURE(path);
    const std::string out = dir.file("min.json");
    const auto r =
        testutil::run_process({testutil::kvmsim_bin(), "minimize", path, "-o", out}, dir);
    REQUIRE(r.exit_code == 0);
    const auto replayed = testutil::run_process({testutil::kvmsim_bin(), "replay", out}, dir);
    CHECK(replayed.exit_code == 1);
    CHECK(testutil::contains(replayed.out, "replay matches"));
  }
}

TEST_CASE("kvmsim minimize: -o is required; a clean trace is rejected naming the file") {
  testutil::TempDir dir;
  const auto no_output =
      testutil::run_process({testutil::kvmsim_bin(), "minimize", testutil::trace_path()}, dir);
  CHECK(no_output.exit_code == 2);
  CHECK(testutil::contains(no_output.err, "--output"));

  // ee3d1570b586's scenario is clean at v3.17 (its fix): seed 0 records a
  // clean trace.
  const std::string clean = dir.file("clean.json");
  const auto run = testutil::run_process({testutil::kvmsim_bin(), "run", testutil::scenario_path(),
                                          "--variant", "v3.17", "--seed", "0", "--trace", clean},
                                         dir);
  REQUIRE(run.exit_code == 0);
  const std::string out = dir.file("min.json");
  const auto r =
      testutil::run_process({testutil::kvmsim_bin(), "minimize", clean, "-o", out}, dir);
  CHECK(r.exit_code == 2);
  CHECK(testutil::contains(r.err, clean + ": nothing to minimize: the trace has no violation"));
  CHECK_FALSE(testutil::fs::exists(out));
}

// ---------------------------------------------------------------------------
// Bisect
// ---------------------------------------------------------------------------

TEST_CASE("transitions: every appearance and disappearance; states that cannot run are passed "
          "over") {
  const auto& v = model::all_variants();
  REQUIRE(v.size() >= 6);
  const auto step = [&](size_t i, std::vector<std::string> kinds, bool modeled = true) {
    model::BisectStep s;
    s.variant = &v[i];
    if (!modeled) s.not_modeled = "no";
    for (const auto& k : kinds) s.result.violations[k] = 1;
    return s;
  };
  // k: at 0, (1 not modeled), gone at 2, back at 3 and 4, gone at 5.
  // j: only at 4.
  const std::vector<model::BisectStep> steps = {step(0, {"k"}), step(1, {}, false),
                                                step(2, {}),    step(3, {"k"}),
                                                step(4, {"j", "k"}), step(5, {})};
  const auto t = model::transitions(steps);
  REQUIRE(t.size() == 6);
  // Sorted by kind: j first.
  CHECK((t[0].kind == "j" && t[0].appears && t[0].at == &v[4] && t[0].before == &v[3]));
  CHECK((t[1].kind == "j" && !t[1].appears && t[1].at == &v[5] && t[1].before == &v[4]));
  CHECK((t[2].kind == "k" && t[2].appears && t[2].at == &v[0] && t[2].before == nullptr));
  CHECK((t[3].kind == "k" && !t[3].appears && t[3].at == &v[2] && t[3].before == &v[0]));
  CHECK((t[4].kind == "k" && t[4].appears && t[4].at == &v[3] && t[4].before == &v[2]));
  CHECK((t[5].kind == "k" && !t[5].appears && t[5].at == &v[5] && t[5].before == &v[4]));
}

// What `kvmsim bisect --json` must say, computed here: a sweep per variant
// that can run the scenario, and the changes of each kind between
// neighbouring modeled variants.
nlohmann::json expected_bisect(const std::string& path, uint64_t begin, uint64_t end) {
  const model::Scenario scenario = model::load_scenario(path);
  std::vector<std::pair<std::string, std::set<std::string>>> modeled;
  nlohmann::json variants = nlohmann::json::array();
  for (const model::Variant& v : model::all_variants()) {
    if (!model::cannot_run_at(scenario, v).empty()) {
      variants.push_back({{"variant", v.name}, {"modeled", false}});
      continue;
    }
    model::Expectation clean;
    clean.variant = v.name;
    const model::SweepResult r = model::sweep_variant(scenario, clean, begin, end);
    std::set<std::string> kinds;
    for (const auto& [kind, n] : r.violations) kinds.insert(kind);
    modeled.emplace_back(v.name, kinds);
    variants.push_back({{"variant", v.name}, {"modeled", true}, {"violations", r.violations}});
  }
  std::set<std::string> all;
  for (const auto& [name, kinds] : modeled) all.insert(kinds.begin(), kinds.end());
  nlohmann::json transitions = nlohmann::json::array();
  for (const std::string& kind : all)
    for (size_t i = 0; i < modeled.size(); ++i) {
      const bool now = modeled[i].second.count(kind) != 0;
      const bool was = i > 0 && modeled[i - 1].second.count(kind) != 0;
      if (now != was)
        transitions.push_back({{"kind", kind},
                               {"change", now ? "appears" : "disappears"},
                               {"variant", modeled[i].first}});
    }
  return {{"variants", variants}, {"transitions", transitions}};
}

// "A..B", built in steps (g++ 12's -Wrestrict false positive).
std::string fmt_range(uint64_t begin, uint64_t end) {
  std::string s = std::to_string(begin);
  s += "..";
  s += std::to_string(end);
  return s;
}

void check_bisect_json(const std::string& rel, uint64_t begin, uint64_t end) {
  CAPTURE(rel);
  testutil::TempDir dir;
  const std::string path = testutil::source_root() + "/" + rel;
  const auto r = testutil::run_process(
      {testutil::kvmsim_bin(), "bisect", path, "--seeds", fmt_range(begin, end), "--json"}, dir);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json got = nlohmann::json::parse(r.out);
  const nlohmann::json want = expected_bisect(path, begin, end);
  REQUIRE(got.at("variants").size() == want.at("variants").size());
  for (size_t i = 0; i < want.at("variants").size(); ++i) {
    const auto& g = got.at("variants")[i];
    const auto& w = want.at("variants")[i];
    CHECK(g.at("variant") == w.at("variant"));
    CHECK(g.at("modeled") == w.at("modeled"));
    if (w.at("modeled")) CHECK(g.at("violations") == w.at("violations"));
  }
  REQUIRE(got.at("transitions").size() == want.at("transitions").size());
  for (size_t i = 0; i < want.at("transitions").size(); ++i)
    for (const char* key : {"kind", "change", "variant"})
      CHECK(got.at("transitions")[i].at(key) == want.at("transitions")[i].at(key));

  // The scenario file's own expectations (checked by the regression sweep
  // over the scenario's seeds) hold in what bisect found.
  const model::Scenario scenario = model::load_scenario(path);
  if (begin == scenario.exploration.seed_begin && end == scenario.exploration.seed_end)
    for (const model::Expectation& e : scenario.expect) {
      CAPTURE(e.variant);
      std::set<std::string> found;
      for (const auto& row : got.at("variants"))
        if (row.at("variant") == e.variant)
          for (const auto& [kind, n] : row.at("violations").items()) found.insert(kind);
      CHECK(found == std::set<std::string>(e.kinds.begin(), e.kinds.end()));
    }
}

}  // namespace

TEST_CASE("kvmsim bisect --json: the kinds of every variant and their transitions, as sweeps "
          "per variant give them") {
  // Their scenarios' own seed ranges (0..999 and 0..99), so that the
  // scenario files' expectations apply.
  check_bisect_json("scenarios/ee3d1570b586-mmio-cache-generation.json", 0, 999);
  check_bisect_json("scenarios/e1359e2beb8b-stale-mmio-spte-after-wrap.json", 0, 99);
}

TEST_CASE("kvmsim bisect: ee3d1570b586's stale-mmio is there at v3.16 and gone at v3.17, its fix") {
  testutil::TempDir dir;
  const auto r =
      testutil::run_process({testutil::kvmsim_bin(), "bisect", testutil::scenario_path()}, dir);
  CAPTURE(r.out);
  CHECK(r.exit_code == 0);
  // The file expects stale-mmio at v3.16 and clean at v3.17 .. v5.1.
  CHECK(testutil::contains(r.out, "stale-mmio\n  present from v3.16"));
  CHECK(testutil::contains(r.out, "  disappears at v3.17 (after v3.16)\n"));
  CHECK(testutil::contains(r.out, "ee3d1570b586  kvm: fix potentially corrupt mmio cache"));
  // The pfncache states, one stretch to the last state: said once.
  size_t n = 0;
  for (size_t at = 0; (at = r.out.find("(not modeled)", at)) != std::string::npos; ++at) ++n;
  CHECK(n == 1);
  CHECK(testutil::contains(r.out, fmt::format("pfncache-982ed0de4753 .. {} (not modeled)",
                                              testutil::kernel_state_names().back())));
}

TEST_CASE("kvmsim bisect: a kind that appears after the first state; bad options") {
  testutil::TempDir dir;
  const std::string path =
      testutil::source_root() + "/scenarios/e1359e2beb8b-stale-mmio-spte-after-wrap.json";
  const auto r = testutil::run_process({testutil::kvmsim_bin(), "bisect", path}, dir);
  CHECK(r.exit_code == 0);
  // The file expects clean at v3.16 and v3.17, stale-mmio at v4.19 and
  // v5.0+152482580a1b, clean from v5.0+e1359e2beb8b (its fix) on.
  CHECK(testutil::contains(r.out, "stale-mmio\n  appears at v4.19 (after v3.17)\n"));
  CHECK(testutil::contains(r.out, "disappears at v5.0+e1359e2beb8b (after v5.0+152482580a1b)\n"));
  CHECK(testutil::contains(
      r.out, "e1359e2beb8b  KVM: x86/mmu: Detect MMIO generation wrap in any address space"));

  const auto bad_seeds =
      testutil::run_process({testutil::kvmsim_bin(), "bisect", path, "--seeds", "9..x"}, dir);
  CHECK(bad_seeds.exit_code == 2);
  CHECK(testutil::contains(bad_seeds.err, "--seeds"));
  const auto bad_param =
      testutil::run_process({testutil::kvmsim_bin(), "bisect", path, "--param", "x=1,2"}, dir);
  CHECK(bad_param.exit_code == 2);
  CHECK(testutil::contains(bad_param.err, "--param"));
}

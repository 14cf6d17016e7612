// SPDX-License-Identifier: GPL-2.0-only
// The ee3d1570b586 scenario through the library: determinism of recorded
// executions (in one process and across processes), the sweep verdicts at
// v3.16 and v3.17, model::meets, and scenario validation.
//
// The binary re-executes itself to get a second process's hashes: run with
// --print-hashes it prints "<seed> <v3.16 hash> <v3.17 hash>" per seed and
// exits without running the tests.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/harness/scenario.hpp"
#include "model/harness/scenario_check.hpp"
#include "model/harness/scenario_kinds.hpp"
#include "model/harness/simulation.hpp"
#include "model/harness/sweep.hpp"
#include "model/variants/variants.hpp"
#include "sim/json_input.hpp"
#include "sim/strategy/random_strategy.hpp"
#include "sim/strategy/replay_strategy.hpp"
#include "test_util.hpp"

namespace {

constexpr uint64_t kSeeds = 1000;
const char* const kTool = "kvmsim-test";
const char* const kPrintHashes = "--print-hashes";

const model::Scenario& scenario() {
  static const model::Scenario sc = model::load_scenario(testutil::scenario_path());
  return sc;
}

const model::Expectation& expectation(const std::string& variant) {
  for (const auto& e : scenario().expect)
    if (e.variant == variant) return e;
  throw std::runtime_error("the scenario expects nothing of " + variant);
}

// One recorded execution's hash.
std::string hash_of(model::Simulation& sim, uint64_t seed) {
  sim.run(seed);
  return sim.trace(seed, kTool).hash();
}

struct Hashes {
  std::vector<std::string> v316, v317;
};

Hashes compute_hashes() {
  sim::RandomStrategy s16, s17;
  model::Simulation a(scenario(), model::find_variant("v3.16"), s16, true);
  model::Simulation b(scenario(), model::find_variant("v3.17"), s17, true);
  Hashes h;
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    h.v316.push_back(hash_of(a, seed));
    h.v317.push_back(hash_of(b, seed));
  }
  return h;
}

int print_hashes() {
  const Hashes h = compute_hashes();
  for (uint64_t seed = 0; seed < kSeeds; ++seed)
    std::printf("%llu %s %s\n", static_cast<unsigned long long>(seed), h.v316[seed].c_str(),
                h.v317[seed].c_str());
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], kPrintHashes) == 0) return print_hashes();
  doctest::Context context(argc, argv);
  return context.run();
}

// ---------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------

namespace {

// This process's hashes, from the first test that needs them (hashing a
// trace costs far more than the execution, so they are computed once).
std::optional<Hashes> g_hashes;

const Hashes& my_hashes() {
  if (!g_hashes) g_hashes = compute_hashes();
  return *g_hashes;
}

}  // namespace

TEST_CASE("determinism: the same seed gives the same trace hash, interleaved, in one process") {
  sim::RandomStrategy s16, s17;
  model::Simulation a(scenario(), model::find_variant("v3.16"), s16, true);
  model::Simulation b(scenario(), model::find_variant("v3.17"), s17, true);
  Hashes first;
  int differing = 0;
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    CAPTURE(seed);
    const std::string h16 = hash_of(a, seed);
    const std::string h17 = hash_of(b, seed);
    CHECK(hash_of(a, seed) == h16);
    CHECK(hash_of(b, seed) == h17);
    if (h16 != h17) ++differing;
    first.v316.push_back(h16);
    first.v317.push_back(h17);
  }
  // Fresh simulations, seeds in reverse order, variants in the other order:
  // nothing carried over from earlier executions may change a hash.
  sim::RandomStrategy t16, t17;
  model::Simulation c(scenario(), model::find_variant("v3.17"), t17, true);
  model::Simulation d(scenario(), model::find_variant("v3.16"), t16, true);
  for (uint64_t seed = kSeeds; seed-- > 0;) {
    if (seed % 4 != 1) continue;
    CAPTURE(seed);
    CHECK(hash_of(c, seed) == first.v317[seed]);
    CHECK(hash_of(d, seed) == first.v316[seed]);
  }
  // The hashes are not trivially equal: schedules and variants differ.
  std::vector<std::string> sorted = first.v316;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::unique(sorted.begin(), sorted.end()) - sorted.begin() > 100);
  CHECK(differing > 0);
  if (!g_hashes) g_hashes = std::move(first);
}

TEST_CASE("determinism: a second process computes the same hashes") {
  const Hashes& mine = my_hashes();
  testutil::TempDir dir;
  const testutil::ProcessResult child =
      testutil::run_process({"/proc/self/exe", kPrintHashes}, dir);
  REQUIRE(child.exit_code == 0);
  std::istringstream in(child.out);
  uint64_t count = 0;
  unsigned long long seed = 0;
  std::string h16, h17;
  while (in >> seed >> h16 >> h17) {
    CAPTURE(seed);
    REQUIRE(seed == count);
    REQUIRE(seed < kSeeds);
    CHECK(h16.size() == 64);
    CHECK(h16 == mine.v316[seed]);
    CHECK(h17 == mine.v317[seed]);
    ++count;
  }
  CHECK(count == kSeeds);
}

TEST_CASE("determinism: replaying a recorded schedule reproduces the trace") {
  for (const char* name : {"v3.16", "v3.17"}) {
    sim::RandomStrategy random;
    model::Simulation sim(scenario(), model::find_variant(name), random, true);
    for (uint64_t seed = 0; seed < 100; ++seed) {
      CAPTURE(name);
      CAPTURE(seed);
      const sim::Outcome out = sim.run(seed);
      const sim::Trace recorded = sim.trace(seed, kTool);
      CHECK(recorded.schedule.size() == out.steps);
      sim::ReplayStrategy replay(recorded.schedule);
      model::Simulation again(scenario(), model::find_variant(name), replay, true);
      again.run(seed + 12345);  // the seed means nothing to a replay
      const sim::Trace replayed = again.trace(seed, kTool);
      CHECK_FALSE(replay.diverged_at());
      CHECK(replayed.events == recorded.events);
      CHECK(replayed.violation == recorded.violation);
      CHECK(replayed.hash() == recorded.hash());
    }
  }
}

TEST_CASE("recording does not change the execution") {
  sim::RandomStrategy s1, s2;
  model::Simulation recorded(scenario(), model::find_variant("v3.16"), s1, true);
  model::Simulation plain(scenario(), model::find_variant("v3.16"), s2, false);
  for (uint64_t seed = 0; seed < 300; ++seed) {
    CAPTURE(seed);
    const sim::Outcome a = recorded.run(seed);
    const sim::Outcome b = plain.run(seed);
    CHECK(a.steps == b.steps);
    CHECK(a.violation == b.violation);
    CHECK(recorded.execution().schedule() == plain.execution().schedule());
    CHECK(plain.execution().events().empty());
  }
}

// ---------------------------------------------------------------------------
// Scenario expectations
// ---------------------------------------------------------------------------

TEST_CASE("scenario: what the file says") {
  const model::Scenario& sc = scenario();
  CHECK(sc.name == "ee3d1570b586-mmio-cache-generation");
  CHECK(sc.exploration.seed_begin == 0);
  CHECK(sc.exploration.seed_end == 999);
  CHECK(sc.exploration.strategy == "random");
  // A scenario may default to PCT, with or without K.
  for (const char* spec : {"pct:2", "pct:3:40"}) {
    nlohmann::json j = sc.json;
    j["exploration"]["strategy"] = spec;
    CHECK(model::parse_scenario(j, "pct.json").exploration.strategy == spec);
  }
  CHECK(expectation("v3.16").verdict() == "stale-mmio");
  CHECK(expectation("v3.17").verdict() == "clean");
  CHECK(sc.oracles.stale_mmio);
  REQUIRE(sc.threads.size() == 3);
  CHECK(sc.threads[0].name == "vcpu0");
  CHECK(sc.threads[1].kind == model::ThreadSpec::Kind::updater);
  CHECK(sc.threads[2].program.at(0).kind == model::Op::Kind::wait_for);
  CHECK(sc.threads[2].program.at(0).thread == 1);
  CHECK(sc.threads[2].program.at(1).gfn == 16);
}

TEST_CASE("sweep: v3.16 finds stale-mmio, v3.17 is clean, over the default seeds") {
  const model::Scenario& sc = scenario();
  const uint64_t begin = sc.exploration.seed_begin, end = sc.exploration.seed_end;

  const model::SweepResult r16 = model::sweep_variant(sc, expectation("v3.16"), begin, end);
  CHECK(r16.variant == "v3.16");
  CHECK(r16.executions == end - begin + 1);
  CHECK(r16.expected == "stale-mmio");
  CHECK(r16.ok);
  REQUIRE(r16.first_failing_seed);
  REQUIRE(r16.violations.count("stale-mmio") == 1);
  CHECK(r16.violations.size() == 1);
  CHECK(r16.violations.at("stale-mmio") > 0);
  CHECK(r16.violations.at("stale-mmio") < r16.executions);  // the race needs a bad schedule

  const model::SweepResult r17 = model::sweep_variant(sc, expectation("v3.17"), begin, end);
  CHECK(r17.variant == "v3.17");
  CHECK(r17.executions == end - begin + 1);
  CHECK(r17.expected == "clean");
  CHECK(r17.ok);
  CHECK(r17.violations.empty());
  CHECK_FALSE(r17.first_failing_seed);

  // Cross-check the v3.16 sweep seed by seed with recorded simulations.
  sim::RandomStrategy strategy;
  model::Simulation sim(sc, model::find_variant("v3.16"), strategy, true);
  uint64_t violations = 0;
  std::optional<uint64_t> first;
  for (uint64_t seed = begin; seed <= end; ++seed) {
    const sim::Outcome out = sim.run(seed);
    if (!out.violation) continue;
    CHECK(out.violation->kind == "stale-mmio");
    ++violations;
    if (!first) {
      first = seed;
      // The violation is a vCPU's KVM_EXIT_MMIO, the last recorded event.
      const auto& ev = sim.execution().events();
      REQUIRE(!ev.empty());
      CHECK(ev.back().op == "violation");
      const std::string who = sim.execution().threads().at(out.violation->thread).name;
      CHECK((who == "vcpu0" || who == "vcpu1"));
    }
  }
  CHECK(violations == r16.violations.at("stale-mmio"));
  CHECK(first == r16.first_failing_seed);
}

TEST_CASE("sweep: a sub-range and an unexpected verdict") {
  const model::Scenario& sc = scenario();
  // A clean expectation at v3.16 is not met by the same executions.
  model::Expectation wrong = expectation("v3.16");
  wrong.kinds.clear();
  const model::SweepResult r = model::sweep_variant(sc, wrong, 0, 999);
  CHECK_FALSE(r.ok);
  CHECK(r.expected == "clean");
  // And v3.17 does not meet an expected stale-mmio over the scenario's own
  // seeds, where it is promised; over fewer it is only not seen.
  model::Expectation wrong17 = expectation("v3.17");
  wrong17.kinds = {"stale-mmio"};
  CHECK_FALSE(model::sweep_variant(sc, wrong17, 0, 999).ok);
  const model::SweepResult part = model::sweep_variant(sc, wrong17, 0, 99);
  CHECK(part.ok);
  CHECK(part.not_seen == std::vector<std::string>{"stale-mmio"});
  // More seeds than the promise count too.
  const model::SweepResult more = model::sweep_variant(sc, wrong17, 0, 1099);
  CHECK_FALSE(more.ok);
  CHECK(more.not_seen.empty());
  // A one-seed range runs exactly one execution.
  const model::SweepResult one = model::sweep_variant(sc, expectation("v3.17"), 7, 7);
  CHECK(one.executions == 1);
}

TEST_CASE("meets: truth table") {
  auto expect = [](std::vector<std::string> kinds) {
    model::Expectation e;
    e.variant = "v3.16";
    e.kinds = std::move(kinds);
    return e;
  };
  using V = std::map<std::string, uint64_t>;
  // A sweep of seeds 0..999 under random, where the scenario promises its
  // kinds over `promised` under `strategy`.
  struct Meets {
    bool operator()(V violations, const model::Expectation& e,
                    std::pair<uint64_t, uint64_t> promised = {0, 999},
                    const std::string& strategy = "random") const {
      model::SweepResult r;
      r.violations = std::move(violations);
      r.seeds = {{0, 999}};
      r.strategy = "random";
      std::tie(r.promised_begin, r.promised_end) = promised;
      r.promised_strategy = strategy;
      return model::meets(r, e);
    }
  } meets;
  const model::Expectation clean = expect({});
  const model::Expectation stale = expect({"stale-mmio"});
  const model::Expectation both = expect({"deadlock", "stale-mmio"});

  CHECK(meets(V{}, clean));
  CHECK_FALSE(meets(V{{"stale-mmio", 1}}, clean));
  CHECK_FALSE(meets(V{{"deadlock", 5}}, clean));

  CHECK_FALSE(meets(V{}, stale));
  CHECK(meets(V{{"stale-mmio", 1}}, stale));
  CHECK(meets(V{{"stale-mmio", 1000}}, stale));
  CHECK_FALSE(meets(V{{"deadlock", 1}}, stale));
  CHECK_FALSE(meets(V{{"stale-mmio", 3}, {"deadlock", 1}}, stale));
  CHECK_FALSE(meets(V{{"stale-mmio", 3}, {"step-bound", 1}}, stale));

  CHECK_FALSE(meets(V{}, both));
  CHECK_FALSE(meets(V{{"stale-mmio", 1}}, both));
  CHECK_FALSE(meets(V{{"deadlock", 1}}, both));
  CHECK(meets(V{{"deadlock", 1}, {"stale-mmio", 2}}, both));
  CHECK_FALSE(meets(V{{"deadlock", 1}, {"stale-mmio", 2}, {"warn:x", 1}}, both));

  CHECK(clean.verdict() == "clean");
  CHECK(stale.verdict() == "stale-mmio");
  CHECK(both.verdict() == "deadlock+stale-mmio");

  // May-kinds are allowed, never required.
  model::Expectation may = stale;
  may.may = {"deadlock"};
  CHECK(meets(V{{"stale-mmio", 1}}, may));
  CHECK(meets(V{{"stale-mmio", 1}, {"deadlock", 2}}, may));
  CHECK_FALSE(meets(V{{"deadlock", 2}}, may));
  CHECK_FALSE(meets(V{{"stale-mmio", 1}, {"step-bound", 1}}, may));
  CHECK(may.verdict() == "stale-mmio");
  model::Expectation clean_may = clean;
  clean_may.may = {"deadlock"};
  CHECK(meets(V{}, clean_may));
  CHECK(meets(V{{"deadlock", 1}}, clean_may));
  CHECK_FALSE(meets(V{{"stale-mmio", 1}}, clean_may));

  // Must-kinds are required only where the scenario promises them: its
  // seeds (a sweep of more counts) under its strategy.
  CHECK(meets(V{}, stale, {0, 1999}));
  CHECK(meets(V{}, stale, {500, 1999}));
  CHECK_FALSE(meets(V{}, stale, {0, 99}));
  CHECK_FALSE(meets(V{}, stale, {100, 999}));
  CHECK(meets(V{}, stale, {0, 999}, "pct:3:57"));
  CHECK(meets(V{{"deadlock", 1}}, both, {0, 1999}));
  // Unexpected kinds fail anywhere.
  CHECK_FALSE(meets(V{{"deadlock", 1}}, stale, {0, 1999}));
  CHECK_FALSE(meets(V{{"deadlock", 1}}, clean, {0, 1999}, "pct:3:57"));
}

TEST_CASE("judge: the must-kinds a sweep did not see where they are not promised") {
  model::Expectation e;
  e.variant = "v3.16";
  e.kinds = {"deadlock", "stale-mmio"};
  model::SweepResult r;
  r.violations = {{"stale-mmio", 3}};
  r.seeds = {{0, 99}};
  r.strategy = r.promised_strategy = "random";
  r.promised_begin = 0;
  r.promised_end = 999;
  model::judge(r, e);
  CHECK(r.ok);
  CHECK(r.not_seen == std::vector<std::string>{"deadlock"});
  r.seeds = {{0, 999}};
  model::judge(r, e);
  CHECK_FALSE(r.ok);
  CHECK(r.not_seen.empty());  // promised: missing is a failure, not "not seen"
  r.strategy = "pct:2:40";
  model::judge(r, e);
  CHECK(r.ok);
  CHECK(r.not_seen == std::vector<std::string>{"deadlock"});
}

TEST_CASE("merge: the halves of the promised seeds are judged as their union") {
  const model::Scenario& sc = scenario();
  model::Expectation e = expectation("v3.17");  // clean at v3.17
  e.kinds = {"stale-mmio"};
  model::SweepResult first = model::sweep_variant(sc, e, 0, 499);
  const model::SweepResult second = model::sweep_variant(sc, e, 500, 999);
  CHECK(first.ok);
  CHECK(second.ok);
  CHECK(first.promised_strategy == "random");
  CHECK(first.promised_end == 999);
  model::merge(first, second, e);
  CHECK_FALSE(first.ok);
  CHECK(first.not_seen.empty());
  // Under another strategy the same seeds promise nothing.
  model::SweepOptions pct;
  pct.strategy = "pct:2";
  const model::SweepResult other = model::sweep_seeds(sc, e, {{0, 999}}, pct);
  CHECK(other.strategy.starts_with("pct:2:"));
  CHECK(other.ok);
  CHECK(other.not_seen == std::vector<std::string>{"stale-mmio"});
}

TEST_CASE("may: the loader reads it, and the sweep allows the kind at that state only") {
  nlohmann::json j = nlohmann::json::parse(testutil::read_file(testutil::scenario_path()));
  // v3.17 is clean; let it also tolerate a deadlock, but not v3.16.
  j["expect"][1]["may"] = {"step-bound", "deadlock"};
  const model::Scenario sc = model::parse_scenario(j, "edited.json");
  CHECK(sc.expect[1].may == std::vector<std::string>{"deadlock", "step-bound"});
  CHECK(sc.expect[1].allows("deadlock"));
  CHECK_FALSE(sc.expect[1].expects("deadlock"));
  CHECK_FALSE(sc.expect[0].allows("deadlock"));
  CHECK(sc.expect[0].allows("stale-mmio"));
  const model::SweepResult r = model::sweep_variant(sc, sc.expect[1], 0, 9);
  CHECK(r.may == std::vector<std::string>{"deadlock", "step-bound"});
  CHECK(r.expected == "clean");
}

TEST_CASE("per-expectation vm.generations: one kernel state starts elsewhere") {
  // The wrap scenario: v3.17 starts at -150 and steps by 2, so the MMIO
  // generation is 0, and the wrap zapped, at install 75; from -10 it is at
  // install 5. v3.16 keeps the scenario's start.
  nlohmann::json j = nlohmann::json::parse(testutil::read_file(
      testutil::source_root() + "/scenarios/0e32958ec449-mmio-generation-wrap.json"));
  REQUIRE(j["expect"][1]["variant"] == "v3.17");
  j["expect"][1]["vm"] = {{"generations", {"-10"}}};
  j["expect"][1]["metrics"]["wrap_zap_at_install"] = 5;
  const model::Scenario sc = model::parse_scenario(j, "edited.json");
  REQUIRE(sc.expect[1].generations);
  CHECK(*sc.expect[1].generations == model::Generations{uint64_t(-10)});
  CHECK(model::generations_at(sc, "v3.17") == model::Generations{uint64_t(-10)});
  CHECK(model::generations_at(sc, "v3.16").empty());
  const model::SweepResult r17 = model::sweep_variant(sc, sc.expect[1], 0, 1);
  CHECK(r17.metrics.at("wrap_zap_at_install").min == 5);
  CHECK(r17.ok);
  const model::SweepResult r16 = model::sweep_variant(sc, sc.expect[0], 0, 1);
  CHECK(r16.metrics.at("wrap_zap_at_install").min == 150);
  CHECK(r16.ok);
}

TEST_CASE("meets: metric bounds hold in every execution") {
  model::Expectation e;
  e.variant = "v4.19";
  e.metrics = {{"mmio_wrap_zaps", 1, 1}, {"mmio_spte_misses", 0, 2}};
  model::SweepResult r;
  r.metrics = {{"mmio_wrap_zaps", {1, 1}}, {"mmio_spte_misses", {0, 2}}};
  CHECK(model::meets(r, e));
  r.metrics["mmio_spte_misses"].max = 3;  // one execution above the bound
  CHECK_FALSE(model::meets(r, e));
  r.metrics["mmio_spte_misses"].max = 2;
  r.metrics["mmio_wrap_zaps"].min = 0;  // one execution never zapped
  CHECK_FALSE(model::meets(r, e));
  r.metrics.erase("mmio_wrap_zaps");  // never seen: 0 everywhere
  CHECK_FALSE(model::meets(r, e));
  e.metrics = {{"mmio_wrap_zaps", 0, 0}};
  CHECK(model::meets(r, e));
}

TEST_CASE("scenario parameters: \"$name\" takes the default or the override, and the applied file replays") {
  nlohmann::json j = nlohmann::json::parse(
      testutil::read_file(testutil::source_root() + "/scenarios/0e32958ec449-mmio-generation-wrap.json"));
  j["params"] = {{"updates", 40}, {"unused", "0x10"}};
  j["threads"][0]["program"][0]["count"] = "$updates";
  REQUIRE(j["threads"][0]["program"][0]["op"] == "memslot_updates");
  const auto count = [](const model::Scenario& sc) { return sc.threads[0].program[0].count; };

  const model::Scenario by_default = model::parse_scenario(nlohmann::json::parse(j.dump()), "p.json");
  CHECK(count(by_default) == 40);
  CHECK(by_default.params == model::ParamValues{{"unused", 16}, {"updates", 40}});
  CHECK(by_default.json["threads"][0]["program"][0]["count"] == 40);
  CHECK(by_default.json["params"]["updates"] == 40);

  const model::Scenario overridden =
      model::parse_scenario(nlohmann::json::parse(j.dump()), "p.json", {{"updates", 80}});
  CHECK(count(overridden) == 80);
  // The applied document stands alone: parsed again, without overrides, it is the same run.
  const model::Scenario again = model::parse_scenario(overridden.json, "trace.json");
  CHECK(count(again) == 80);
  CHECK(again.json == overridden.json);

  const auto error = [&](nlohmann::json doc, const model::ParamValues& overrides) -> std::string {
    try {
      model::parse_scenario(nlohmann::json::parse(doc.dump()), "p.json", overrides);
    } catch (const sim::InputError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(testutil::contains(error(j, {{"pages", 1}}),
                           "p.json: --param pages: the scenario declares no parameter 'pages' "
                           "(declared: unused, updates)"));
  nlohmann::json unknown = j;
  unknown["threads"][0]["program"][0]["count"] = "$update";
  CHECK(testutil::contains(error(unknown, {}),
                           "p.json: /threads/0/program/0/count: unknown parameter '$update'"));
  nlohmann::json bad_name = j;
  bad_name["params"]["Pages"] = 1;
  CHECK(testutil::contains(error(bad_name, {}), "p.json: /params/Pages: a parameter name"));
  nlohmann::json bad_value = j;
  bad_value["params"]["updates"] = -1;
  CHECK(testutil::contains(error(bad_value, {}), "p.json: /params/updates: expected an unsigned"));
  // Free text is not a parameter reference.
  nlohmann::json text = j;
  text["title"] = "$ is cheap";
  CHECK(error(text, {}) == "");
}

TEST_CASE("metric relations: parsed, printed, and held in every execution") {
  const model::MetricRelation le = model::parse_metric_relation("mmio_spte_hits <= memslot_installs");
  CHECK(le.left == "mmio_spte_hits");
  CHECK(le.right == "memslot_installs");
  CHECK(le.text() == "mmio_spte_hits<=memslot_installs");
  CHECK(le.holds(2, 2));
  CHECK_FALSE(le.holds(3, 2));
  CHECK(model::parse_metric_relation("a<b").holds(1, 2));
  CHECK_FALSE(model::parse_metric_relation("a<b").holds(2, 2));
  CHECK(model::parse_metric_relation("a != b").holds(1, 2));
  CHECK(model::parse_metric_relation("a>=b").holds(2, 2));
  CHECK(model::parse_metric_relation("a > b").holds(3, 2));
  CHECK(model::parse_metric_relation("a==b").holds(0, 0));
  for (const char* bad : {"a = b", "a <= ", "<= b", "a <= b c", "A <= b", "a =< b", ""})
    CHECK_THROWS_AS(model::parse_metric_relation(bad), std::invalid_argument);

  // The wrap scenario at v3.17: 160 installs, one wrap zap in every execution.
  const model::Scenario sc = model::load_scenario(testutil::source_root() +
                                                  "/scenarios/0e32958ec449-mmio-generation-wrap.json");
  model::Expectation e;
  e.variant = "v3.17";
  e.relations = {model::parse_metric_relation("mmio_wrap_zaps < memslot_installs"),
                 model::parse_metric_relation("mmio_wrap_zaps == memslot_installs")};
  const model::SweepResult r = model::sweep_variant(sc, e, 0, 4);
  CHECK(r.broken_relations.size() == 1);
  CHECK(r.broken_relations.at("mmio_wrap_zaps==memslot_installs") == 5);
  CHECK(r.expected_metrics == "mmio_wrap_zaps<memslot_installs mmio_wrap_zaps==memslot_installs");
  CHECK_FALSE(r.ok);
  e.relations.pop_back();
  CHECK(model::sweep_variant(sc, e, 0, 4).ok);
}

// ---------------------------------------------------------------------------
// Scenario validation (in process; the CLI tests cover exit statuses)
// ---------------------------------------------------------------------------

namespace {

nlohmann::json good_json() { return nlohmann::json::parse(testutil::read_file(testutil::scenario_path())); }

// The error message of parsing `j`, or "" if it parsed.
std::string parse_error(const nlohmann::json& j) {
  try {
    // Through text, as from a file (nlohmann keeps C++ ints signed).
    model::parse_scenario(nlohmann::json::parse(j.dump()), "edited.json");
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// An edit of a good scenario, and where and why the loader must reject it.
struct Case {
  const char* what;
  std::function<void(nlohmann::json&)> edit;
  const char* pointer;  // exactly where the error is reported
  const char* reason;   // a fragment of the explanation
};

// Each case's edit of `good` is rejected at its pointer, for its reason.
void check_rejected(const nlohmann::json& good, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    CAPTURE(c.what);
    nlohmann::json j = good;
    c.edit(j);
    const std::string msg = parse_error(j);
    CAPTURE(msg);
    CHECK(testutil::contains(msg, std::string("edited.json: ") + c.pointer + ": "));
    CHECK(testutil::contains(msg, c.reason));
  }
}

TEST_CASE("scenario validation: errors name the file and the JSON path") {
  CHECK(parse_error(good_json()) == "");
  using J = nlohmann::json;
  const std::vector<Case> cases = {
      {"unknown top-level member", [](J& j) { j["bogus"] = 1; }, "/bogus", "unknown member"},
      {"shadow page with an unknown parent",
       [](J& j) { j["vm"]["shadow_pages"] = J::parse(R"([{"gfn": 1, "level": 1, "parent": "x"}])"); },
       "/vm/shadow_pages/0/parent", "no other shadow page has id 'x'"},
      {"shadow page level 6", [](J& j) { j["vm"]["shadow_pages"] = J::parse(R"([{"gfn": 1, "level": 6}])"); },
       "/vm/shadow_pages/0/level", "level is 1"},
      {"unsync level-2 page",
       [](J& j) { j["vm"]["shadow_pages"] = J::parse(R"([{"gfn": 1, "level": 2, "unsync": true}])"); },
       "/vm/shadow_pages/0/unsync", "only level-1"},
      {"invalid page nobody holds",
       [](J& j) { j["vm"]["shadow_pages"] = J::parse(R"([{"gfn": 1, "level": 4, "invalid": true}])"); },
       "/vm/shadow_pages/0/invalid", "would have been freed"},
      {"parent two levels up",
       [](J& j) {
         j["vm"]["shadow_pages"] =
             J::parse(R"([{"id": "a", "gfn": 0, "level": 3}, {"gfn": 1, "level": 1, "parent": "a"}])");
       },
       "/vm/shadow_pages/1/parent", "one level above"},
      {"children beyond the parent's 512 entries",
       [](J& j) {
         j["vm"]["shadow_pages"] = J::parse(
             R"([{"id": "a", "gfn": 0, "level": 2}, {"gfn": 1, "level": 1, "parent": "a", "index": 510, "count": 3}])");
       },
       "/vm/shadow_pages/1/parent", "beyond 512"},
      {"a root of no thread",
       [](J& j) { j["vm"]["shadow_pages"] = J::parse(R"([{"gfn": 0, "level": 4, "root_of": "x"}])"); },
       "/vm/shadow_pages/0/root_of", "no thread named 'x'"},
      {"a root of the updater",
       [](J& j) { j["vm"]["shadow_pages"] = J::parse(R"([{"gfn": 0, "level": 4, "root_of": "updater"}])"); },
       "/vm/shadow_pages/0/root_of", "'updater' is not a vcpu thread"},
      {"a vCPU's root nobody counts",
       [](J& j) {
         j["vm"]["shadow_pages"] =
             J::parse(R"([{"gfn": 0, "level": 4, "root_of": "vcpu0", "root_count": 0}])");
       },
       "/vm/shadow_pages/0/root_count", "root_count at least 1"},
      {"a vCPU's root of two pages",
       [](J& j) {
         j["vm"]["shadow_pages"] = J::parse(R"([{"gfn": 0, "level": 4, "root_of": "vcpu0", "count": 2}])");
       },
       "/vm/shadow_pages/0/root_of", "single page"},
      {"two roots for one vCPU",
       [](J& j) {
         j["vm"]["shadow_pages"] = J::parse(
             R"([{"gfn": 0, "level": 4, "root_of": "vcpu0"}, {"gfn": 1, "level": 4, "root_of": "vcpu0"}])");
       },
       "/vm/shadow_pages/1/root_of", "'vcpu0' already has a root"},
      {"a level for a lockless walk",
       [](J& j) {
         j["threads"][0]["program"][0] =
             J::parse(R"({"op": "walk_shadow_page_lockless", "gfn": 1, "level": 2})");
       },
       "/threads/0/program/0/level", "unknown member"},
      {"a vCPU faulting until itself finishes",
       [](J& j) { j["threads"][0]["program"][0] = J::parse(R"({"op": "fault_in_shadow_page", "gfn": 1, "until": "vcpu0"})"); },
       "/threads/0/program/0/until", "itself"},
      {"change_mmu_pages on a vCPU",
       [](J& j) { j["threads"][0]["program"][0] = J::parse(R"({"op": "change_mmu_pages", "goal": 1})"); },
       "/threads/0/program/0/op", "'change_mmu_pages' is an updater operation, not a vcpu's"},
      {"delete_memslot on a vCPU",
       [](J& j) { j["threads"][0]["program"][0] = J::parse(R"({"op": "delete_memslot", "slot": 0})"); },
       "/threads/0/program/0/op", "'delete_memslot' is an updater operation, not a vcpu's"},
      {"access on an updater",
       [](J& j) { j["threads"][1]["program"][0] = J::parse(R"({"op": "access", "gfn": 1})"); },
       "/threads/1/program/0/op", "'access' is a vcpu operation, not an updater's"},
      {"a kind the model does not know",
       [](J& j) { j["expect"][0]["verdict"] = "stale_mmio"; }, "/expect/0/verdict",
       "unknown violation kind 'stale_mmio' (known: deadlock, generation-backwards,"},
      {"an unknown kind in a list", [](J& j) { j["expect"][0]["verdict"] = {"stale-mmio", "warn:x"}; },
       "/expect/0/verdict/1", "unknown violation kind 'warn:x'"},
      {"a kind listed twice", [](J& j) { j["expect"][0]["verdict"] = {"stale-mmio", "stale-mmio"}; },
       "/expect/0/verdict/1", "twice"},
      {"an unknown may-kind", [](J& j) { j["expect"][0]["may"] = {"deadlok"}; },
       "/expect/0/may/0", "unknown violation kind 'deadlok'"},
      {"a may-kind that must show up", [](J& j) { j["expect"][0]["may"] = {"stale-mmio"}; },
       "/expect/0/may/0", "in the verdict already"},
      {"clean as a may-kind", [](J& j) { j["expect"][1]["may"] = {"clean"}; }, "/expect/1/may/0",
       "not a violation kind"},
      {"an empty may", [](J& j) { j["expect"][1]["may"] = J::array(); }, "/expect/1/may",
       "leave \"may\" out"},
      {"a may-kind that is no string", [](J& j) { j["expect"][1]["may"] = "deadlock"; },
       "/expect/1/may", "expected an array"},
      {"an expectation's vm with memslots",
       [](J& j) { j["expect"][1]["vm"] = {{"gfns", 16}}; }, "/expect/1/vm/gfns",
       "unknown member"},
      {"an expectation's vm without generations", [](J& j) { j["expect"][1]["vm"] = J::object(); },
       "/expect/1/vm", "missing required member \"generations\""},
      {"an expectation's third generation", [](J& j) { j["expect"][1]["vm"] = {{"generations", {1, 2, 3}}}; },
       "/expect/1/vm/generations", "at most 2"},
      {"an SMM generation at a state with one address space",
       [](J& j) { j["expect"][0]["vm"] = {{"generations", {nullptr, 5}}}; },
       "/expect/0/vm/generations/1", "v3.16 has one address space"},
      {"bad metric relation",
       [](J& j) { j["expect"][0]["relations"] = J::array({"a <= b", "a => b"}); },
       "/expect/0/relations/1", "METRIC OP METRIC"},
      {"missing name", [](J& j) { j.erase("name"); }, "/", "missing required member \"name\""},
      {"unknown variant", [](J& j) { j["expect"][0]["variant"] = "v9.99"; }, "/expect/0/variant",
       "unknown variant 'v9.99'"},
      {"variant listed twice", [](J& j) { j["expect"][1]["variant"] = "v3.16"; },
       "/expect/1/variant", "twice"},
      {"empty verdict list", [](J& j) { j["expect"][0]["verdict"] = J::array(); },
       "/expect/0/verdict", "empty"},
      {"wrong type of gfn", [](J& j) { j["threads"][0]["program"][0]["gfn"] = true; },
       "/threads/0/program/0/gfn", "expected an unsigned 64-bit integer"},
      {"negative gfn", [](J& j) { j["threads"][0]["program"][0]["gfn"] = -1; },
       "/threads/0/program/0/gfn", "expected an unsigned 64-bit integer"},
      {"gfn out of range", [](J& j) { j["threads"][0]["program"][0]["gfn"] = 32; },
       "/threads/0/program/0/gfn", "beyond"},
      {"unknown vcpu op", [](J& j) { j["threads"][0]["program"][0]["op"] = "jump"; },
       "/threads/0/program/0/op", "unknown vcpu operation 'jump'"},
      {"unknown updater op", [](J& j) { j["threads"][1]["program"][0]["op"] = "resize"; },
       "/threads/1/program/0/op", "unknown updater operation 'resize'"},
      {"memslot beyond the VM", [](J& j) { j["threads"][1]["program"][0]["npages"] = 17; },
       "/threads/1/program/0/npages", "beyond"},
      {"memslot size wrapping around",
       [](J& j) { j["threads"][1]["program"][0]["npages"] = "0xffffffffffffffff"; },
       "/threads/1/program/0/npages", "beyond"},
      {"gfn with a leading plus", [](J& j) { j["threads"][0]["program"][0]["gfn"] = "+1"; },
       "/threads/0/program/0/gfn", "expected an unsigned 64-bit integer"},
      {"gfn beyond 64 bits",
       [](J& j) { j["threads"][0]["program"][0]["gfn"] = "99999999999999999999"; },
       "/threads/0/program/0/gfn", "expected an unsigned 64-bit integer"},
      {"unaligned userspace_addr of a created slot",
       [](J& j) { j["threads"][1]["program"][0]["userspace_addr"] = "0x7f0000100010"; },
       "/threads/1/program/0/userspace_addr", "page aligned"},
      {"kernel address as userspace_addr",
       [](J& j) { j["threads"][1]["program"][0]["userspace_addr"] = "0xc000000000000000"; },
       "/threads/1/program/0/userspace_addr", "user address space"},
      {"wait for unknown thread",
       [](J& j) { j["threads"][2]["program"][0]["thread"] = "nobody"; },
       "/threads/2/program/0/thread", "nobody"},
      {"wait for itself", [](J& j) { j["threads"][2]["program"][0]["thread"] = "vcpu1"; },
       "/threads/2/program/0/thread", "itself"},
      {"duplicate thread name", [](J& j) { j["threads"][2]["name"] = "vcpu0"; },
       "/threads/2/name", "twice"},
      {"unknown thread kind", [](J& j) { j["threads"][1]["kind"] = "daemon"; },
       "/threads/1/kind", "daemon"},
      {"overlapping initial slots",
       [](J& j) {
         j["vm"]["memslots"].push_back(
             {{"slot", 2}, {"base_gfn", 8}, {"npages", 2}, {"userspace_addr", "0x1000"}});
       },
       "/vm/memslots/1", "overlaps slot 0"},
      {"unaligned userspace_addr",
       [](J& j) { j["vm"]["memslots"][0]["userspace_addr"] = "0x7f0000000001"; },
       "/vm/memslots/0/userspace_addr", "aligned"},
      {"too many gfns", [](J& j) { j["vm"]["gfns"] = 65537; }, "/vm/gfns", "between"},
      {"unknown oracle", [](J& j) { j["oracles"][0] = "psychic"; }, "/oracles/0", "psychic"},
      {"bad seed range", [](J& j) { j["exploration"]["seeds"] = "5..2"; }, "/exploration/seeds",
       "5..2"},
      {"seed range not numbers", [](J& j) { j["exploration"]["seeds"] = "a..b"; },
       "/exploration/seeds", "a..b"},
      {"zero step bound", [](J& j) { j["exploration"]["step_bound"] = 0; },
       "/exploration/step_bound", "must be between 1 and 10000000"},
      {"unknown strategy", [](J& j) { j["exploration"]["strategy"] = "pct"; },
       "/exploration/strategy", "unknown strategy"},
      {"PCT of depth 0", [](J& j) { j["exploration"]["strategy"] = "pct:0"; },
       "/exploration/strategy", "pct:D"},
      {"two kinds in one string", [](J& j) { j["expect"][0]["verdict"] = "stale-mmio+warn:x"; },
       "/expect/0/verdict", "list several"},
      {"address space 2", [](J& j) { j["vm"]["memslots"][0]["as"] = 2; }, "/vm/memslots/0/as",
       "0 (normal) or 1 (SMM)"},
      {"SMM at a kernel state without it",
       [](J& j) { j["threads"][0]["program"].insert(j["threads"][0]["program"].begin(),
                                                    J{{"op", "enter_smm"}}); },
       "/expect/0/variant", "v3.16 does not have"},
      {"three starting generations", [](J& j) { j["vm"]["generations"] = {1, 2, 3}; },
       "/vm/generations", "at most 2"},
      {"a starting generation that is no number",
       [](J& j) { j["vm"]["generations"] = {"-150", "abc"}; }, "/vm/generations/1",
       "expected an unsigned 64-bit integer"},
      {"MMIO SPTE beyond the VM",
       [](J& j) { j["vm"]["mmio_sptes"] = {{{"gfn", 32}, {"generation", 0}}}; },
       "/vm/mmio_sptes/0/gfn", "beyond"},
      {"zero memslot updates",
       [](J& j) { j["threads"][1]["program"][0] = {{"op", "memslot_updates"}, {"slot", 0},
                                                   {"count", 0}}; },
       "/threads/1/program/0/count", "between 1 and"},
      {"move without a target",
       [](J& j) { j["threads"][1]["program"][0] = {{"op", "move_memslot"}, {"slot", 0}}; },
       "/threads/1/program/0", "missing required member \"base_gfn\""},
      {"metric bounds upside down",
       [](J& j) { j["expect"][0]["metrics"] = {{"mmio_wrap_zaps", {{"min", 3}, {"max", 1}}}}; },
       "/expect/0/metrics/mmio_wrap_zaps", "min is above max"},
      {"unknown member of a metric bound",
       [](J& j) { j["expect"][0]["metrics"] = {{"mmio_wrap_zaps", {{"most", 1}}}}; },
       "/expect/0/metrics/mmio_wrap_zaps/most", "unknown member"},
  };
  check_rejected(good_json(), cases);
}

TEST_CASE("scenario validation: gfn_to_pfn_cache errors name the file and the JSON path") {
  // Edits of the 982ed0de4753 invalidation scenario: threads[0] "ioctl"
  // (updater: gpc_init), threads[1] "vcpu0" (wait_for, gpc_access),
  // threads[2] "mm" (updater: munmap); 16 host pages from 0x7f0000000000.
  const nlohmann::json base = nlohmann::json::parse(testutil::read_file(
      testutil::source_root() + "/scenarios/982ed0de4753-pfncache-invalidation.json"));
  REQUIRE(parse_error(base) == "");
  {
    nlohmann::json j = base;  // the largest offset the 8-byte access fits at
    j["threads"][1]["program"][1]["offset"] = 4088;
    CHECK(parse_error(j) == "");
  }
  using J = nlohmann::json;
  const std::vector<Case> cases = {
      {"gpc op naming an unknown cache",
       [](J& j) { j["threads"][1]["program"][1]["gpc"] = "vcpu_info"; },
       "/threads/1/program/1/gpc", "no cache (vm.gpcs) named 'vcpu_info'"},
      {"gpc_guest_use on an updater thread",
       [](J& j) {
         j["threads"][0]["program"].push_back({{"op", "gpc_guest_use"}, {"gpc", "shinfo"}});
       },
       "/threads/0/program/1/op", "only a vcpu thread runs the guest"},
      {"munmap on a vcpu thread",
       [](J& j) { j["threads"][1]["program"][1] = {{"op", "munmap"}, {"hva", "0x7f0000002000"}}; },
       "/threads/1/program/1/op", "'munmap' is a host operation"},
      {"migrate_page on a vcpu thread",
       [](J& j) {
         j["threads"][1]["program"][1] = {{"op", "migrate_page"}, {"hva", "0x7f0000002000"}};
       },
       "/threads/1/program/1/op", "'migrate_page' is a host operation"},
      {"munmap just past vm.host_mappings",
       [](J& j) { j["threads"][2]["program"][0]["hva"] = "0x7f0000010000"; },
       "/threads/2/program/0/hva", "not in any of vm.host_mappings"},
      {"oom_reap below vm.host_mappings",
       [](J& j) { j["threads"][2]["program"][0] = {{"op", "oom_reap"}, {"hva", "0x7effffffffff"}}; },
       "/threads/2/program/0/hva", "not in any of vm.host_mappings"},
      {"gpc_init with guest_uses_pa but no vcpu",
       [](J& j) { j["threads"][0]["program"][0]["guest_uses_pa"] = true; },
       "/threads/0/program/0", "names the \"vcpu\" thread"},
      {"gpc_init evicting an updater thread",
       [](J& j) {
         j["threads"][0]["program"][0]["guest_uses_pa"] = true;
         j["threads"][0]["program"][0]["vcpu"] = "mm";
       },
       "/threads/0/program/0/vcpu", "not a vcpu thread"},
      {"gpc_init evicting an unknown thread",
       [](J& j) { j["threads"][0]["program"][0]["vcpu"] = "vcpu9"; },
       "/threads/0/program/0/vcpu", "no thread named 'vcpu9'"},
      {"offset 4090: the 8-byte access crosses the page",
       [](J& j) { j["threads"][1]["program"][1]["offset"] = 4090; },
       "/threads/1/program/1/offset", "at most 4088"},
      {"gpc gfn beyond the VM", [](J& j) { j["threads"][1]["program"][1]["gfn"] = 16; },
       "/threads/1/program/1/gfn", "beyond the VM's 16 guest frames"},
      {"gpc_access count 0", [](J& j) { j["threads"][1]["program"][1]["count"] = 0; },
       "/threads/1/program/1/count", "between 1 and 100000"},
      {"gpc_refresh with a write flag",
       [](J& j) {
         j["threads"][0]["program"].push_back(
             {{"op", "gpc_refresh"}, {"gpc", "shinfo"}, {"write", true}});
       },
       "/threads/0/program/1/write", "unknown member"},
      {"host_mappings overlap",
       [](J& j) { j["vm"]["host_mappings"].push_back({{"hva", "0x7f000000f000"}, {"pages", 2}}); },
       "/vm/host_mappings/1", "overlaps an earlier mapping"},
      {"unaligned host mapping",
       [](J& j) { j["vm"]["host_mappings"][0]["hva"] = "0x7f0000000800"; },
       "/vm/host_mappings/0/hva", "page aligned"},
      {"host mapping of 0 pages", [](J& j) { j["vm"]["host_mappings"][0]["pages"] = 0; },
       "/vm/host_mappings/0/pages", "between 1 and 4096"},
      {"duplicate gpc name", [](J& j) { j["vm"]["gpcs"].push_back("shinfo"); }, "/vm/gpcs/1",
       "cache name used twice"},
      {"empty gpc name", [](J& j) { j["vm"]["gpcs"][0] = ""; }, "/vm/gpcs/0", "empty cache name"},
      {"a gpc scenario expecting v5.1",
       [](J& j) { j["expect"][0]["variant"] = "v5.1"; }, "/expect/0/variant",
       "the scenario uses a gfn_to_pfn_cache, which v5.1 does not have"},
      {"a gpc scenario with an x86 MMU op, at a gfn_to_pfn_cache state",
       [](J& j) { j["threads"][1]["program"].push_back({{"op", "access"}, {"gfn", 1}}); },
       "/expect/0/variant", "the scenario uses the x86 MMU"},
  };
  check_rejected(base, cases);

  // The x86 MMU scenario (an `access` op) expecting a gfn_to_pfn_cache state.
  for (const char* variant : {"pfncache-982ed0de4753", "v5.18", "v6.0", "v6.1"}) {
    CAPTURE(variant);
    nlohmann::json j = good_json();
    j["expect"][1]["variant"] = variant;
    const std::string msg = parse_error(j);
    CAPTURE(msg);
    CHECK(testutil::contains(msg, "edited.json: /expect/1/variant: "));
    CHECK(testutil::contains(msg, "the scenario uses the x86 MMU"));
    CHECK(testutil::contains(msg, std::string(variant) + " models virt/kvm/pfncache.c"));
  }
}

// ---------------------------------------------------------------------------
// What kvmsim check adds to the loader
// ---------------------------------------------------------------------------

namespace {

// The problems check_scenario finds in `j`, as "pointer: [warning: ]message".
std::vector<std::string> problems(const nlohmann::json& j) {
  std::vector<std::string> out;
  for (const auto& p : model::check_scenario(model::parse_scenario(j, "edited.json")))
    out.push_back(p.pointer + ": " + (p.error ? "" : "warning: ") + p.message);
  return out;
}

// The ee3d1570b586 scenario with the updater (threads[1], which creates
// slot 1 at gfn 16..31 over slot 0 at 0..15) running `program` instead.
nlohmann::json with_updater(const char* program) {
  nlohmann::json j = good_json();
  j["threads"][1]["program"] = nlohmann::json::parse(program);
  return j;
}

}  // namespace

TEST_CASE("check_scenario: the shipped scenarios have no problem") {
  for (const auto& path : model::scenario_files({testutil::source_root() + "/scenarios"})) {
    CAPTURE(path);
    CHECK(model::check_scenario(model::load_scenario(path)).empty());
  }
}

TEST_CASE("check_scenario: kinds no execution of the scenario can report") {
  using J = nlohmann::json;
  J j = good_json();
  j["oracles"] = J::array();  // stale-mmio is expected at v3.16, no oracle reports it
  CHECK(problems(j) == std::vector<std::string>{
                           "/expect/0/verdict: no execution at v3.16 can report 'stale-mmio': the "
                           "scenario's oracles do not include stale-mmio"});
  j = good_json();
  j["expect"][1]["may"] = {"deadlock", "page-ref-leak"};
  j["expect"][2]["verdict"] = {"generation-backwards", "warn:install_new_memslots"};
  CHECK(problems(j) ==
        std::vector<std::string>{
            "/expect/1/may/1: no execution at v3.17 can report 'page-ref-leak': the scenario has "
            "no gfn_to_pfn_cache (vm.gpcs)",
            "/expect/2/verdict/0: no execution at v4.19 can report 'generation-backwards': the "
            "scenario's oracles do not include generation-backwards"});
  // An x86 kind at a cache state; a warning of install_new_memslots without
  // an update.
  J gpc = J::parse(testutil::read_file(testutil::source_root() +
                                       "/scenarios/982ed0de4753-pfncache-invalidation.json"));
  gpc["expect"][3]["may"] = {"warn:handle_ept_misconfig", "warn:install_new_memslots"};
  CHECK(problems(gpc) ==
        std::vector<std::string>{
            "/expect/3/may/0: no execution at v6.1 can report 'warn:handle_ept_misconfig': v6.1 "
            "is not a state of the x86 MMU model (up to 5.1)",
            "/expect/3/may/1: no execution at v6.1 can report 'warn:install_new_memslots': no "
            "thread updates a memslot (create, delete, move, flags)"});
}

TEST_CASE("check_scenario: ioctls that fail in every execution") {
  const char* absent = "does not exist at this point of the program in any execution: the ioctl fails with -EINVAL";
  CHECK(problems(with_updater(R"([{"op": "delete_memslot", "slot": 1}])")) ==
        std::vector<std::string>{std::string("/threads/1/program/0: slot 1 ") + absent});
  // Deleted, then moved, flagged and updated: each fails.
  CHECK(problems(with_updater(R"([{"op": "delete_memslot", "slot": 0},
                                  {"op": "move_memslot", "slot": 0, "base_gfn": 4},
                                  {"op": "set_memslot_flags", "slot": 0, "log_dirty_pages": true},
                                  {"op": "memslot_updates", "slot": 0, "count": 2}])")) ==
        std::vector<std::string>{std::string("/threads/1/program/1: slot 0 ") + absent,
                                 std::string("/threads/1/program/2: slot 0 ") + absent,
                                 std::string("/threads/1/program/3: slot 0 ") + absent});
  // Address space 1 is another slot 0.
  nlohmann::json smm = with_updater(R"([{"op": "delete_memslot", "as": 1, "slot": 0}])");
  for (auto& e : smm["expect"])
    if (e["variant"] == "v3.16" || e["variant"] == "v3.17") e["variant"] = "v4.19";
  smm["expect"] = nlohmann::json::array({smm["expect"][2]});
  CHECK(problems(smm) == std::vector<std::string>{
                             std::string("/threads/1/program/0: slot 0 of address space 1 ") + absent});
  CHECK(problems(with_updater(R"([{"op": "create_memslot", "slot": 0, "base_gfn": 16, "npages": 4,
                                  "userspace_addr": "0x7f0000100000"}])")) ==
        std::vector<std::string>{"/threads/1/program/0: slot 0 exists at this point of the program "
                                 "in every execution: the ioctl is no KVM_MR_CREATE (a new size or address "
                                 "is -EINVAL)"});
  CHECK(problems(with_updater(R"([{"op": "create_memslot", "slot": 1, "base_gfn": 12, "npages": 8,
                                  "userspace_addr": "0x7f0000100000"}])")) ==
        std::vector<std::string>{"/threads/1/program/0: the new slot 1 overlaps slot 0 in every "
                                 "execution: -EEXIST"});
  CHECK(problems(with_updater(R"([{"op": "create_memslot", "slot": 1, "base_gfn": 16, "npages": 8,
                                  "userspace_addr": "0x7f0000100000"},
                                 {"op": "move_memslot", "slot": 0, "base_gfn": 10}])")) ==
        std::vector<std::string>{"/threads/1/program/1: moves slot 0 onto slot 1 in every "
                                 "execution: -EEXIST"});
  CHECK(problems(with_updater(R"([{"op": "move_memslot", "slot": 0, "base_gfn": 20}])")) ==
        std::vector<std::string>{"/threads/1/program/0: moves slot 0 (16 pages) beyond the VM's "
                                 "32 guest frames"});
  // Changes nothing: warnings.
  CHECK(problems(with_updater(R"([{"op": "set_memslot_flags", "slot": 0, "log_dirty_pages": false},
                                  {"op": "move_memslot", "slot": 0, "base_gfn": 0}])")) ==
        std::vector<std::string>{
            "/threads/1/program/0: warning: slot 0 has these flags already: the ioctl changes "
            "nothing",
            "/threads/1/program/1: warning: moves slot 0 to where it is: the ioctl changes "
            "nothing"});
  // Two updates toggle dirty logging back off; one leaves it on.
  CHECK(problems(with_updater(R"([{"op": "memslot_updates", "slot": 0, "count": 2},
                                  {"op": "set_memslot_flags", "slot": 0, "log_dirty_pages": true}])"))
            .empty());
  CHECK(problems(with_updater(R"([{"op": "memslot_updates", "slot": 0, "count": 3},
                                  {"op": "set_memslot_flags", "slot": 0, "log_dirty_pages": true}])"))
            .size() == 1);
  // Create, delete, create again: fine.
  CHECK(problems(with_updater(R"([{"op": "create_memslot", "slot": 1, "base_gfn": 16, "npages": 8,
                                  "userspace_addr": "0x7f0000100000"},
                                 {"op": "delete_memslot", "slot": 1},
                                 {"op": "create_memslot", "slot": 1, "base_gfn": 16, "npages": 8,
                                  "userspace_addr": "0x7f0000100000"}])"))
            .empty());
}

TEST_CASE("check_scenario: what another updater may do makes an ioctl's failure uncertain") {
  // vcpu1 (threads[2]) becomes a second updater that creates slot 1: the
  // first updater's delete of slot 1 can succeed after it.
  nlohmann::json j = with_updater(R"([{"op": "delete_memslot", "slot": 1}])");
  j["threads"][2] = nlohmann::json::parse(R"({"name": "vcpu1", "kind": "updater", "cpu": 2,
      "program": [{"op": "create_memslot", "slot": 1, "base_gfn": 16, "npages": 16,
                   "userspace_addr": "0x7f0000100000"}]})");
  CHECK(problems(j).empty());
  // A second updater that deletes slot 0 makes a create over it uncertain.
  j = with_updater(R"([{"op": "create_memslot", "slot": 1, "base_gfn": 8, "npages": 8,
                       "userspace_addr": "0x7f0000100000"}])");
  j["threads"][2] = nlohmann::json::parse(
      R"({"name": "vcpu1", "kind": "updater", "cpu": 2, "program": [{"op": "delete_memslot", "slot": 0}]})");
  CHECK(problems(j).empty());
}

TEST_CASE("violation kinds: every kind the sources raise is known, and the schema lists them") {
  namespace fs = std::filesystem;
  // sim::fail("kind", ...) and sim::warn_on(cond, "name", ...) ("warn:name").
  std::set<std::string> raised;
  const std::regex fail_re(R"re(\bfail\(\s*"([^"]+)")re");
  const std::regex warn_re(R"re(\bwarn_on\(([^;]*?),\s*"([^"]+)")re");
  for (const char* dir : {"model", "sim"})
    for (const auto& e : fs::recursive_directory_iterator(testutil::source_root() + "/" + dir)) {
      if (e.path().extension() != ".cpp" && e.path().extension() != ".hpp") continue;
      const std::string text = testutil::read_file(e.path().string());
      for (auto it = std::sregex_iterator(text.begin(), text.end(), fail_re);
           it != std::sregex_iterator(); ++it)
        raised.insert((*it)[1].str());
      for (auto it = std::sregex_iterator(text.begin(), text.end(), warn_re);
           it != std::sregex_iterator(); ++it)
        raised.insert("warn:" + (*it)[2].str());
    }
  CHECK(raised.size() >= 20);
  CHECK(raised.count("stale-mmio") == 1);
  CHECK(raised.count("warn:install_new_memslots") == 1);
  std::set<std::string> known;
  std::stringstream list(model::known_kinds_text());
  for (std::string k; std::getline(list, k, ',');) known.insert(k.substr(k.find_first_not_of(' ')));
  CHECK(raised == known);
  for (const auto& k : raised) CHECK(model::is_known_kind(k));
  CHECK_FALSE(model::is_known_kind("stale_mmio"));
  CHECK_FALSE(model::is_known_kind("clean"));

  // The schema's list of kinds is the same.
  const nlohmann::json schema = nlohmann::json::parse(
      testutil::read_file(testutil::source_root() + "/scenarios/schema.json"));
  std::set<std::string> in_schema;
  for (const auto& k : schema.at("$defs").at("kind").at("enum")) in_schema.insert(k.get<std::string>());
  CHECK(in_schema == known);
}

TEST_CASE("parse_seed_range") {
  CHECK(model::parse_seed_range("0..999") == std::pair<uint64_t, uint64_t>{0, 999});
  CHECK(model::parse_seed_range("7") == std::pair<uint64_t, uint64_t>{7, 7});
  CHECK(model::parse_seed_range("3..3") == std::pair<uint64_t, uint64_t>{3, 3});
  CHECK(model::parse_seed_range("1..9223372036854775808") ==
        std::pair<uint64_t, uint64_t>{1, 9223372036854775808ULL});  // 2^63 seeds
  for (const char* bad : {"5..2", "", "..", "..5", "5..", "a..b", "-1..3", "1..2..3", "1...3",
                          " 1..2", "0x10..0x20", "0..18446744073709551615",
                          "0..9223372036854775808"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(model::parse_seed_range(bad), std::invalid_argument);
  }
}

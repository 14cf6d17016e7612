// SPDX-License-Identifier: GPL-2.0-only
// The pieces the sweep's output is made of: where two executions part
// (replay and the determinism check), JUnit XML, and the progress line.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/runtime/execution.hpp"
#include "sim/json_input.hpp"
#include "sim/strategy/random_strategy.hpp"
#include "sim/sync/shared.hpp"
#include "sim/trace/sha256.hpp"
#include "sim/trace/trace.hpp"
#include "sim/trace/trace_diff.hpp"
#include "test_util.hpp"
#include "tools/kvmsim/junit.hpp"
#include "tools/kvmsim/progress.hpp"

namespace {

// What one recorded run of a test program did, with ghost records of where
// the interesting operation happened (taken by the modeled thread itself,
// independently of the trace comparison).
struct Run {
  sim::Trace trace;
  size_t marked_event = 0;      // index of the marked operation's event
  uint64_t marked_step = 0;     // decisions taken when it happened
  std::string streamed_hash;    // with hash_only: the hash computed as it ran
};

sim::Trace trace_of(const sim::Execution& exec, const sim::Outcome& out, uint64_t seed) {
  sim::Trace t;
  t.strategy = "random";
  t.seed = seed;
  t.threads = exec.threads();
  t.schedule = exec.schedule();
  t.labels = exec.step_labels();
  t.events = exec.events();
  t.violation = out.violation;
  return t;
}

enum class Flaw { none, value, extra_step };

// Two threads, a and b, each loading and storing x twice. With a flaw, the
// program depends on a counter that survives between executions, the way a
// model with a forgotten static variable would: `value` makes a's last
// store write the run number; `extra_step` makes a load y first in even
// runs. The marked operation is a's last store (`value`) or its
// first operation (`extra_step`).
int runs = 0;  // the flaw: program state that outlives an execution

Run run_program(Flaw flaw, uint64_t seed, bool hash_only = false) {
  ++runs;
  Run r;
  sim::Shared<int> x("x");
  sim::Shared<int> y("y");
  sim::RandomStrategy strategy;
  sim::Execution exec(strategy, sim::ExecutionOptions{1000, true, hash_only});
  auto mark = [&r] {
    const sim::Execution& e = sim::Execution::current();
    if (e.events().empty()) return;  // hash_only keeps none
    r.marked_event = e.events().size() - 1;
    r.marked_step = e.events().back().step;
  };
  exec.spawn("a", 0, [&] {
    if (flaw == Flaw::extra_step && runs % 2 == 0) {
      y.load("thread_a");
      mark();
    }
    const int v = x.load("thread_a");
    if (flaw == Flaw::extra_step && runs % 2 == 1) mark();
    x.store(v + 1, "thread_a");
    x.load("thread_a");
    x.store(flaw == Flaw::value ? runs : 7, "thread_a");
    if (flaw == Flaw::value) mark();
  });
  exec.spawn("b", 1, [&] {
    for (int i = 0; i < 2; ++i) x.store(x.load("thread_b") + 10, "thread_b");
  });
  const sim::Outcome out = exec.run(seed);
  r.trace = trace_of(exec, out, seed);
  r.streamed_hash = exec.trace_hash();
  return r;
}

}  // namespace

TEST_CASE("trace difference: two runs of a deterministic program are the same execution") {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    CAPTURE(seed);
    const Run one = run_program(Flaw::none, seed);
    const Run two = run_program(Flaw::none, seed);
    // a: 4 events, b: 4 events.
    CHECK(one.trace.events.size() == 8);
    CHECK_FALSE(sim::first_difference(one.trace, two.trace));
    CHECK(one.trace.hash() == two.trace.hash());
  }
}

// The determinism check compares hashes computed while the runs execute,
// without keeping events: they must be the hashes of the recorded traces.
TEST_CASE("the trace hash computed while running is the recorded trace's hash") {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    CAPTURE(seed);
    const Run recorded = run_program(Flaw::none, seed);
    const Run streamed = run_program(Flaw::none, seed, /*hash_only=*/true);
    CHECK(streamed.trace.events.empty());
    CHECK(recorded.streamed_hash.empty());
    CHECK(streamed.streamed_hash == recorded.trace.hash());
    // And that is the SHA-256 of the execution part of the trace file's
    // JSON, as the trace format defines it.
    nlohmann::json j = sim::to_json(recorded.trace);
    for (const char* key :
         {"format", "version", "tool", "scenario", "variant", "strategy", "seed", "step_bound", "hash"})
      j.erase(key);
    CHECK(sim::sha256_hex(j.dump()) == recorded.trace.hash());
    // A program that depends on its run number streams different hashes.
    const Run one = run_program(Flaw::value, seed, true);
    const Run two = run_program(Flaw::value, seed, true);
    CHECK(one.streamed_hash != two.streamed_hash);
  }
}

TEST_CASE("the determinism check catches a deliberately nondeterministic test program") {
  SUBCASE("a value that differs") {
    for (uint64_t seed = 0; seed < 20; ++seed) {
      CAPTURE(seed);
      const Run one = run_program(Flaw::value, seed);
      const Run two = run_program(Flaw::value, seed);
      // The same decisions (same points, same seed), so the marked store is
      // the same event at the same step in both runs.
      REQUIRE(one.marked_event == two.marked_event);
      REQUIRE(one.marked_step == two.marked_step);
      CHECK(one.trace.hash() != two.trace.hash());
      const auto d = sim::first_difference(one.trace, two.trace);
      REQUIRE(d);
      CHECK(d->event == one.marked_event);
      CHECK(d->step == one.marked_step);
      CHECK_FALSE(d->decision);  // the schedules are the same
      // Consecutive runs store consecutive run numbers, in hex.
      const int n = std::stoi(one.trace.events[one.marked_event].value, nullptr, 16);
      CHECK(d->first == "a store x " + fmt::format("{:#x}", n) + " in thread_a");
      CHECK(d->second == "a store x " + fmt::format("{:#x}", n + 1) + " in thread_a");
      const std::string text = sim::describe(*d, "run 1", "run 2");
      CHECK(text == fmt::format("first difference at event {} (step {}):\n"
                                "  run 1: {}\n  run 2: {}\n",
                                d->event, d->step, d->first, d->second));
    }
  }
  SUBCASE("one more step") {
    for (uint64_t seed = 0; seed < 20; ++seed) {
      CAPTURE(seed);
      runs = 0;
      const Run one = run_program(Flaw::extra_step, seed);  // odd: no extra step
      const Run two = run_program(Flaw::extra_step, seed);
      // Until a's first operation both runs made the same decisions, so it
      // happens at the same event index and step: a load of x in one run,
      // of y in the other.
      REQUIRE(one.marked_event == two.marked_event);
      REQUIRE(one.marked_step == two.marked_step);
      const auto d = sim::first_difference(one.trace, two.trace);
      REQUIRE(d);
      CHECK(d->event == two.marked_event);
      CHECK(d->step == two.marked_step);
      CHECK(d->first == "a load x " + one.trace.events[d->event].value + " in thread_a");
      CHECK(d->second == "a load y 0x0 in thread_a");
      // The decision that chose a for that operation has a different label
      // (object x against y), and it is at most the step of the event.
      REQUIRE(d->decision);
      CHECK(*d->decision < d->step);
      CHECK(two.trace.events.size() == one.trace.events.size() + 1);
    }
  }
}

TEST_CASE("trace difference: prefixes, verdicts, schedules and threads") {
  const sim::Trace base = run_program(Flaw::none, 3).trace;
  REQUIRE(base.events.size() == 8);

  SUBCASE("one event list a prefix of the other") {
    sim::Trace shorter = base;
    shorter.events.resize(5);
    const auto d = sim::first_difference(base, shorter);
    REQUIRE(d);
    CHECK(d->event == 5);
    CHECK(d->step == base.events[5].step);
    CHECK(d->first == sim::describe_event(base.events[5], base));
    CHECK(d->second == "(nothing)");
    const auto r = sim::first_difference(shorter, base);
    REQUIRE(r);
    CHECK(r->first == "(nothing)");
    CHECK(r->second == d->first);
  }
  SUBCASE("only the verdict differs") {
    sim::Trace failed = base;
    failed.violation = sim::Violation{"warn:x", "x went odd", 6, 1};
    const auto d = sim::first_difference(base, failed);
    REQUIRE(d);
    CHECK(d->event == 8);
    CHECK(d->step == 6);
    CHECK_FALSE(d->decision);
    CHECK(d->first == "verdict: no violation");
    CHECK(d->second == "verdict: warn:x at step 6 on b: x went odd");
    sim::Trace other = failed;
    other.violation->message = "x went even";
    CHECK(sim::first_difference(failed, other));
    CHECK_FALSE(sim::first_difference(failed, failed));
  }
  SUBCASE("only the schedule differs (decisions without events)") {
    sim::Trace longer = base;
    longer.schedule.push_back(0);
    longer.labels.push_back(sim::StepLabel{"thread_a", ""});
    const auto d = sim::first_difference(base, longer);
    REQUIRE(d);
    CHECK(d->decision == base.schedule.size());
    CHECK(d->step == base.schedule.size());
    CHECK(d->first == "(nothing)");
    CHECK(d->second == fmt::format("decision {}: a runs in thread_a", base.schedule.size()));
    // A label that differs counts; a missing one (a version 1 trace) does not.
    sim::Trace relabeled = base;
    relabeled.labels[2].object = "z";
    CHECK(sim::first_difference(base, relabeled)->decision == 2);
    sim::Trace unlabeled = base;
    unlabeled.labels.clear();
    CHECK_FALSE(sim::first_difference(base, unlabeled));
  }
  SUBCASE("other threads") {
    sim::Trace renamed = base;
    renamed.threads[1].name = "c";
    const auto d = sim::first_difference(base, renamed);
    REQUIRE(d);
    CHECK(d->event == 0);
    CHECK(d->step == 0);
    CHECK(d->first == "threads: a (cpu 0) b (cpu 1)");
    CHECK(d->second == "threads: a (cpu 0) c (cpu 1)");
  }
}

// ---------------------------------------------------------------------------
// JUnit XML
// ---------------------------------------------------------------------------

namespace {

// Parses the XML with Python's ElementTree (an independent XML parser) and
// returns what it read: per suite its name and counts, per case its names,
// failure message (null when none) and output; a suite's skipped count and
// a case's skipped message only where there is one.
nlohmann::json parse_junit(const std::string& xml_path, const testutil::TempDir& dir) {
  const std::string script = dir.file("read_junit.py");
  testutil::write_file(script, R"(import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == 'testsuites', root.tag
suites = []
for s in root:
    assert s.tag == 'testsuite', s.tag
    cases = []
    for c in s:
        assert c.tag == 'testcase', c.tag
        failures = c.findall('failure')
        assert len(failures) <= 1
        cases.append({'classname': c.get('classname'), 'name': c.get('name'),
                      'time': c.get('time'),
                      'failure': failures[0].get('message') if failures else None,
                      'out': c.find('system-out').text})
        skipped = c.findall('skipped')
        assert len(skipped) <= 1 and not (skipped and failures)
        if skipped:
            cases[-1]['skipped'] = skipped[0].get('message')
    suites.append({'name': s.get('name'), 'tests': int(s.get('tests')),
                   'failures': int(s.get('failures')), 'time': s.get('time'), 'cases': cases})
    if int(s.get('skipped')):
        suites[-1]['skipped'] = int(s.get('skipped'))
print(json.dumps({'tests': int(root.get('tests')), 'failures': int(root.get('failures')),
                  'time': root.get('time'), 'suites': suites}))
)");
  const auto r = testutil::run_process({"/usr/bin/python3", script, xml_path}, dir);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

// A variant row as the sweep's --json gives it, with the wall time JUnit
// takes too. `must`: the kinds expected.
nlohmann::json row(const std::string& variant, bool ok, uint64_t executions,
                   std::vector<std::string> must, nlohmann::json violations,
                   nlohmann::json first_failing_seed, double seconds) {
  return {{"variant", variant},
          {"ok", ok},
          {"executions", executions},
          {"expected", {{"must", std::move(must)}, {"may", nlohmann::json::array()}}},
          {"wall_seconds", seconds},
          {"determinism", nullptr},
          {"reproducer", nullptr},
          {"violations", std::move(violations)},
          {"first_failing_seed", std::move(first_failing_seed)},
          {"metrics", nlohmann::json::object()},
          {"expected_metrics", ""},
          {"broken_relations", nlohmann::json::object()}};
}

}  // namespace

TEST_CASE("junit: suites, cases, failures and escaping, read back by an XML parser") {
  const std::string odd_scenario = "s<1>&\"q\"";
  const std::string odd_variant = "v2 <new> & \"x\"\n'y'";
  nlohmann::json first = {
      {"scenario", odd_scenario},
      {"variants",
       {row("v1", true, 10, {"stale-mmio"}, {{"stale-mmio", 3}}, 4, 1.25),
        row(odd_variant, false, 10, {"stale-mmio"}, nlohmann::json::object(), nullptr, 0.0004)}}};
  first["variants"][0]["metrics"] = {{"m", {{"min", 1}, {"max", 2}}}};
  nlohmann::json second = {
      {"scenario", "plain"},
      {"variants", {row("v3", false, 5, {}, {{"warn:a<b", 2}, {"deadlock", 1}}, 1, 2.0006)}}};
  second["variants"][0]["expected_metrics"] = "x=1";
  second["variants"][0]["reproducer"] = "kvmsim run s.json --variant v3 --seed 1";
  second["variants"][0]["broken_relations"] = {{"a<=b", 2}};

  testutil::TempDir dir;
  const std::string path = dir.file("junit.xml");
  const nlohmann::json sweep = {{"scenarios", {first, second}}};
  kvmsim::write_junit(sweep, path);
  const std::string xml = testutil::read_file(path);
  CHECK(xml == kvmsim::junit_xml(sweep));
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  const nlohmann::json got = parse_junit(path, dir);

  // 3 cases, 2 of them not ok. Violation kinds in name order (JSON objects
  // are sorted); the failure names a first failing seed only if there is
  // one, and ends with the reproducer. Times in seconds to the millisecond,
  // a suite's the sum of its cases', the whole the sum of the suites'.
  const nlohmann::json want = {
      {"tests", 3},
      {"failures", 2},
      {"time", "3.251"},  // 1.25 + 0.0004 + 2.0006
      {"suites",
       {{{"name", odd_scenario},
         {"tests", 2},
         {"failures", 1},
         {"time", "1.250"},
         {"cases",
          {{{"classname", "kvmsim." + odd_scenario},
            {"name", "v1"},
            {"time", "1.250"},
            {"failure", nullptr},
            {"out",
             "executions 10\nviolations: stale-mmio 3\nfirst failing seed: 4\n"
             "expected: stale-mmio\nmetrics: m=1..2\n"}},
           {{"classname", "kvmsim." + odd_scenario},
            {"name", odd_variant},
            {"time", "0.000"},
            {"failure",
             "expected stale-mmio, found no violation in 10 executions"},
            {"out",
             "executions 10\nviolations: no violation\nfirst failing seed: none\n"
             "expected: stale-mmio\nmetrics: -\n"}}}}},
        {{"name", "plain"},
         {"tests", 1},
         {"failures", 1},
         {"time", "2.001"},
         {"cases",
          {{{"classname", "kvmsim.plain"},
            {"name", "v3"},
            {"time", "2.001"},
            {"failure",
             "expected clean, found deadlock 1, warn:a<b 2 in 5 executions; first failing seed "
             "1; expected metrics x=1; a<=b broken in 2 executions; reproduce: kvmsim run s.json "
             "--variant v3 --seed 1"},
            {"out",
             "executions 5\nviolations: deadlock 1, warn:a<b 2\nfirst failing seed: 1\n"
             "expected: clean\nmetrics: -\nexpected metrics: x=1\n"
             "a<=b broken in 2 executions\n"}}}}}}}};
  CHECK(got.dump(1) == want.dump(1));

  SUBCASE("one scenario is one suite") {
    const std::string one = dir.file("one.xml");
    kvmsim::write_junit({{"scenarios", {second}}}, one);
    const nlohmann::json parsed = parse_junit(one, dir);
    CHECK(parsed["suites"].size() == 1);
    CHECK(parsed["suites"][0] == want["suites"][1]);
  }
  SUBCASE("seeds that ran two ways fail a case whose verdict was as expected") {
    nlohmann::json twice = {{"scenarios", {first}}};
    twice["scenarios"][0]["variants"][0]["determinism"] = {
        {"seeds_run_twice", 10}, {"mismatches", 2}, {"first_mismatch_seed", 4}};
    twice["scenarios"][0]["variants"][0]["reproducer"] = "kvmsim run s.json --variant v1 --seed 4";
    const std::string path2 = dir.file("twice.xml");
    kvmsim::write_junit(twice, path2);
    const nlohmann::json parsed = parse_junit(path2, dir);
    CHECK(parsed["failures"] == 2);
    const nlohmann::json& c = parsed["suites"][0]["cases"][0];
    // Not the reproducer: it runs the first failing seed, not one of these.
    CHECK(c["failure"] == "2 seed(s) ran two different ways");
    CHECK(testutil::ends_with(c["out"].get<std::string>(),
                              "nondeterministic: 2 seed(s) ran two different ways\n"));
    CHECK(testutil::contains(testutil::read_file(path2), "<failure type=\"nondeterministic\""));
  }
  SUBCASE("a variant run without an expectation is skipped, unless it ran two ways") {
    nlohmann::json none = {{"scenarios", {first}}};
    nlohmann::json& v = none["scenarios"][0]["variants"][0];
    v["expected"] = nullptr;
    v["ok"] = nullptr;
    const std::string path2 = dir.file("none.xml");
    kvmsim::write_junit(none, path2);
    nlohmann::json parsed = parse_junit(path2, dir);
    CHECK(parsed["failures"] == 1);  // the other case's, as before
    CHECK(parsed["suites"][0]["skipped"] == 1);
    const nlohmann::json& c = parsed["suites"][0]["cases"][0];
    CHECK(c["failure"].is_null());
    CHECK(testutil::contains(c["skipped"].get<std::string>(), "no expectation"));
    CHECK(c["out"] == "executions 10\nviolations: stale-mmio 3\nfirst failing seed: 4\n"
                      "expected: nothing (no expectation)\nmetrics: m=1..2\n");
    v["determinism"] = {{"seeds_run_twice", 10}, {"mismatches", 1}, {"first_mismatch_seed", 2}};
    kvmsim::write_junit(none, path2);
    parsed = parse_junit(path2, dir);
    CHECK(parsed["failures"] == 2);
    CHECK_FALSE(parsed["suites"][0].contains("skipped"));
    CHECK(parsed["suites"][0]["cases"][0]["failure"] == "1 seed(s) ran two different ways");
  }
  SUBCASE("a report without what the XML needs is bad input") {
    nlohmann::json broken = sweep;
    broken["scenarios"][1]["variants"][0].erase("ok");
    CHECK_THROWS_WITH_AS(kvmsim::junit_xml(broken), doctest::Contains("/scenarios/1/variants/0"),
                         sim::InputError);
    broken = sweep;
    broken["scenarios"][0]["variants"][1]["wall_seconds"] = -1;
    CHECK_THROWS_WITH_AS(kvmsim::junit_xml(broken),
                         doctest::Contains("/scenarios/0/variants/1/wall_seconds"),
                         sim::InputError);
  }
}

TEST_CASE("junit: what kvmsim sweep --junit writes is what its --json says, for a directory "
          "and for one scenario") {
  testutil::TempDir dir;
  for (const std::string& target :
       {testutil::source_root() + "/scenarios", testutil::scenario_path()}) {
    CAPTURE(target);
    const std::string path = dir.file("sweep.xml");
    const auto r = testutil::run_process(
        {testutil::kvmsim_bin(), "sweep", target, "--seeds", "0..20", "--json", "--junit", path},
        dir);
    REQUIRE(r.exit_code <= 1);
    const nlohmann::json got = parse_junit(path, dir);

    // Expected from the JSON: one suite per scenario, one case per row, a
    // failure exactly where ok is false, ending with the row's reproducer.
    const nlohmann::json list = nlohmann::json::parse(r.out).at("scenarios");
    REQUIRE(got["suites"].size() == list.size());
    size_t tests = 0, failures = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& report = list[i];
      const auto& suite = got["suites"][i];
      CHECK(suite["name"] == report["scenario"]);
      REQUIRE(suite["cases"].size() == report["variants"].size());
      size_t suite_failures = 0;
      for (size_t j = 0; j < report["variants"].size(); ++j) {
        const auto& v = report["variants"][j];
        const auto& c = suite["cases"][j];
        CHECK(c["name"] == v["variant"]);
        CHECK(c["classname"] == "kvmsim." + report["scenario"].get<std::string>());
        CHECK(c["failure"].is_null() == v["ok"].get<bool>());
        if (!v["ok"].get<bool>()) {
          ++suite_failures;
          const std::string failure = c["failure"];
          CHECK(testutil::contains(failure, "expected "));
          if (!v["reproducer"].is_null())
            CHECK(testutil::ends_with(failure, "; reproduce: " + v["reproducer"].get<std::string>()));
        }
        CHECK(testutil::contains(c["out"].get<std::string>(),
                                 fmt::format("executions {}\n", v["executions"].get<uint64_t>())));
      }
      CHECK(suite["tests"] == report["variants"].size());
      CHECK(suite["failures"] == suite_failures);
      tests += report["variants"].size();
      failures += suite_failures;
    }
    CHECK(got["tests"] == tests);
    CHECK(got["failures"] == failures);
  }
}

// ---------------------------------------------------------------------------
// Expected kinds not seen where the scenario does not promise them
// ---------------------------------------------------------------------------

namespace {

// The rule, printed once under the verdict line when it excused a kind.
const char* const kRule =
    "expected kind(s) not seen: a scenario requires its kinds only over its own seeds under its "
    "own strategy (\"exploration\"); elsewhere a missing one is reported, not failed\n";

}  // namespace

TEST_CASE("sweep output: a must-kind not seen in a narrow range is reported, not failed") {
  testutil::TempDir dir;
  const std::string sc = testutil::scenario_path();  // stale-mmio at v3.16 over 0..999
  // Seed 1 is clean at v3.16 (its own run says so).
  REQUIRE(testutil::contains(
      testutil::kvmsim({"run", sc, "--variant", "v3.16", "--seed", "1"}, dir).out, "verdict: clean"));
  auto r = testutil::kvmsim({"sweep", sc, "--variant", "v3.16", "--seeds", "1"}, dir);
  CAPTURE(r.out);
  CHECK(r.exit_code == 0);
  CHECK(testutil::contains(
      r.out, "\nstale-mmio at v3.16 not seen in seeds 1 (the scenario expects it within 0..999)\n"));
  // The rule once, before the verdict line, which stays the last.
  CHECK(testutil::ends_with(r.out, "\n1 " + std::string(kRule) + "all scenarios as expected\n"));
  // The row says ok: nothing unexpected showed up.
  CHECK(testutil::contains(r.out, " stale-mmio     yes "));

  // Under another strategy even the promised seeds promise nothing.
  r = testutil::kvmsim({"sweep", sc, "--variant", "v3.16", "--seeds", "1", "--strategy", "pct:2"}, dir);
  CAPTURE(r.out);
  CHECK(r.exit_code == 0);
  static const std::regex other(
      "\nstale-mmio at v3\\.16 not seen in seeds 1 under pct:2:[0-9]+ \\(the scenario expects "
      "it within 0\\.\\.999 under random\\)\n");
  CHECK(std::regex_search(r.out, other));

  // Over the promised seeds nothing is excused: the kind shows up.
  r = testutil::kvmsim({"sweep", sc, "--variant", "v3.16"}, dir);
  CHECK(r.exit_code == 0);
  CHECK_FALSE(testutil::contains(r.out, "not seen"));
}

TEST_CASE("sweep output: not seen per variant, and the shards of the promise judged as one") {
  testutil::TempDir dir;
  // v3.17 (clean in fact) made to expect stale-mmio: missing everywhere.
  nlohmann::json j = nlohmann::json::parse(testutil::read_file(testutil::scenario_path()));
  REQUIRE(j["expect"][1]["variant"] == "v3.17");
  REQUIRE(j["expect"][2]["variant"] == "v4.19");
  j["expect"][1]["verdict"] = "stale-mmio";
  j["expect"][2]["verdict"] = "stale-mmio";
  j["expect"].erase(j["expect"].begin() + 3, j["expect"].end());
  const std::string sc = dir.file("wrong.json");
  testutil::write_file(sc, j.dump(1));

  auto r = testutil::kvmsim({"sweep", sc, "--seeds", "0..99"}, dir);
  CAPTURE(r.out);
  CHECK(r.exit_code == 0);
  // v3.16 finds it in 0..99; the other two share one line.
  CHECK(testutil::contains(r.out, "\nstale-mmio at v3.17, v4.19 not seen in seeds 0..99 (the "
                                  "scenario expects it within 0..999)\n"));
  CHECK(testutil::contains(r.out, "\n2 " + std::string(kRule)));

  // Each shard of the promised seeds alone: not seen; merged: a failure.
  for (const char* shard : {"1/2", "2/2"}) {
    CAPTURE(shard);
    r = testutil::kvmsim({"sweep", sc, "--variant", "v3.17", "--shard", shard, "--report",
                    dir.file(std::string("shard") + shard[0] + ".json")},
                   dir);
    CAPTURE(r.out);
    CHECK(r.exit_code == 0);
    CHECK(testutil::contains(r.out, "not seen"));
  }
  r = testutil::kvmsim({"merge", dir.file("shard1.json"), dir.file("shard2.json")}, dir);
  CAPTURE(r.out);
  CHECK(r.exit_code == 1);
  CHECK(testutil::contains(r.out, " stale-mmio     NO "));
  CHECK(testutil::ends_with(r.out, "\nFAILED: ee3d1570b586-mmio-cache-generation at v3.17\n"));
  CHECK_FALSE(testutil::contains(r.out, "not seen"));
}

TEST_CASE("sweep output: a kind neither must nor may fails on any range; a may-kind never") {
  testutil::TempDir dir;
  nlohmann::json j = nlohmann::json::parse(testutil::read_file(testutil::scenario_path()));
  j["expect"][0]["verdict"] = "clean";  // v3.16 finds stale-mmio at seed 0
  j["expect"].erase(j["expect"].begin() + 1, j["expect"].end());
  const std::string clean = dir.file("clean.json");
  testutil::write_file(clean, j.dump(1));
  auto r = testutil::kvmsim({"sweep", clean, "--seeds", "0"}, dir);
  CAPTURE(r.out);
  CHECK(r.exit_code == 1);
  CHECK(testutil::ends_with(r.out, "\nFAILED: ee3d1570b586-mmio-cache-generation at v3.16\n"));

  j["expect"][0]["may"] = {"stale-mmio"};
  const std::string may = dir.file("may.json");
  testutil::write_file(may, j.dump(1));
  for (const char* seeds : {"0", "0..999"}) {
    CAPTURE(seeds);
    r = testutil::kvmsim({"sweep", may, "--seeds", seeds}, dir);
    CAPTURE(r.out);
    CHECK(r.exit_code == 0);
    CHECK(testutil::contains(r.out, " clean, may stale-mmio yes "));
    CHECK_FALSE(testutil::contains(r.out, "not seen"));
  }
}

// ---------------------------------------------------------------------------
// A state the scenario expects nothing of, named by --variant
// ---------------------------------------------------------------------------

namespace {

// The table row of `variant` in a sweep's text output ("" if none).
std::string row_of(const std::string& out, const std::string& variant) {
  const auto at = out.find("\n" + variant + " ");
  return at == std::string::npos ? "" : out.substr(at + 1, out.find('\n', at + 1) - at - 1);
}

}  // namespace

TEST_CASE("sweep output: --variant runs a state the scenario expects nothing of, judged by "
          "nothing") {
  testutil::TempDir dir;
  const std::string original = testutil::scenario_path();  // stale-mmio at v3.16
  nlohmann::json j = nlohmann::json::parse(testutil::read_file(original));
  REQUIRE(j["expect"][0]["variant"] == "v3.16");
  j["expect"].erase(j["expect"].begin());
  const std::string sc = dir.file("no-v3.16.json");
  testutil::write_file(sc, j.dump(1));

  // What it finds at v3.16 is what the scenario that expects it finds,
  // with "-" for its expectation and its OK.
  const auto expected = testutil::kvmsim({"sweep", original, "--variant", "v3.16"}, dir);
  const std::string judged = row_of(expected.out, "v3.16");
  REQUIRE(testutil::contains(judged, " stale-mmio     yes "));
  auto r = testutil::kvmsim({"sweep", sc, "--variant", "v3.16"}, dir);
  CAPTURE(r.out);
  CAPTURE(r.err);
  CHECK(r.exit_code == 0);
  std::string unjudged = judged;
  unjudged.replace(unjudged.find(" stale-mmio     yes "), 20, " -              -   ");
  CHECK(row_of(r.out, "v3.16") == unjudged);
  CHECK(testutil::contains(r.out, "seeds 0..999 (1000 executions, random)"));
  CHECK(testutil::ends_with(r.out, "\n1 variant(s) run without an expectation, none judged\n"));
  CHECK_FALSE(testutil::contains(r.out, "as expected"));
  CHECK_FALSE(testutil::contains(r.out, "not seen"));

  // The variants it expects something of are still judged: OK "yes".
  r = testutil::kvmsim({"sweep", sc, "--variant", "v3.17"}, dir);
  CHECK(r.exit_code == 0);
  CHECK(testutil::contains(row_of(r.out, "v3.17"), " clean          yes "));
  CHECK(testutil::ends_with(r.out, "\nall scenarios as expected\n"));
  // Without --variant only those run.
  r = testutil::kvmsim({"sweep", sc, "--seeds", "0..9"}, dir);
  CHECK(r.exit_code == 0);
  CHECK(row_of(r.out, "v3.16").empty());
  CHECK(testutil::ends_with(r.out, "\nall scenarios as expected\n"));
  // One scenario expects v3.16, one does not: each said for what it is.
  r = testutil::kvmsim({"sweep", original, sc, "--variant", "v3.16", "--seeds", "0..9"}, dir);
  CHECK(r.exit_code == 0);
  CHECK(testutil::ends_with(r.out,
                            "\n1 variant(s) as expected, 1 run without an expectation\n"));
  // ... and an expected variant that fails still fails the sweep.
  nlohmann::json wrong = nlohmann::json::parse(testutil::read_file(original));
  wrong["expect"][0]["verdict"] = "clean";
  const std::string wrong_path = dir.file("wrong.json");
  testutil::write_file(wrong_path, wrong.dump(1));
  r = testutil::kvmsim({"sweep", wrong_path, sc, "--variant", "v3.16", "--seeds", "0..9"}, dir);
  CHECK(r.exit_code == 1);
  CHECK(testutil::ends_with(r.out, "\nFAILED: ee3d1570b586-mmio-cache-generation at v3.16\n"));

  SUBCASE("--json: expected and ok null, and the sweep ok") {
    r = testutil::kvmsim({"sweep", sc, "--variant", "v3.16", "--seeds", "0..99", "--json"}, dir);
    CHECK(r.exit_code == 0);
    const nlohmann::json doc = nlohmann::json::parse(r.out);
    CHECK(doc["ok"] == true);
    CHECK(doc["failed"] == nlohmann::json::array());
    const nlohmann::json& v = doc["scenarios"][0]["variants"][0];
    CHECK(v["variant"] == "v3.16");
    CHECK(v["expected"].is_null());
    CHECK(v["ok"].is_null());
    CHECK(v["violations"].contains("stale-mmio"));
    CHECK(v["first_failing_seed"] == 0);
    CHECK(v["not_seen"] == nlohmann::json::array());
  }
  SUBCASE("--matrix marks the cell") {
    r = testutil::kvmsim({"sweep", sc, "--variant", "v3.16", "--seeds", "0..99", "--matrix"}, dir);
    CHECK(r.exit_code == 0);
    CHECK(testutil::contains(r.out, "| ee3d1570b586-mmio-cache-generation | stale-mmio (no "
                                    "expectation) |  |"));
  }
  SUBCASE("shards' reports merge into the whole run; JUnit skips it; --report-dir reports it") {
    for (const char* shard : {"1/2", "2/2"}) {
      r = testutil::kvmsim({"sweep", sc, "--variant", "v3.16", "--shard", shard, "--report",
                      dir.file(std::string("shard") + shard[0] + ".json")},
                     dir);
      CHECK(r.exit_code == 0);
    }
    const std::string xml = dir.file("merged.xml");
    r = testutil::kvmsim({"merge", dir.file("shard1.json"), dir.file("shard2.json"), "--junit", xml},
                   dir);
    CAPTURE(r.out);
    CHECK(r.exit_code == 0);
    CHECK(row_of(r.out, "v3.16") == unjudged);
    const nlohmann::json parsed = parse_junit(xml, dir);
    CHECK(parsed["failures"] == 0);
    CHECK(parsed["suites"][0]["skipped"] == 1);
    CHECK(parsed["suites"][0]["cases"][0].contains("skipped"));

    // A report that gives it a verdict is bad input, naming where.
    nlohmann::json report = nlohmann::json::parse(testutil::read_file(dir.file("shard1.json")));
    report["scenarios"][0]["variants"][0]["ok"] = true;
    testutil::write_file(dir.file("edited.json"), report.dump(1));
    r = testutil::kvmsim({"merge", dir.file("edited.json")}, dir);
    CHECK(r.exit_code == 2);
    CHECK(testutil::contains(r.err, "/scenarios/0/variants/0/ok"));

    r = testutil::kvmsim({"sweep", sc, "--variant", "v3.16", "--seeds", "0..9", "--report-dir",
                    dir.file("html")},
                   dir);
    CHECK(r.exit_code == 0);
    const std::string index = testutil::read_file(dir.file("html/index.html"));
    CHECK(testutil::contains(index, "<td>ee3d1570b586-mmio-cache-generation</td><td>v3.16</td>"));
  }
}

TEST_CASE("README.md shows a sweep of a state the scenario expects nothing of as kvmsim prints "
          "it") {
  testutil::TempDir dir;
  const std::string command = "sweep scenarios/83cdb56864-zap-all-vs-faults.json --variant v3.16";
  const auto r = testutil::run_process({testutil::kvmsim_bin(), "sweep",
                                        "scenarios/83cdb56864-zap-all-vs-faults.json",
                                        "--variant", "v3.16"},
                                       dir, testutil::source_root());
  CHECK(r.exit_code == 0);
  REQUIRE(testutil::contains(r.out, "  -              -   "));
  const std::string readme = testutil::read_file(testutil::source_root() + "/README.md");
  INFO("regenerate the README block with: kvmsim " << command);
  CHECK(testutil::contains(readme, "$ kvmsim " + command + "\n" + r.out + "```"));
}

TEST_CASE("sweep output: --variant of an unknown state, or one the scenario cannot run at, is "
          "bad input") {
  testutil::TempDir dir;
  auto r = testutil::kvmsim({"sweep", testutil::scenario_path(), "--variant", "v9.99"}, dir);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(testutil::contains(r.err, "unknown variant 'v9.99' (known: v3.16, v3.17, "));
  r = testutil::kvmsim({"sweep", testutil::source_root() + "/scenarios/152482580a1b-wrap-zap-before-publish.json",
                  "--variant", "v3.16"},
                 dir);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(testutil::contains(r.err, "152482580a1b-wrap-zap-before-publish.json: the scenario uses "
                                  "address space 1 (SMM), which v3.16 does not have"));
}

// ---------------------------------------------------------------------------
// The progress line
// ---------------------------------------------------------------------------

TEST_CASE("progress line: counts, rate, elapsed and the estimate") {
  // 12345 in 3 s: 4115/s; 87655 left / 4115 = 21.3 s, rounded up to 22.
  CHECK(kvmsim::progress_line(12345, 100000, 7, 3.0) ==
        "  12,345 / 100,000 executions  4.1k/s  elapsed 0:03  left ~0:22  violations 7");
  // 82400 in 2 s: 41.2k/s; 917600 / 41200 = 22.3 s -> 0:23.
  CHECK(kvmsim::progress_line(82400, 1000000, 0, 2.0) ==
        "  82,400 / 1,000,000 executions  41.2k/s  elapsed 0:02  left ~0:23  violations 0");
  // 812/s; 9188 / 812 = 11.3 s -> 0:12; elapsed 1.9 s shows 0:01.
  CHECK(kvmsim::progress_line(1543, 10731, 1234, 1.9) ==
        "  1,543 / 10,731 executions  812/s  elapsed 0:01  left ~0:12  violations 1,234");
  // 3456789/s -> 3.5M/s; 6543211 / 3456789 = 1.9 s -> 0:02.
  CHECK(kvmsim::progress_line(3456789, 10000000, 0, 1.0) ==
        "  3,456,789 / 10,000,000 executions  3.5M/s  elapsed 0:01  left ~0:02  violations 0");
  // 1000/s over 3725 s = 1 h 2 min 5 s, as much again left.
  CHECK(kvmsim::progress_line(3725000, 7450000, 2, 3725.0) ==
        "  3,725,000 / 7,450,000 executions  1.0k/s  elapsed 1:02:05  left ~1:02:05  violations 2");
  // 5 in 2 s: 2.5/s; 995 / 2.5 = 398 s = 6:38.
  CHECK(kvmsim::progress_line(5, 1000, 0, 2.0) ==
        "  5 / 1,000 executions  2.5/s  elapsed 0:02  left ~6:38  violations 0");
  // Nothing measured yet: no rate, no estimate. All done: no estimate.
  CHECK(kvmsim::progress_line(0, 100, 0, 0.0) ==
        "  0 / 100 executions  elapsed 0:00  violations 0");
  CHECK(kvmsim::progress_line(100, 100, 3, 4.0) ==
        "  100 / 100 executions  25/s  elapsed 0:04  violations 3");
}

namespace {

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  for (int c; (c = std::fgetc(f)) != EOF;) s += static_cast<char>(c);
  return s;
}

}  // namespace

TEST_CASE("progress: nothing is written to a file that is not a terminal") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  {
    kvmsim::Progress progress(100, f);
    progress.add(10, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // a redraw is due
    progress.add(90, 0);
    progress.finish();
  }
  CHECK(contents(f).empty());
  std::fclose(f);
}

TEST_CASE("progress: forced drawing from several threads, redrawn in place, ended by finish") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  constexpr int kThreads = 4, kAdds = 500;
  kvmsim::Progress progress(kThreads * kAdds, f, true);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&progress, t] {
      for (int i = 0; i < kAdds; ++i) {
        progress.add(1, t == 0 && i % 100 == 0 ? 1 : 0);  // 5 violations in all
        std::this_thread::sleep_for(std::chrono::microseconds(500));  // 250 ms or more
      }
    });
  }
  for (auto& w : workers) w.join();
  progress.finish();
  progress.add(1, 0);  // after finish: drawn nowhere
  const std::string out = contents(f);
  std::fclose(f);

  // At least one redraw during the 250 ms, and the final one.
  REQUIRE(out.size() > 1);
  CHECK(out.front() == '\r');
  CHECK(out.back() == '\n');
  std::vector<std::string> lines;
  for (size_t at = 0; at < out.size();) {
    const size_t next = out.find('\r', at + 1);
    lines.push_back(out.substr(at + 1, (next == std::string::npos ? out.size() : next) - at - 1));
    at = next == std::string::npos ? out.size() : next;
  }
  CHECK(lines.size() >= 2);
  // 250 ms of work redrawn at most every 100 ms, plus the final line; the
  // bound leaves room for a slow machine stretching the sleeps.
  CHECK(lines.size() <= 2 + 60);
  // Each redraw covers what the one before it left on the line.
  for (size_t i = 1; i < lines.size(); ++i) CHECK(lines[i].size() >= lines[i - 1].size());
  CHECK(lines.back().rfind("  2,000 / 2,000 executions  ", 0) == 0);
  // The final line drops the estimate: spaces cover what is left of it.
  const std::string& last = lines.back();
  const size_t end = last.find("  violations 5");
  REQUIRE(end != std::string::npos);
  CHECK(last.find_first_not_of(' ', end + 14) == last.size() - 1);
  CHECK(lines.back().find("left") == std::string::npos);
}

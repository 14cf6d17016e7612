// SPDX-License-Identifier: GPL-2.0-only
// Sweeps at scale: seed sets and shard arithmetic, merging results (jobs,
// shards, reports) without the result depending on the split, Ctrl-C with a
// partial report and --resume, the determinism check, and GNU parallel.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "model/harness/exploration.hpp"
#include "model/harness/scenario.hpp"
#include "model/harness/simulation.hpp"
#include "model/harness/sweep.hpp"
#include "model/variants/variants.hpp"
#include "sim/strategy/pct_coverage.hpp"
#include "sim/strategy/pct_strategy.hpp"
#include "test_util.hpp"

namespace {

using nlohmann::json;
using testutil::contains;
using testutil::kvmsim;
using testutil::ProcessResult;
using testutil::TempDir;
using testutil::spawn;
using testutil::wait_exit_code;
using Seeds = model::SeedIntervals;

std::string scenarios_dir() { return testutil::source_root() + "/scenarios"; }

// Everything a sweep result says about its seeds (not the determinism check).
json summary(const model::SweepResult& r) {
  json metrics = json::object();
  for (const auto& [name, range] : r.metrics) metrics[name] = {range.min, range.max};
  return {{"variant", r.variant},
          {"executions", r.executions},
          {"violations", r.violations},
          {"metrics", metrics},
          {"first", r.first_failing_seed ? json(*r.first_failing_seed) : json()},
          {"failing", r.failing_seeds},
          {"expected", r.expected},
          {"relations", r.broken_relations},
          {"ok", r.ok},
          {"seeds", r.seeds},
          {"max_steps", r.max_steps},
          {"threads", r.threads},
          {"strategy", r.strategy}};
}

// A sweep report's text with every wall time set to 0, after checking that
// each is a number of seconds: the one member that differs between runs.
std::string without_wall_times(const std::string& path) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(testutil::read_file(path));
  for (auto& scenario : j.at("scenarios"))
    for (auto& row : scenario.at("variants")) {
      CHECK(row.at("wall_seconds").is_number());
      CHECK(row.at("wall_seconds").get<double>() >= 0);
      row["wall_seconds"] = 0.0;
    }
  return j.dump(2) + "\n";
}

const model::Expectation& expectation(const model::Scenario& sc, const std::string& variant) {
  for (const auto& e : sc.expect)
    if (e.variant == variant) return e;
  throw std::runtime_error("no expectation for " + variant);
}

}  // namespace

TEST_CASE("seed intervals: adding joins neighbours and refuses overlaps") {
  Seeds s;
  CHECK(model::add_seeds(s, 10, 19));
  CHECK(model::add_seeds(s, 30, 39));
  CHECK(s == Seeds{{10, 19}, {30, 39}});
  CHECK(model::add_seeds(s, 20, 24));  // touches 10..19
  CHECK(s == Seeds{{10, 24}, {30, 39}});
  CHECK(model::add_seeds(s, 25, 29));  // fills the gap: one interval
  CHECK(s == Seeds{{10, 39}});
  CHECK(model::add_seeds(s, 0, 8));    // 9 missing: stays apart
  CHECK(s == Seeds{{0, 8}, {10, 39}});
  CHECK_FALSE(model::add_seeds(s, 39, 45));  // 39 is there
  CHECK_FALSE(model::add_seeds(s, 5, 5));
  CHECK_FALSE(model::add_seeds(s, 0, 100));
  CHECK(s == Seeds{{0, 8}, {10, 39}});  // unchanged by the refusals
  CHECK(model::add_seeds(s, UINT64_MAX, UINT64_MAX));
  CHECK(model::count_seeds(s) == 9 + 30 + 1);
  CHECK(model::seeds_text(s) == "0..8, 10..39, 18446744073709551615");
  CHECK(model::seeds_text({}) == "none");

  CHECK(model::missing_seeds({{0, 8}, {10, 39}}, 0, 50) == Seeds{{9, 9}, {40, 50}});
  CHECK(model::missing_seeds({{0, 8}, {10, 39}}, 5, 12) == Seeds{{9, 9}});
  CHECK(model::missing_seeds({{0, 8}, {10, 39}}, 20, 30).empty());
  CHECK(model::missing_seeds({}, 3, 7) == Seeds{{3, 7}});
  CHECK(model::missing_seeds({{100, 200}}, 3, 7) == Seeds{{3, 7}});
}

TEST_CASE("shards: contiguous parts of the range, in order, sizes within one") {
  // 10 seeds in 4 shards: shard k starts at floor(10 (k-1) / 4) = 0, 2, 5, 7.
  CHECK(model::shard_seeds(0, 9, 1, 4) == std::pair<uint64_t, uint64_t>{0, 1});
  CHECK(model::shard_seeds(0, 9, 2, 4) == std::pair<uint64_t, uint64_t>{2, 4});
  CHECK(model::shard_seeds(0, 9, 3, 4) == std::pair<uint64_t, uint64_t>{5, 6});
  CHECK(model::shard_seeds(0, 9, 4, 4) == std::pair<uint64_t, uint64_t>{7, 9});
  // More shards than seeds: 2 seeds in 4 shards start at 0, 0, 1, 1, end 2:
  // shards 1 and 3 are empty.
  CHECK_FALSE(model::shard_seeds(5, 6, 1, 4));
  CHECK(model::shard_seeds(5, 6, 2, 4) == std::pair<uint64_t, uint64_t>{5, 5});
  CHECK_FALSE(model::shard_seeds(5, 6, 3, 4));
  CHECK(model::shard_seeds(5, 6, 4, 4) == std::pair<uint64_t, uint64_t>{6, 6});
  // The whole 64-bit range does not overflow: two halves.
  CHECK(model::shard_seeds(0, UINT64_MAX, 2, 2) ==
        std::pair<uint64_t, uint64_t>{uint64_t{1} << 63, UINT64_MAX});
  // Every split covers the range exactly once (checked by adding each part).
  for (const auto& [a, b] : std::vector<std::pair<uint64_t, uint64_t>>{{0, 0}, {3, 103}, {7, 13}})
    for (uint64_t n = 1; n <= 20; ++n) {
      Seeds all;
      uint64_t smallest = UINT64_MAX, largest = 0;
      for (uint64_t k = 1; k <= n; ++k) {
        const auto part = model::shard_seeds(a, b, k, n);
        const uint64_t size = part ? part->second - part->first + 1 : 0;
        smallest = std::min(smallest, size);
        largest = std::max(largest, size);
        if (part) REQUIRE(model::add_seeds(all, part->first, part->second));
      }
      CAPTURE(n);
      CHECK(all == Seeds{{a, b}});
      CHECK(largest - smallest <= 1);
    }
}

TEST_CASE("merge: any split of the seeds, in any order, gives the whole sweep") {
  const model::Scenario sc = model::load_scenario(testutil::scenario_path());
  const model::Expectation& e = expectation(sc, "v3.16");
  model::SweepOptions keep;
  keep.keep_failing_seeds = true;
  const model::SweepResult whole = model::sweep_seeds(sc, e, {{0, 299}}, keep);
  REQUIRE(whole.executions == 300);
  REQUIRE(whole.failing_seeds.size() > 1);  // something to merge
  CHECK(whole.seeds == Seeds{{0, 299}});
  CHECK(whole.threads == sc.threads.size());
  CHECK(whole.strategy == "random");
  CHECK(whole.max_steps > 0);

  const model::SweepResult a = model::sweep_seeds(sc, e, {{0, 99}, {250, 299}}, keep);
  const model::SweepResult b = model::sweep_seeds(sc, e, {{100, 149}}, keep);
  const model::SweepResult c = model::sweep_seeds(sc, e, {{150, 249}}, keep);
  const auto fold = [&](std::vector<const model::SweepResult*> parts) {
    model::SweepResult r = *parts[0];
    for (size_t i = 1; i < parts.size(); ++i) model::merge(r, *parts[i], e);
    return summary(r);
  };
  CHECK(fold({&a, &b, &c}) == summary(whole));
  CHECK(fold({&c, &b, &a}) == summary(whole));
  CHECK(fold({&b, &a, &c}) == summary(whole));
  model::SweepResult bc = b;  // (a + (b + c)) vs ((a + b) + c)
  model::merge(bc, c, e);
  CHECK(fold({&a, &bc}) == summary(whole));
  // The empty result is the identity.
  const model::SweepResult none = model::sweep_seeds(sc, e, {}, keep);
  CHECK(none.executions == 0);
  CHECK(fold({&none, &whole}) == summary(whole));
  CHECK(fold({&whole, &none}) == summary(whole));
  // The same seeds twice is a mistake, not a double count.
  model::SweepResult twice = a;
  CHECK_THROWS_AS(model::merge(twice, a, e), std::invalid_argument);
}

TEST_CASE("a sweep without an expectation finds what one with it finds, and judges nothing") {
  model::Scenario sc = model::load_scenario(testutil::scenario_path());
  const model::SweepResult judged = model::sweep_seeds(sc, expectation(sc, "v3.16"), {{0, 99}}, {});
  REQUIRE(judged.violations.count("stale-mmio"));
  sc.expect.erase(sc.expect.begin());  // v3.16's
  REQUIRE(model::find_expectation(sc, "v3.16") == nullptr);
  const model::Expectation none = model::expectation_for(sc, "v3.16");
  CHECK(none.variant == "v3.16");
  CHECK(none.kinds.empty());
  model::SweepOptions options;
  options.has_expectation = false;
  options.jobs = 2;
  model::SweepResult r = model::sweep_seeds(sc, none, {{0, 49}}, options);
  CHECK_FALSE(r.has_expectation);
  CHECK(r.ok);  // stale-mmio is no failure where nothing was asked
  CHECK(r.expected.empty());
  // A fold with one without is one without, whatever the order.
  model::SweepResult rest = model::sweep_seeds(sc, none, {{50, 99}}, options);
  model::merge(r, rest, none);
  CHECK_FALSE(r.has_expectation);
  CHECK(r.ok);
  CHECK(r.not_seen.empty());
  CHECK(r.violations == judged.violations);
  CHECK(r.first_failing_seed == judged.first_failing_seed);
  CHECK(model::metrics_text(r.metrics) == model::metrics_text(judged.metrics));
  // Judged against the clean expectation it would have failed.
  model::SweepResult as_clean = judged;
  model::judge(as_clean, none);
  CHECK_FALSE(as_clean.ok);
}

TEST_CASE("merge: a metric one part never touched was 0 there") {
  model::Expectation e;
  e.variant = "v3.16";
  model::SweepResult a, b;
  a.executions = 2;
  a.seeds = {{0, 1}};
  a.metrics = {{"zaps", {3, 5}}};
  b.executions = 1;
  b.seeds = {{2, 2}};
  b.metrics = {{"restarts", {7, 7}}};
  model::merge(a, b, e);
  CHECK(a.metrics.at("zaps").min == 0);  // seed 2 had no zaps
  CHECK(a.metrics.at("zaps").max == 5);
  CHECK(a.metrics.at("restarts").min == 0);  // seeds 0 and 1 had none
  CHECK(a.metrics.at("restarts").max == 7);
  CHECK(a.executions == 3);
}

TEST_CASE("--jobs: every number of OS threads gives the same result") {
  const model::Scenario sc = model::load_scenario(testutil::scenario_path());
  for (const auto& e : {expectation(sc, "v3.16"), expectation(sc, "v3.17")}) {
    model::SweepOptions one, three;
    one.keep_failing_seeds = three.keep_failing_seeds = true;
    three.jobs = 3;
    CHECK(summary(model::sweep_seeds(sc, e, {{0, 400}}, one)) ==
          summary(model::sweep_seeds(sc, e, {{0, 400}}, three)));
    // More jobs than seeds.
    three.jobs = 8;
    CHECK(summary(model::sweep_seeds(sc, e, {{5, 7}}, one)) ==
          summary(model::sweep_seeds(sc, e, {{5, 7}}, three)));
  }
  TempDir dir;
  const ProcessResult j1 = kvmsim({"sweep", scenarios_dir(), "--seeds", "0..99"}, dir);
  const ProcessResult j3 = kvmsim({"sweep", scenarios_dir(), "--seeds", "0..99", "-j", "3"}, dir);
  CHECK(j1.exit_code == j3.exit_code);
  CHECK(j1.out == j3.out);
  CHECK(contains(j1.out, "covered at every variant: seeds 0..99 (100 executions, random)"));
}

TEST_CASE("shards merged print exactly what one run prints") {
  TempDir dir;
  struct Case {
    std::vector<std::string> format;
    const char* seeds;
    int shards;
  };
  // Every scenario: 30 seeds in 4 shards of 7 or 8. One scenario: 30 seeds
  // in 40 shards, 10 of them empty.
  for (const Case& c : {Case{{}, "0..29", 4}, Case{{"--json"}, "0..29", 4},
                        Case{{"--matrix"}, "0..29", 4}, Case{{}, "0..29", 40}}) {
    CAPTURE(c.format.size() ? c.format[0] : "text");
    CAPTURE(c.shards);
    const std::string scenarios = c.shards > 4 ? testutil::scenario_path() : scenarios_dir();
    std::vector<std::string> single = {"sweep", scenarios, "--seeds", c.seeds, "--report",
                                       dir.file("single.json")};
    single.insert(single.end(), c.format.begin(), c.format.end());
    const ProcessResult one = kvmsim(single, dir);
    REQUIRE(one.exit_code <= 1);
    std::vector<std::string> merge = {"merge"};
    for (int k = c.shards; k >= 1; --k) {  // merged in reverse: order does not matter
      const std::string report = dir.file("shard" + std::to_string(k) + ".json");
      const ProcessResult r =
          kvmsim({"sweep", scenarios, "--seeds", c.seeds, "--shard",
                  std::to_string(k) + "/" + std::to_string(c.shards), "--report", report},
                 dir);
      REQUIRE(r.exit_code <= 1);
      merge.push_back(report);
    }
    merge.insert(merge.end(), c.format.begin(), c.format.end());
    merge.insert(merge.end(), {"--report", dir.file("merged.json")});
    const ProcessResult merged = kvmsim(merge, dir);
    CHECK(merged.exit_code == one.exit_code);
    CHECK(merged.out == one.out);
    // The merged report is the single run's, byte for byte but for the wall
    // times, which JUnit alone prints.
    CHECK(without_wall_times(dir.file("merged.json")) ==
          without_wall_times(dir.file("single.json")));
    CHECK_FALSE(contains(merged.out, "wall"));
  }
}

TEST_CASE("a shard's report and text say what it covered") {
  TempDir dir;
  const ProcessResult r = kvmsim({"sweep", testutil::scenario_path(), "--seeds", "0..9",
                                  "--variant", "v3.17", "--shard", "2/4", "--report",
                                  dir.file("r.json")},
                                 dir);
  CHECK(r.exit_code == 0);
  // 10 seeds in 4 shards: shard 2 is 2..4 (see the shard arithmetic above).
  CHECK(contains(r.out, "covered at every variant: seeds 2..4 (3 executions, random)"));
  const json j = json::parse(testutil::read_file(dir.file("r.json")));
  CHECK(j.at("shard") == "2/4");
  CHECK(j.at("partial") == false);
  const json& v = j.at("scenarios").at(0).at("variants").at(0);
  CHECK(v.at("covered") == json::array({json::array({2, 4})}));
  CHECK(v.at("executions") == 3);
  CHECK(j.at("scenarios").at(0).at("seeds") == json::array({0, 9}));

  // Merged alone, a shard's report lacks the other shards: a merge is judged
  // against the whole range.
  const ProcessResult alone = kvmsim({"merge", dir.file("r.json")}, dir);
  CHECK(alone.exit_code == 1);
  CHECK(contains(alone.out, "seeds 2..4 (3 executions, random); MISSING: seeds 0..1, 5..9"));
  CHECK(contains(alone.out, "INCOMPLETE: 3 of 10 executions (see MISSING above)"));
  CHECK_FALSE(contains(alone.out, "as expected"));
  SUBCASE("two shards of four cover 0..4, not 5..9") {
    const ProcessResult s1 = kvmsim({"sweep", testutil::scenario_path(), "--seeds", "0..9",
                                     "--variant", "v3.17", "--shard", "1/4", "--report",
                                     dir.file("r1.json")},
                                    dir);
    REQUIRE(s1.exit_code == 0);
    const ProcessResult both = kvmsim({"merge", dir.file("r1.json"), dir.file("r.json")}, dir);
    CHECK(both.exit_code == 1);
    CHECK(contains(both.out, "seeds 0..4 (5 executions, random); MISSING: seeds 5..9"));
    CHECK(contains(both.out, "INCOMPLETE: 5 of 10 executions"));
  }
}

TEST_CASE("merge refuses reports that do not fit, naming the file and JSON path") {
  TempDir dir;
  const std::string sc = testutil::scenario_path();
  const auto sweep = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args = {"sweep", sc, "--seeds", "0..19", "--variant", "v3.17",
                                     "--report", dir.file(name)};
    args.insert(args.end(), extra.begin(), extra.end());
    REQUIRE(kvmsim(args, dir).exit_code == 0);
    return dir.file(name);
  };
  const std::string s1 = sweep("s1.json", {"--shard", "1/2"});
  const std::string s2 = sweep("s2.json", {"--shard", "2/2"});
  REQUIRE(kvmsim({"merge", s1, s2}, dir).exit_code == 0);

  SUBCASE("overlapping seeds") {
    const std::string whole = sweep("whole.json", {});
    const ProcessResult r = kvmsim({"merge", s1, whole}, dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, whole + ": /scenarios/0/variants/0/covered: seeds 0..19"));
  }
  SUBCASE("different strategies") {
    const std::string pct = sweep("pct.json", {"--shard", "2/2", "--strategy", "pct:2:40"});
    const ProcessResult r = kvmsim({"merge", s1, pct}, dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, pct + ": /scenarios/0/strategy: strategy 'pct:2:40', not 'random'"));
  }
  SUBCASE("different seed ranges") {
    const std::string other = dir.file("other.json");
    REQUIRE(kvmsim({"sweep", sc, "--seeds", "0..29", "--variant", "v3.17", "--shard", "2/2",
                    "--report", other},
                   dir)
                .exit_code == 0);
    const ProcessResult r = kvmsim({"merge", s1, other}, dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, other + ": /scenarios/0/seeds: seeds 0..29, not 0..19"));
  }
  SUBCASE("not a report") {
    const ProcessResult r = kvmsim({"merge", s1, sc}, dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, sc + ": /: not a kvmsim sweep report"));
  }
  SUBCASE("a report of another format version") {
    json j = json::parse(testutil::read_file(s2));
    j["version"] = 4;
    const std::string later = dir.file("later.json");
    testutil::write_file(later, j.dump());
    ProcessResult r = kvmsim({"merge", s1, later}, dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, later + ": /version: format version 4 is not the one this kvmsim "
                                  "reads (3)"));
    // Version 1 named itself with a member of its own.
    j.erase("format");
    j.erase("version");
    j["kvmsim_sweep_report"] = 1;
    const std::string old = dir.file("old.json");
    testutil::write_file(old, j.dump());
    r = kvmsim({"merge", s1, old}, dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, old + ": /: a sweep report of format version 1"));
  }
  SUBCASE("a report edited out of shape") {
    json j = json::parse(testutil::read_file(s2));
    j["scenarios"][0]["variants"][0]["executions"] = 11;  // covers 10..19: 10 seeds
    const std::string bad = dir.file("bad.json");
    testutil::write_file(bad, j.dump());
    const ProcessResult r = kvmsim({"merge", s1, bad}, dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, bad + ": /scenarios/0/variants/0/executions: does not match"));
  }
}

using testutil::spawn;
using testutil::wait_exit_code;

TEST_CASE("Ctrl-C: a partial report, exit 130, and --resume finishes it as if never stopped") {
  TempDir dir;
  // About 2 s of v3.16 executions on one core here (10 under the
  // sanitizers): still running when stopped after 150 ms on a machine a few
  // times faster, short enough to be run whole twice.
  const std::vector<std::string> sweep = {testutil::kvmsim_bin(), "sweep",
                                          testutil::scenario_path(), "--variant", "v3.16",
                                          "--seeds", "0..400000", "--jobs", "2"};
  std::vector<std::string> stopped = sweep;
  stopped.insert(stopped.end(), {"--report", dir.file("partial.json")});
  const pid_t pid = spawn(stopped, dir.file("partial.out"), dir.file("partial.err"));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  REQUIRE(kill(pid, SIGINT) == 0);
  REQUIRE(wait_exit_code(pid) == 130);
  const std::string out = testutil::read_file(dir.file("partial.out"));
  CAPTURE(out);
  CHECK(contains(out, "INTERRUPTED: partial report ("));
  CHECK(contains(out, " of 400001 executions)"));
  const json partial = json::parse(testutil::read_file(dir.file("partial.json")));
  CHECK(partial.at("partial") == true);
  const json& row = partial.at("scenarios").at(0).at("variants").at(0);
  const uint64_t ran = row.at("executions");
  CHECK(ran > 0);
  CHECK(ran < 400001);
  // Two jobs, each stopped inside its half of the seeds: the first started at 0.
  CHECK(row.at("covered").at(0).at(0) == 0);

  std::vector<std::string> resumed = sweep;
  resumed.insert(resumed.end(),
                 {"--resume", dir.file("partial.json"), "--report", dir.file("resumed.json")});
  const ProcessResult r = testutil::run_process(resumed, dir);
  CHECK(r.exit_code == 0);
  std::vector<std::string> whole = sweep;
  whole.insert(whole.end(), {"--report", dir.file("whole.json")});
  const ProcessResult w = testutil::run_process(whole, dir);
  CHECK(w.exit_code == 0);
  CHECK(r.out == w.out);
  CHECK(without_wall_times(dir.file("resumed.json")) ==
        without_wall_times(dir.file("whole.json")));
  CHECK(json::parse(testutil::read_file(dir.file("whole.json"))).at("partial") == false);

  // A report of another sweep does not resume.
  const ProcessResult bad = kvmsim({"sweep", testutil::scenario_path(), "--variant", "v3.16",
                                    "--seeds", "0..99", "--resume", dir.file("partial.json")},
                                   dir);
  CHECK(bad.exit_code == 2);
  CHECK(contains(bad.err, dir.file("partial.json") + ": /scenarios/0/seeds"));
}

TEST_CASE("--check-determinism: every seed runs the same way twice") {
  TempDir dir;
  for (const char* scenario :
       {"scenarios/ee3d1570b586-mmio-cache-generation.json", "scenarios/83cdb56864-zap-restarts.json"}) {
    const std::string path = testutil::source_root() + "/" + scenario;
    const ProcessResult r =
        kvmsim({"sweep", path, "--seeds", "0..49", "--check-determinism", "-j", "2"}, dir);
    CAPTURE(r.out);
    CHECK(r.exit_code == 0);
    CHECK_FALSE(contains(r.out, "NONDETERMINISTIC"));
    // The check changes nothing of what the sweep reports, and ends saying
    // what it checked: the 50 seeds at every variant the scenario expects.
    const uint64_t variants = model::load_scenario(path).expect.size();
    const ProcessResult plain = kvmsim({"sweep", path, "--seeds", "0..49"}, dir);
    CHECK(r.out ==
          plain.out + fmt::format("determinism: {} seeds run twice, 0 mismatches\n", 50 * variants));
    const json j = json::parse(
        kvmsim({"sweep", path, "--seeds", "0..49", "--check-determinism", "--json"}, dir).out);
    for (const json& v : j.at("scenarios").at(0).at("variants")) {
      CHECK(v.at("determinism").at("seeds_run_twice") == 50);
      CHECK(v.at("determinism").at("mismatches") == 0);
      CHECK(v.at("determinism").at("first_mismatch_seed").is_null());
    }
  }
}

// The hash the check compares is computed as the execution runs, without
// keeping events: on the real model it is the recorded trace's hash.
TEST_CASE("the streamed trace hash is the recorded trace's hash, on every scenario") {
  uint64_t compared = 0;
  for (const auto& e : testutil::fs::directory_iterator(scenarios_dir())) {
    if (e.path().extension() != ".json" || e.path().filename() == "schema.json") continue;
    const model::Scenario sc = model::load_scenario(e.path().string());
    for (const model::Expectation& x : sc.expect) {
      CAPTURE(e.path().string());
      CAPTURE(x.variant);
      const model::Variant& v = model::find_variant(x.variant);
      const auto a = model::make_scenario_strategy(sc, v, sc.exploration.strategy);
      const auto b = model::make_scenario_strategy(sc, v, sc.exploration.strategy);
      model::Simulation recorded(sc, v, *a, true);
      model::Simulation streamed(sc, v, *b, true, /*hash_only=*/true);
      for (uint64_t seed = 0; seed < 3; ++seed) {
        recorded.run(seed);
        streamed.run(seed);
        CHECK(streamed.execution().events().empty());
        CHECK(streamed.execution().trace_hash() == recorded.trace(seed, "").hash());
        ++compared;
      }
    }
  }
  CHECK(compared > 0);
}

// The time="..." attributes of JUnit XML, in order.
std::vector<std::string> junit_times(const std::string& xml) {
  std::vector<std::string> times;
  for (size_t at = xml.find(" time=\""); at != std::string::npos; at = xml.find(" time=\"", at + 1)) {
    const size_t begin = at + 7;
    times.push_back(xml.substr(begin, xml.find('"', begin) - begin));
  }
  return times;
}

// The XML with every time attribute 0.
std::string without_times(const std::string& xml) {
  return std::regex_replace(xml, std::regex(R"( time="[^"]*")"), R"( time="0")");
}

TEST_CASE("--junit: the merge writes what the single run writes, with the shards' times summed") {
  TempDir dir;
  const std::string sc = testutil::scenario_path();
  REQUIRE(kvmsim({"sweep", sc, "--seeds", "0..99", "--junit", dir.file("one.xml")}, dir)
              .exit_code == 0);
  for (const char* k : {"1", "2"})
    REQUIRE(kvmsim({"sweep", sc, "--seeds", "0..99", "--shard", std::string(k) + "/2",
                    "--report", dir.file(std::string(k) + ".json")},
                   dir)
                .exit_code <= 1);
  REQUIRE(kvmsim({"merge", dir.file("1.json"), dir.file("2.json"), "--junit",
                  dir.file("merged.xml"), "--report", dir.file("merged.json")},
                 dir)
              .exit_code == 0);
  const std::string xml = testutil::read_file(dir.file("one.xml"));
  CHECK(contains(xml, "v3.16"));
  CHECK(without_times(xml) == without_times(testutil::read_file(dir.file("merged.xml"))));

  // Each case's time is the sum of its variant's wall time in the shards,
  // which the merged report carries; a suite's is the sum of its cases'.
  const json one = json::parse(testutil::read_file(dir.file("1.json")));
  const json two = json::parse(testutil::read_file(dir.file("2.json")));
  const json merged = json::parse(testutil::read_file(dir.file("merged.json")));
  const json& rows1 = one.at("scenarios").at(0).at("variants");
  const json& rows2 = two.at("scenarios").at(0).at("variants");
  const json& rows = merged.at("scenarios").at(0).at("variants");
  std::vector<std::string> want_cases;
  double suite = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const double sum = rows1.at(i).at("wall_seconds").get<double>() +
                       rows2.at(i).at("wall_seconds").get<double>();
    CHECK(rows1.at(i).at("wall_seconds").get<double>() > 0);  // a sweep takes some time
    CHECK(rows.at(i).at("wall_seconds").get<double>() == sum);
    want_cases.push_back(fmt::format("{:.3f}", sum));
    suite += sum;
  }
  const std::vector<std::string> times = junit_times(testutil::read_file(dir.file("merged.xml")));
  REQUIRE(times.size() == 2 + rows.size());  // testsuites, the one testsuite, its cases
  CHECK(times[0] == fmt::format("{:.3f}", suite));
  CHECK(times[1] == fmt::format("{:.3f}", suite));
  CHECK(std::vector<std::string>(times.begin() + 2, times.end()) == want_cases);
}

TEST_CASE("GNU parallel over 4 shards, merged: byte-identical to one run") {
  TempDir dir;
  REQUIRE_MESSAGE(testutil::run_process({"/bin/sh", "-c", "command -v parallel"}, dir).exit_code ==
                      0,
                  "GNU parallel is not installed (tools/install-deps.sh installs it)");
  const std::string all = scenarios_dir();
  const ProcessResult one = kvmsim({"sweep", all, "--seeds", "0..59"}, dir);
  const ProcessResult par = testutil::run_process(
      {"/usr/bin/env", "KVMSIM=" + testutil::kvmsim_bin(),
       testutil::source_root() + "/tools/cluster/parallel-sweep.sh", "4", dir.file("out"), all,
       "--seeds", "0..59"},
      dir);
  CAPTURE(par.err);
  CHECK(par.exit_code == one.exit_code);
  CHECK(par.out == one.out);
  for (const char* k : {"1", "2", "3", "4"})
    CHECK(testutil::fs::exists(dir.file("out/shard-" + std::string(k) + ".json")));
  CHECK(testutil::fs::exists(dir.file("out/merged.json")));
}

TEST_CASE("a PCT sweep states its guarantee from the threads, K and executions") {
  const model::Scenario sc = model::load_scenario(testutil::scenario_path());
  const model::Variant& v = model::find_variant("v3.16");
  // Independently of the sweep: the calibrated strategy, and the longest of
  // its executions over the seeds the sweep runs.
  const auto pct = model::make_scenario_strategy(sc, v, "pct:2");
  const auto spec = sim::parse_pct_spec(pct->name());
  REQUIRE(spec);
  REQUIRE(spec->steps);
  model::Simulation simulation(sc, v, *pct, false);
  uint64_t longest = 0;
  for (uint64_t seed = 0; seed <= 99; ++seed) longest = std::max(longest, simulation.run(seed).steps);
  const std::string expected =
      sim::describe(sim::pct_coverage(2, static_cast<uint32_t>(sc.threads.size()), *spec->steps,
                                      longest, 100));
  TempDir dir;
  const ProcessResult r = kvmsim({"sweep", testutil::scenario_path(), "--seeds", "0..99",
                                  "--variant", "v3.16", "--strategy", "pct:2"},
                                 dir);
  CAPTURE(r.out);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, fmt::format("seeds 0..99 (100 executions, {})", pct->name())));
  CHECK(contains(r.out, expected));
  CHECK(contains(r.out, "n=3 threads"));
}

TEST_CASE("the README's first sweep is what kvmsim prints") {
  TempDir dir;
  const ProcessResult r = testutil::run_process(
      {testutil::kvmsim_bin(), "sweep", testutil::kScenarioRel}, dir, testutil::source_root());
  CHECK(r.exit_code == 0);
  const std::string readme = testutil::read_file(testutil::source_root() + "/README.md");
  CHECK(contains(readme, std::string("$ kvmsim sweep ") + testutil::kScenarioRel + "\n" + r.out +
                             "```"));
}

// The deterministic outputs pasted in the README's section on exploring
// (explore's own output carries a wall time, so it is checked in
// test_explore instead).
TEST_CASE("the README's exploring section shows what kvmsim prints") {
  TempDir dir;
  const std::string readme = testutil::read_file(testutil::source_root() + "/README.md");
  const std::string min = dir.file("min.json");
  const std::vector<std::pair<std::vector<std::string>, std::string>> commands = {
      {{"sweep", testutil::kScenarioRel, "--strategy", "pct:3", "--variant", "v3.16"}, ""},
      {{"minimize", testutil::kTraceRel, "-o", min}, "min.json"},
      {{"bisect", "scenarios/e1359e2beb8b-stale-mmio-spte-after-wrap.json"}, ""},
  };
  for (const auto& [args, shown_output] : commands) {
    const ProcessResult r = kvmsim(args, dir, testutil::source_root());
    std::string out = r.out;
    // The README names the output file as a user would type it.
    if (!shown_output.empty())
      for (size_t at; (at = out.find(min)) != std::string::npos;)
        out.replace(at, min.size(), shown_output);
    INFO("regenerate the README block for: kvmsim " << args[0]);
    CHECK(contains(readme, out));
  }
}

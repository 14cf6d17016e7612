// SPDX-License-Identifier: GPL-2.0-only
// What reports keep and say: a merge judged against the whole seed range,
// the determinism check carried by the sweep report through merge and
// --resume, the report directory and its index through --resume, the HTML
// report's reproducer, run's focused timeline, and explore's checkpoints.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "test_util.hpp"

namespace {

using nlohmann::json;
using testutil::contains;
using testutil::kvmsim;
using testutil::ProcessResult;
using testutil::TempDir;

// Sweeps seeds 0..9 of the MMIO scenario at v3.17 with --check-determinism
// into `report`, with `extra` options.
void sweep_checked(const TempDir& dir, const std::string& report, std::vector<std::string> extra) {
  std::vector<std::string> args = {"sweep", testutil::scenario_path(), "--seeds", "0..9",
                                   "--variant", "v3.17", "--check-determinism", "--report", report};
  args.insert(args.end(), extra.begin(), extra.end());
  const ProcessResult r = kvmsim(args, dir);
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("a determinism mismatch is kept by the report through merge and --resume") {
  TempDir dir;
  const std::string s1 = dir.file("s1.json"), s2 = dir.file("s2.json");
  sweep_checked(dir, s1, {"--shard", "1/2"});
  sweep_checked(dir, s2, {"--shard", "2/2"});
  json j = json::parse(testutil::read_file(s1));
  json& d = j["scenarios"][0]["variants"][0]["determinism"];
  REQUIRE(d.at("seeds_run_twice") == 5);
  REQUIRE(d.at("first_mismatch").is_null());
  // Real scenarios run the same way twice: a mismatch found before, as
  // the check would have written it.
  const std::string parting =
      "first difference at event 7 (step 5):\n  first run: a\n  second run: b\n";
  d["mismatches"] = 1;
  d["first_mismatch_seed"] = 3;
  d["first_mismatch"] = {{"first_hash", "aa"}, {"second_hash", "bb"}, {"parting", parting}};
  const std::string found = dir.file("found.json");
  testutil::write_file(found, j.dump(1));
  const std::string nondeterministic =
      "NONDETERMINISTIC: v3.17 seed 3 ran two different ways (1 seed(s) in all)\n" + parting;

  SUBCASE("merge") {
    const ProcessResult r =
        kvmsim({"merge", found, s2, "--report", dir.file("merged.json")}, dir);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, nondeterministic));
    CHECK(contains(r.out, "determinism: 10 seeds run twice, 1 mismatch (NONDETERMINISTIC above)"));
    CHECK(contains(r.out, "FAILED: ee3d1570b586-mmio-cache-generation at v3.17"));
    const json merged = json::parse(testutil::read_file(dir.file("merged.json")));
    const json& m = merged["scenarios"][0]["variants"][0]["determinism"];
    CHECK(m.at("first_mismatch_seed") == 3);
    CHECK(m.at("first_mismatch").at("parting") == parting);
    const json out = json::parse(kvmsim({"merge", found, s2, "--json"}, dir).out);
    CHECK(out["scenarios"][0]["variants"][0]["determinism"]["first_mismatch_seed"] == 3);
  }
  SUBCASE("--resume of an interrupted sweep") {
    // As an interrupted unsharded sweep leaves it: seeds 0..4 of 0..9.
    j["shard"] = nullptr;
    j["partial"] = true;
    testutil::write_file(found, j.dump(1));
    const std::string resumed = dir.file("resumed.json");
    const ProcessResult r =
        kvmsim({"sweep", testutil::scenario_path(), "--seeds", "0..9", "--variant", "v3.17",
                "--check-determinism", "--resume", found, "--report", resumed},
               dir);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, nondeterministic));
    CHECK(contains(r.out, "determinism: 10 seeds run twice, 1 mismatch (NONDETERMINISTIC above)"));
    const json after = json::parse(testutil::read_file(resumed));
    CHECK(after["partial"] == false);
    CHECK(after["scenarios"][0]["variants"][0]["determinism"]["first_mismatch"]["first_hash"] ==
          "aa");
  }
  SUBCASE("a mismatch without where its runs part is bad input") {
    d["first_mismatch"] = nullptr;
    testutil::write_file(found, j.dump(1));
    const ProcessResult r = kvmsim({"merge", found, s2}, dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, found + ": /scenarios/0/variants/0/determinism/first_mismatch: is null "
                                  "exactly when \"mismatches\" is 0"));
  }
}

TEST_CASE("an HTML report reproduces a searched-for trace by its replay, a PCT one by run") {
  TempDir dir;
  SUBCASE("minimized: the replay of the minimized trace, no run of the original seed") {
    const std::string min = dir.file("min.json");
    REQUIRE(kvmsim({"minimize", testutil::trace_path(), "-o", min}, dir).exit_code == 0);
    const ProcessResult r = kvmsim({"render", min, "--format", "html"}, dir);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.out, "<h2>Reproduce</h2>\n<pre>kvmsim replay " + min + "\n"));
    CHECK(contains(r.out, "-o trace.perfetto.json</pre>"));
    CHECK_FALSE(contains(r.out, "kvmsim run"));
  }
  SUBCASE("a sweep under PCT: the report's trace and run line are PCT's") {
    const std::string rd = dir.file("rd");
    const ProcessResult r =
        kvmsim({"sweep", testutil::scenario_path(), "--variant", "v3.16", "--seeds", "0..20",
                "--strategy", "pct:3", "--report-dir", rd},
               dir);
    REQUIRE(r.exit_code == 0);
    // pct:3 calibrates K = 38 on this scenario; seed 11 is its first failure.
    REQUIRE(contains(r.out, "--variant v3.16 --seed 11 --strategy pct:3:38"));
    const std::string stem = rd + "/ee3d1570b586-mmio-cache-generation-v3.16-1";
    const json trace = json::parse(testutil::read_file(stem + ".json"));
    CHECK(trace.at("strategy") == "pct:3:38");
    CHECK(trace.at("seed") == 11);
    CHECK(trace.at("verdict").at("kind") == "stale-mmio");
    CHECK(contains(testutil::read_file(stem + ".html"),
                   "--variant v3.16 --seed 11 --strategy pct:3:38</pre>"));
  }
}

TEST_CASE("run focuses a failing timeline as render does; --full shows every step") {
  TempDir dir;
  const std::string guest_mode =
      testutil::source_root() + "/scenarios/982ed0de4753-pfncache-guest-mode.json";
  const std::vector<std::string> step_bound = {"run", guest_mode, "--variant",
                                               "pfncache-982ed0de4753", "--seed", "0"};
  const auto lines = [](const std::string& text) {
    return std::count(text.begin(), text.end(), '\n');
  };
  const std::string said =
      "focused on the steps that matter to the verdict (\"...\": steps left out); --full shows "
      "every step\n";
  const ProcessResult focused = kvmsim(step_bound, dir);
  CHECK(focused.exit_code == 1);
  CHECK(contains(focused.out, "verdict: VIOLATION step-bound at step 20000 in vcpu0"));
  CHECK(contains(focused.out, said));
  CHECK(contains(focused.out, "| (19 steps left out)\n"));
  CHECK(lines(focused.out) < 300);
  std::vector<std::string> args = step_bound;
  args.push_back("--focus");
  CHECK(kvmsim(args, dir).out == focused.out);
  args.back() = "--full";
  const ProcessResult full = kvmsim(args, dir);
  CHECK(full.exit_code == 1);
  CHECK_FALSE(contains(full.out, said));
  CHECK_FALSE(contains(full.out, "left out"));
  CHECK(lines(full.out) > 40000);
  // The timeline of the render of the same trace, focused the same way.
  args.insert(args.end(), {"--trace", dir.file("t.json")});
  args.erase(std::find(args.begin(), args.end(), "--full"));
  const ProcessResult written = kvmsim(args, dir);
  const ProcessResult render = kvmsim({"render", dir.file("t.json")}, dir);
  CHECK(contains(written.out, "\n\n" + render.out));
  // A clean run has nothing to focus on.
  const ProcessResult clean = kvmsim(
      {"run", testutil::scenario_path(), "--variant", "v3.17", "--seed", "0"}, dir);
  CHECK(clean.exit_code == 0);
  CHECK_FALSE(contains(clean.out, "focused"));
  CHECK(kvmsim({"run", testutil::scenario_path(), "--variant", "v3.17", "--seed", "0", "--focus",
                "--full"},
               dir)
            .exit_code == 2);
}

TEST_CASE("--report-dir with --resume keeps what the earlier runs found") {
  TempDir dir;
  // Six signatures over six states in 0..199; v4.19's first seed (26) is in
  // the half the resumed run covers.
  const std::string sc =
      testutil::source_root() + "/scenarios/152482580a1b-wrap-zap-before-publish.json";
  const auto sweep = [&](const std::string& rd, std::vector<std::string> extra) {
    std::vector<std::string> args = {"sweep", sc, "--seeds", "0..199", "--report-dir", rd};
    args.insert(args.end(), extra.begin(), extra.end());
    const ProcessResult r = kvmsim(args, dir);
    REQUIRE(r.exit_code == 0);
  };
  const std::string whole = dir.file("whole"), rd = dir.file("rd");
  sweep(whole, {});
  const json all = json::parse(testutil::read_file(whole + "/index.json"));
  REQUIRE(all.at("format") == "kvmsim-report-dir");
  REQUIRE(all.at("signatures").size() == 6);
  REQUIRE(all.at("signatures").at(0).at("first_seed") == 26);

  // Seeds 100..199, then the merge of that alone: a report of the sweep
  // without seeds 0..99, which --resume completes.
  sweep(rd, {"--shard", "2/2", "--report", dir.file("s2.json")});
  REQUIRE(kvmsim({"merge", dir.file("s2.json"), "--report", dir.file("m.json")}, dir).exit_code ==
          1);
  sweep(rd, {"--resume", dir.file("m.json"), "--report", dir.file("r.json")});
  CHECK(testutil::read_file(rd + "/index.json") == testutil::read_file(whole + "/index.json"));
  const std::string v419 = "/152482580a1b-wrap-zap-before-publish-v4.19-1.json";
  CHECK(testutil::read_file(rd + v419) == testutil::read_file(whole + v419));
  const std::string html = testutil::read_file(rd + "/index.html");
  CHECK(contains(html, "<p>6 signature(s)."));

  SUBCASE("resuming a complete report leaves the index as it was") {
    sweep(rd, {"--resume", dir.file("r.json")});
    CHECK(testutil::read_file(rd + "/index.json") == testutil::read_file(whole + "/index.json"));
    CHECK(testutil::read_file(rd + "/index.html") == html);
  }
  SUBCASE("an index that is not kvmsim's is bad input") {
    testutil::write_file(rd + "/index.json", R"({"format": "kvmsim-report-dir", "version": 1})");
    const ProcessResult r = kvmsim({"sweep", sc, "--seeds", "0..199", "--report-dir", rd,
                                    "--resume", dir.file("r.json")},
                                   dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, rd + "/index.json: /: missing required member \"signatures\""));
  }
}

namespace {

// The lines of explore's text that say what the search covered.
std::string totals(const std::string& out) {
  std::string kept;
  for (const char* start : {"no violation in all ", "covered: ", "re-executed: "}) {
    const size_t at = out.find(start);
    if (at == std::string::npos) return "(no '" + std::string(start) + "' line)";
    kept += out.substr(at, out.find('\n', at) - at + 1);
  }
  return kept;
}

}  // namespace

TEST_CASE("explore: Ctrl-C writes a checkpoint, and --resume ends as the search never stopped") {
  TempDir dir;
  // Levels 0 to 6, about 2 s on one core here: under way after 0.5 s.
  const std::vector<std::string> explore = {
      testutil::kvmsim_bin(), "explore",
      testutil::source_root() + "/scenarios/982ed0de4753-pfncache-concurrent-refresh.json",
      "--variant", "v6.1", "-k", "7"};
  const ProcessResult whole = testutil::run_process(explore, dir);
  REQUIRE(whole.exit_code == 0);
  CHECK(contains(totals(whole.out), "no violation in all 1260 schedules"));

  const std::string cp = dir.file("cp.json");
  std::vector<std::string> stopped = explore;
  stopped.insert(stopped.end(), {"--checkpoint", cp});
  const pid_t pid = testutil::spawn(stopped, dir.file("stopped.out"), dir.file("stopped.err"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(kill(pid, SIGINT) == 0);
  REQUIRE(testutil::wait_exit_code(pid) == 130);
  const std::string out = testutil::read_file(dir.file("stopped.out"));
  CAPTURE(out);
  CHECK(contains(out, "INTERRUPTED: stopped after "));
  CHECK(contains(out, " so far\n"));
  CHECK(contains(out, "checkpoint written to " + cp + ": go on with --resume " + cp));
  const json c = json::parse(testutil::read_file(cp));
  CHECK(c.at("format") == "kvmsim-explore-checkpoint");
  CHECK(c.at("preemption_bound") == 7);
  REQUIRE(c.at("stopped_in").is_object());
  const size_t level = c.at("completed_levels").size();

  std::vector<std::string> resumed = explore;
  resumed.insert(resumed.end(), {"--resume", cp});
  const ProcessResult r = testutil::run_process(resumed, dir);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, fmt::format("resumed from {} at level {} (", cp, level)));
  CHECK(contains(r.out, fmt::format(" of level {} run again\n", level)));
  CHECK(totals(r.out) == totals(whole.out));

  SUBCASE("a checkpoint of another search does not resume it") {
    std::vector<std::string> other = resumed;
    other[std::find(other.begin(), other.end(), "7") - other.begin()] = "6";
    const ProcessResult bad = testutil::run_process(other, dir);
    CHECK(bad.exit_code == 2);
    CHECK(contains(bad.err, cp + ": /preemption_bound: 7, not -k 6 as this search"));
  }
}

TEST_CASE("explore --checkpoint: the levels a finished search completed resume to the same end") {
  TempDir dir;
  const std::vector<std::string> explore = {
      "explore", testutil::scenario_path(), "--variant", "v3.16", "-k", "3", "--checkpoint",
      dir.file("cp.json")};
  // v3.16 fails at one preemption: the checkpoint holds level 0.
  const ProcessResult first = kvmsim(explore, dir);
  REQUIRE(first.exit_code == 1);
  const json c = json::parse(testutil::read_file(dir.file("cp.json")));
  CHECK(c.at("completed_levels").size() == 1);
  CHECK(c.at("stopped_in").is_null());
  std::vector<std::string> resumed = explore;
  resumed.insert(resumed.end(), {"--resume", dir.file("cp.json")});
  const ProcessResult again = kvmsim(resumed, dir);
  CHECK(again.exit_code == 1);
  CHECK(contains(again.out, "resumed from " + dir.file("cp.json") + " at level 1 ("));
  for (const char* line : {"verdict: ", "covered: ", "re-executed: ", "preemptions: ", "schedule: "}) {
    const size_t a = first.out.find(line), b = again.out.find(line);
    REQUIRE(a != std::string::npos);
    REQUIRE(b != std::string::npos);
    CHECK(first.out.substr(a, first.out.find('\n', a) - a) ==
          again.out.substr(b, again.out.find('\n', b) - b));
  }
}

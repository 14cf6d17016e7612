// SPDX-License-Identifier: GPL-2.0-only
// Input that used to crash kvmsim, hang it or exhaust memory, run through
// the real binary: each is refused with exit status 2 and a message naming
// the file (and the JSON path where there is one). Malformed inputs are
// written to a temporary directory.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_util.hpp"

using nlohmann::json;
using testutil::contains;
using testutil::kvmsim;
using testutil::ProcessResult;

namespace {

// Refused as bad input, with `message` in the error, and nothing run.
void check_refused(const std::vector<std::string>& args, const std::string& message,
                   const testutil::TempDir& dir) {
  const ProcessResult r = kvmsim(args, dir);
  CAPTURE(r.err);
  CHECK(r.signal == 0);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "kvmsim: error: " + message));
}

std::string scenario_text() { return testutil::read_file(testutil::scenario_path()); }

// `text` with `insert` placed right after the first occurrence of `after`.
std::string inserted(const std::string& text, const std::string& after, const std::string& insert) {
  const size_t at = text.find(after);
  REQUIRE(at != std::string::npos);
  return text.substr(0, at + after.size()) + insert + text.substr(at + after.size());
}

// `text` with the first (or, from the end, the last) `from` replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to,
                     bool last = false) {
  const size_t at = last ? text.rfind(from) : text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string write(const testutil::TempDir& dir, const std::string& name, const std::string& text) {
  testutil::write_file(dir.file(name), text);
  return dir.file(name);
}

// A sweep report of the shipped scenario, written by kvmsim.
std::string sweep_report(const testutil::TempDir& dir) {
  const std::string path = dir.file("report.json");
  const ProcessResult r = kvmsim({"sweep", testutil::scenario_path(), "--seeds", "0..3",
                                  "--report", path}, dir);
  REQUIRE(r.exit_code == 0);
  return testutil::read_file(path);
}

const std::string kVariantsFile = R"({"format": "kvmsim-variants", "version": 1, "variants": [)"
                                  R"({"name": "mine", "base": "v3.16", "features": {}}]})";

}  // namespace

TEST_CASE("JSON nested 100,000 deep is refused while it is read, in every input") {
  testutil::TempDir dir;
  const std::string deep = nested(100000);
  const std::string limit = "nested deeper than 64 levels, the most kvmsim reads";
  // In a member the scenario reads, and in one it does not know.
  for (const char* member : {"\"description\": ", "\"title\": "}) {
    CAPTURE(member);
    const std::string text = scenario_text();
    const size_t at = text.find(member) + std::string(member).size();
    const size_t end = text.find("\",", at) + 1;
    const std::string path = write(dir, "s.json", text.substr(0, at) + deep + text.substr(end));
    const std::string name = std::string(member).substr(1, std::string(member).find('"', 1) - 1);
    check_refused({"run", path, "--variant", "v3.16", "--seed", "1"},
                  path + ": /" + name + "/0/0/0", dir);
    CHECK(contains(kvmsim({"sweep", path}, dir).err, limit));
  }
  const std::string unknown = write(dir, "u.json", inserted(scenario_text(), "{", "\"x\": " + deep + ","));
  check_refused({"sweep", unknown}, unknown + ": /x/0/0/0/0", dir);
  CHECK(contains(kvmsim({"sweep", unknown}, dir).err, limit));
  // 64 levels are read (and the member is then refused as unknown).
  const std::string ok = write(dir, "ok.json", inserted(scenario_text(), "{", "\"x\": " + nested(63) + ","));
  check_refused({"sweep", ok}, ok + ": /x: unknown member", dir);

  const std::string trace = write(dir, "t.json", inserted(testutil::read_file(testutil::trace_path()),
                                                         "{", "\"x\": " + deep + ","));
  check_refused({"replay", trace}, trace + ": /x/0/0", dir);
  const std::string report = write(dir, "r.json", inserted(sweep_report(dir), "{", "\"x\": " + deep + ","));
  check_refused({"merge", report}, report + ": /x/0/0", dir);
  const std::string variants = write(dir, "v.json", inserted(kVariantsFile, "\"features\": {", "\"x\": " + deep));
  check_refused({"variants", "--variants-file", variants}, variants + ": /variants/0/features/x/0/0", dir);
  CHECK(contains(kvmsim({"variants", "--variants-file", variants}, dir).err, limit));
}

TEST_CASE("only regular files are read, up to a size limit named in the error") {
  testutil::TempDir dir;
  const std::vector<std::string> run = {"run", "--variant", "v3.16", "--seed", "1"};
  auto run_on = [&](const std::string& path) {
    std::vector<std::string> args = run;
    args.insert(args.begin() + 1, path);
    return args;
  };
  check_refused(run_on("/dev/zero"), "/dev/zero: a character device, not a regular file", dir);
  check_refused(run_on(dir.path()), dir.path() + ": a directory, not a regular file", dir);
  REQUIRE(mkfifo(dir.file("fifo").c_str(), 0600) == 0);  // would block, waiting for a writer
  check_refused(run_on(dir.file("fifo")), dir.file("fifo") + ": a FIFO, not a regular file", dir);
  check_refused({"replay", dir.file("fifo")}, dir.file("fifo") + ": a FIFO", dir);
  check_refused(run_on(dir.file("missing.json")),
                dir.file("missing.json") + ": cannot open file (No such file or directory)", dir);

  // Sparse: the size is refused before anything is read.
  const std::string big = write(dir, "big.json", "");
  REQUIRE(truncate(big.c_str(), (4 << 20) + 1) == 0);
  check_refused(run_on(big), big + ": larger than 4 MiB, the most kvmsim reads as a scenario", dir);
  check_refused({"variants", "--variants-file", big},
                big + ": larger than 4 MiB, the most kvmsim reads as a variants file", dir);
  REQUIRE(truncate(big.c_str(), (256 << 20) + 1) == 0);
  check_refused({"merge", big}, big + ": larger than 256 MiB, the most kvmsim reads as a sweep report",
                dir);
  REQUIRE(truncate(big.c_str(), (int64_t{1} << 30) + 1) == 0);
  check_refused({"replay", big}, big + ": larger than 1024 MiB, the most kvmsim reads as a trace", dir);
  // A scenario just under the limit is read (and refused for what it says).
  const std::string text = scenario_text();
  const std::string padded = write(dir, "padded.json",
      inserted(text, "{", "\"x\": \"" + std::string((4 << 20) - text.size() - 10, 'a') + "\","));
  REQUIRE(testutil::read_file(padded).size() <= (4 << 20));
  check_refused(run_on(padded), padded + ": /x: unknown member", dir);
}

// Found by the scenario fuzz target (tools/fuzz/corpus/scenario/
// crash-number-overflow-uncaught): the parser's out_of_range escaped as exit 3
// with no file named.
TEST_CASE("a number no double holds is bad input naming the file") {
  testutil::TempDir dir;
  const std::string huge = write(dir, "huge.json", R"({"name": 1e999})");
  check_refused({"run", huge, "--variant", "v3.16", "--seed", "1"}, huge + ": a number out of range",
                dir);
  const std::string variants = write(dir, "v.json", R"({"format": "kvmsim-variants", "version": 1e999})");
  check_refused({"variants", "--variants-file", variants}, variants + ": a number out of range", dir);
}

TEST_CASE("a member named twice in one object is refused, in every input") {
  testutil::TempDir dir;
  const std::string twice = "member given twice in one object";
  const std::string top = write(dir, "top.json", inserted(scenario_text(), "{", "\"name\": \"other\","));
  check_refused({"run", top, "--variant", "v3.16", "--seed", "1"}, top + ": /name: " + twice, dir);
  const std::string thread = write(dir, "thread.json",
                                   inserted(scenario_text(), "\"threads\": [\n    {", "\"cpu\": 5, \"cpu\": 6,"));
  check_refused({"sweep", thread}, thread + ": /threads/0/cpu: " + twice, dir);
  // Pointers escape '~' and '/' in keys, and count array elements.
  const std::string escaped = write(dir, "escaped.json", R"({"a": [1, {"b": 2}, [], {"c~/": 2, "c~/": 3}]})");
  check_refused({"sweep", escaped}, escaped + ": /a/3/c~0~1: " + twice, dir);
  // The same key in different objects is fine.
  const std::string distinct = write(dir, "distinct.json", R"({"a": {"k": 1}, "b": {"k": 1}, "c": [{"k": 1}, {"k": 2}]})");
  const ProcessResult r = kvmsim({"sweep", distinct}, dir);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, distinct + ": /a: unknown member"));

  const std::string trace = write(dir, "t.json", inserted(testutil::read_file(testutil::trace_path()),
                                                         "{", "\"seed\": 7,"));
  check_refused({"replay", trace}, trace + ": /seed: " + twice, dir);
  const std::string report = write(dir, "r.json", inserted(sweep_report(dir), "{", "\"partial\": true,"));
  check_refused({"merge", report}, report + ": /partial: " + twice, dir);
  const std::string variants = write(dir, "v.json", inserted(kVariantsFile, "{", "\"version\": 1,"));
  check_refused({"variants", "--variants-file", variants}, variants + ": /version: " + twice, dir);
}

TEST_CASE("numbers are checked before they are narrowed: a thread's CPU, a page level") {
  testutil::TempDir dir;
  const std::string huge = "18446744073709551615";
  const std::string cpu = write(dir, "cpu.json", replaced(scenario_text(), "\"cpu\": 0", "\"cpu\": " + huge));
  check_refused({"run", cpu, "--variant", "v3.16", "--seed", "1"},
                cpu + ": /threads/0/cpu: must be below 4096", dir);
  const std::string cpu4096 = write(dir, "cpu4096.json", replaced(scenario_text(), "\"cpu\": 0", "\"cpu\": 4096"));
  check_refused({"run", cpu4096, "--variant", "v3.16", "--seed", "1"},
                cpu4096 + ": /threads/0/cpu: must be below 4096", dir);
  // The trace's own threads come last (the scenario it embeds has them too).
  const std::string trace = write(dir, "t.json", replaced(testutil::read_file(testutil::trace_path()),
                                                         "\"cpu\": 2", "\"cpu\": " + huge, true));
  check_refused({"render", trace}, trace + ": /threads/2/cpu: must be below 4096", dir);

  // 2^32 + 1 was level 1 once cut to 32 bits.
  const std::string faults = testutil::source_root() + "/scenarios/83cdb56864-zap-all-vs-faults.json";
  const std::string level = write(dir, "level.json", inserted(testutil::read_file(faults),
                                                             "\"gfn\": 8192,", "\"level\": 4294967297,"));
  check_refused({"sweep", level}, level + ": /threads/0/program/0/level: level is 1 (4K page table) to 5", dir);
  const std::string shadow = testutil::source_root() + "/scenarios/83cdb56864-zap-restarts.json";
  const std::string page = write(dir, "page.json", replaced(testutil::read_file(shadow), "\"level\": 4",
                                                            "\"level\": 4294967300"));
  check_refused({"sweep", page}, page + ": /vm/shadow_pages/0/level: level is 1 (4K page table) to 5", dir);
}

TEST_CASE("absurd sizes are refused before anything runs: step_bound, seed ranges") {
  testutil::TempDir dir;
  const std::string over = write(dir, "over.json", replaced(scenario_text(), "\"step_bound\": 2000",
                                                            "\"step_bound\": 10000001"));
  check_refused({"sweep", over}, over + ": /exploration/step_bound: must be between 1 and 10000000", dir);
  // The largest is accepted (the execution ends long before it).
  const std::string most = write(dir, "most.json", replaced(scenario_text(), "\"step_bound\": 2000",
                                                            "\"step_bound\": 10000000"));
  const ProcessResult clean = kvmsim({"run", most, "--variant", "v3.16", "--seed", "1"}, dir);
  CHECK(clean.exit_code == 0);
  CHECK(contains(clean.out, "verdict: clean"));

  // 2^64 seeds: their count wrapped to 0 and nothing ran.
  check_refused({"sweep", testutil::scenario_path(), "--seeds", "0..18446744073709551615"},
                "--seeds: seed range '0..18446744073709551615' has more than 2^63 seeds, more than "
                "any sweep can run", dir);
  check_refused({"sweep", testutil::scenario_path(), "--seeds", "1..9223372036854775809"},
                "--seeds: seed range '1..9223372036854775809' has more than 2^63 seeds", dir);
  // 2^63 seeds are a range (the test below runs it).
  const std::string range = write(dir, "range.json", replaced(scenario_text(), "\"seeds\": \"0..999\"",
                                                              "\"seeds\": \"5..18446744073709551615\""));
  check_refused({"sweep", range}, range + ": /exploration/seeds: seed range '5..18446744073709551615' has "
                                          "more than 2^63 seeds", dir);
}

TEST_CASE("--jobs splits 2^63 seeds without overlap (stopped by Ctrl-C)") {
  testutil::TempDir dir;
  // Chunk j of 3 starts at 2^63 * j / 3; in 64 bits the product wrapped and
  // the chunks overlapped ("swept twice").
  const pid_t pid = testutil::spawn(
      {testutil::kvmsim_bin(), "sweep", testutil::scenario_path(), "--variant", "v3.16", "--seeds",
       "0..9223372036854775807", "--jobs", "3", "--json"},
      dir.file("out"), dir.file("err"));
  // The signal waits, blocked, until kvmsim handles it, so the wait only has
  // to outlast its start-up for every job to have run a seed. Without
  // --report the seeds are one piece, split among the jobs.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  REQUIRE(kill(pid, SIGINT) == 0);
  struct {
    int exit_code;
    std::string out, err;
  } r{testutil::wait_exit_code(pid), testutil::read_file(dir.file("out")),
      testutil::read_file(dir.file("err"))};
  CAPTURE(r.err);
  REQUIRE(r.exit_code == 130);
  REQUIRE(contains(r.err, "INTERRUPTED: partial report"));
  const json covered = json::parse(r.out)
                           .at("scenarios").at(0).at("variants").at(0).at("coverage").at("covered");
  REQUIRE(covered.size() == 3);
  CHECK(covered[0][0] == 0);
  CHECK(covered[1][0] == uint64_t{3074457345618258602});
  CHECK(covered[2][0] == uint64_t{6148914691236517205});
}

TEST_CASE("an empty shard has nothing to judge: exit 0, and its report merges") {
  testutil::TempDir dir;
  // Shards 3 and 4 of 2 seeds hold none; the metric bounds of an expectation
  // failed on their 0 executions ("OK NO", exit 1).
  std::vector<std::string> reports;
  for (const char* k : {"1", "2", "3", "4"}) {
    CAPTURE(k);
    const std::string report = dir.file(std::string("shard") + k + ".json");
    const ProcessResult r = kvmsim({"sweep", testutil::scenario_path(), "--variant", "v3.16", "--seeds",
                                    "0..1", "--shard", std::string(k) + "/4", "--report", report},
                                   dir);
    CHECK(r.exit_code == 0);
    if (std::string(k) == "3")
      CHECK(contains(r.out, "covered at every variant: seeds none (0 executions, random)"));
    reports.push_back(report);
  }
  std::vector<std::string> merge = {"merge"};
  merge.insert(merge.end(), reports.begin(), reports.end());
  const ProcessResult m = kvmsim(merge, dir);
  CHECK(m.exit_code == 0);
  CHECK(contains(m.out, "covered at every variant: seeds 0..1 (2 executions, random)"));
}

TEST_CASE("a scenario's PCT depth too deep for it names the file and /exploration/strategy") {
  testutil::TempDir dir;
  const std::string pct = write(dir, "pct.json", replaced(scenario_text(), "\"strategy\": \"random\"",
                                                          "\"strategy\": \"pct:1000000\""));
  const std::string why = "strategy 'pct:1000000': ee3d1570b586-mmio-cache-generation at v3.16 takes ";
  check_refused({"sweep", pct, "--variant", "v3.16", "--seeds", "0..1"},
                pct + ": /exploration/strategy: " + why, dir);
  check_refused({"run", pct, "--variant", "v3.16", "--seed", "1"},
                pct + ": /exploration/strategy: " + why, dir);
  // Given with --strategy, it is the option's.
  check_refused({"sweep", testutil::scenario_path(), "--variant", "v3.16", "--seeds", "0..1",
                 "--strategy", "pct:1000000"},
                why, dir);
}

TEST_CASE("absurd sizes: host mappings at the end of the address space, --param grids") {
  testutil::TempDir dir;
  const std::string refresh = testutil::source_root() + "/scenarios/982ed0de4753-pfncache-concurrent-refresh.json";
  const std::string top = write(dir, "top.json", replaced(testutil::read_file(refresh), "\"hva\": \"0x7f0000000000\"",
                                                          "\"hva\": \"0xfffffffffffff000\""));
  check_refused({"sweep", top}, top + ": /vm/host_mappings/0: the mapping must lie in the user address space", dir);

  auto list = [](int n) {
    std::string s;
    for (int i = 1; i <= n; ++i) {
      if (i > 1) s += ',';
      s += std::to_string(i);
    }
    return s;
  };
  const std::string faults = testutil::source_root() + "/scenarios/83cdb56864-zap-all-vs-faults.json";
  check_refused({"sweep", faults, "--param", "faults=" + list(101), "--param", "pages=" + list(100)},
                "--param: 10100 combinations of values, more than the 10000 a sweep runs", dir);
}

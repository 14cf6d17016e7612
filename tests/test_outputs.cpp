// SPDX-License-Identifier: GPL-2.0-only
// Nothing lost: outputs written whole or not at all, output paths checked
// before any work, stdout's failures reported, and interrupted or killed
// sweeps that keep what they ran.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/file_output.hpp"
#include "sim/runtime/execution.hpp"
#include "sim/strategy/random_strategy.hpp"
#include "test_util.hpp"
#include "tools/kvmsim/interrupt.hpp"

namespace {

namespace fs = std::filesystem;
using testutil::contains;
using testutil::ProcessResult;
using testutil::TempDir;

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The executions a sweep report holds for its first scenario and variant.
uint64_t json_executions(const std::string& report) {
  return nlohmann::json::parse(testutil::read_file(report))
      .at("scenarios").at(0).at("variants").at(0).at("executions");
}

bool is_char_device(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

}  // namespace

TEST_CASE("write_file_atomically: concurrent writers of one path never mix their texts") {
  TempDir dir;
  const std::string out = dir.file("out.txt");
  // Large enough that one write takes many system calls' worth of time.
  const std::string a(1 << 20, 'a'), b(1 << 19, 'b');
  std::thread other([&] {
    for (int i = 0; i < 200; ++i) sim::write_file_atomically(out, b);
  });
  for (int i = 0; i < 200; ++i) {
    sim::write_file_atomically(out, a);
    const std::string now = testutil::read_file(out);
    REQUIRE((now == a || now == b));
  }
  other.join();
  CHECK(names_in(dir.path()) == std::vector<std::string>{"out.txt"});
}

TEST_CASE("write_file_atomically: a file named like a temporary is not touched") {
  TempDir dir;
  testutil::write_file(dir.file("out.txt.tmp"), "someone else's\n");
  sim::write_file_atomically(dir.file("out.txt"), "new\n");
  CHECK(testutil::read_file(dir.file("out.txt")) == "new\n");
  CHECK(testutil::read_file(dir.file("out.txt.tmp")) == "someone else's\n");
}

TEST_CASE("write_file_atomically: a failure names the path and the reason, and leaves nothing") {
  TempDir dir;
  fs::create_directory(dir.file("sub"));
  CHECK_THROWS_WITH_AS(sim::write_file_atomically(dir.file("sub"), "x"),
                       (dir.file("sub") + ": cannot write: Is a directory").c_str(),
                       sim::OutputError);
  CHECK_THROWS_WITH_AS(sim::write_file_atomically(dir.file("none/out.txt"), "x"),
                       (dir.file("none/out.txt") + ": cannot write: No such file or directory").c_str(),
                       sim::OutputError);
  CHECK(names_in(dir.path()) == std::vector<std::string>{"sub"});
  CHECK(names_in(dir.file("sub")).empty());
}

TEST_CASE("write_file_atomically: a device is written in place, not replaced by a file") {
  sim::write_file_atomically("/dev/null", "gone\n");
  CHECK(is_char_device("/dev/null"));
  CHECK_THROWS_WITH_AS(sim::write_file_atomically("/dev/full", "x"),
                       "/dev/full: cannot write: No space left on device", sim::OutputError);
  CHECK(is_char_device("/dev/full"));
}

TEST_CASE("write_file_atomically: through a symbolic link, the file it names is replaced") {
  TempDir dir;
  testutil::write_file(dir.file("real.txt"), "old\n");
  fs::create_symlink("real.txt", dir.file("link.txt"));
  sim::write_file_atomically(dir.file("link.txt"), "new\n");
  CHECK(fs::is_symlink(dir.file("link.txt")));
  CHECK(testutil::read_file(dir.file("real.txt")) == "new\n");
}

TEST_CASE("render -o /dev/full: exit 3 with the reason, and the device stays a device") {
  TempDir dir;
  const ProcessResult r = testutil::kvmsim({"render", testutil::trace_path(), "-o", "/dev/full"}, dir);
  CHECK(r.exit_code == 3);
  CHECK(r.err == "kvmsim: error: /dev/full: cannot write: No space left on device\n");
  CHECK(is_char_device("/dev/full"));
}

TEST_CASE("stdout that cannot be written: exit 3 and a message, whatever the command") {
  TempDir dir;
  // Through the shell, for the redirection.
  for (const std::string& command : std::vector<std::string>{
           "render " + testutil::trace_path(), "variants", "help", "--version"}) {
    CAPTURE(command);
    const ProcessResult r = testutil::run_process(
        {"/bin/sh", "-c", "exec \"$0\" " + command + " > /dev/full", testutil::kvmsim_bin()}, dir);
    CHECK(r.exit_code == 3);
    // Once, whether fmt or the check at exit found it (std::cout's own
    // flush does not keep errno: its failure is a "write error").
    const bool said = r.err == "kvmsim: error: standard output: No space left on device\n" ||
                      r.err == "kvmsim: error: standard output: write error\n";
    CHECK_MESSAGE(said, r.err);
  }
}

TEST_CASE("an output that cannot be written: exit 3 naming the option, before any work") {
  TempDir dir;
  const std::string scenario = testutil::scenario_path();
  const std::string missing = dir.file("none/out.json");
  // A sweep that would run for minutes: refused at once, nothing written.
  const std::vector<std::string> sweep = {"sweep", scenario, "--seeds", "0..100000000"};
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"--report", missing}, "--report: " + missing + ": cannot write: No such file or directory"},
      {{"--junit", dir.path()}, "--junit: " + dir.path() + ": cannot write: Is a directory"},
      {{"--report-dir", scenario + "/html"},
       "--report-dir: " + scenario + "/html: cannot write: Not a directory"},
      {{"--traces", scenario}, "--traces: " + scenario + ": cannot write: Not a directory"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = sweep;
    args.insert(args.end(), c.args.begin(), c.args.end());
    const ProcessResult r = testutil::kvmsim(args, dir);
    CAPTURE(c.args.front());
    CHECK(r.exit_code == 3);
    CHECK(r.err == "kvmsim: error: " + c.err + "\n");
    CHECK(r.out.empty());
  }
  const ProcessResult run = testutil::kvmsim({"run", scenario, "--variant", "v3.16", "--seed", "1",
                                    "--trace", missing}, dir);
  CHECK(run.exit_code == 3);
  CHECK(run.err == "kvmsim: error: --trace: " + missing + ": cannot write: No such file or directory\n");
  CHECK(run.out.empty());
  const ProcessResult min = testutil::kvmsim({"minimize", testutil::trace_path(), "-o", missing}, dir);
  CHECK(min.exit_code == 3);
  CHECK(min.out.empty());
  const ProcessResult x = testutil::kvmsim({"explore", scenario, "--variant", "v3.16", "--trace", missing}, dir);
  CHECK(x.exit_code == 3);
  CHECK(x.out.empty());
}

TEST_CASE("an output that is an input: exit 2, and the input is intact") {
  TempDir dir;
  const std::string scenario = dir.file("s.json");
  const std::string text = testutil::read_file(testutil::scenario_path());
  testutil::write_file(scenario, text);
  const std::string trace = dir.file("t.json");
  testutil::write_file(trace, testutil::read_file(testutil::trace_path()));
  // Another name of the same file: identity, not spelling.
  fs::create_symlink("s.json", dir.file("alias.json"));
  const std::string alias = dir.file("alias.json");
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"sweep", scenario, "--seeds", "0..9", "--report", alias},
       "--report: " + alias + ": is the input " + scenario},
      {{"sweep", dir.path(), "--seeds", "0..9", "--junit", scenario},
       // A scenario the directory holds (under either of its names).
       "--junit: " + scenario + ": is the input " + dir.path() + "/"},
      {{"run", scenario, "--variant", "v3.16", "--seed", "1", "--trace", scenario},
       "--trace: " + scenario + ": is the input " + scenario},
      {{"explore", scenario, "--variant", "v3.16", "--trace", alias},
       "--trace: " + alias + ": is the input " + scenario},
      {{"render", trace, "-o", trace}, "-o: " + trace + ": is the input " + trace},
      {{"minimize", trace, "-o", trace}, "-o: " + trace + ": is the input " + trace},
      {{"sweep", scenario, "--seeds", "0..9", "--report", dir.file("r.json"), "--junit",
        dir.path() + "/./r.json"},
       "--junit: " + dir.path() + "/./r.json: is also the output of --report"},
  };
  for (const Case& c : cases) {
    const ProcessResult r = testutil::kvmsim(c.args, dir);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "kvmsim: error: " + c.err));
  }
  CHECK(testutil::read_file(scenario) == text);
  CHECK(testutil::read_file(trace) == testutil::read_file(testutil::trace_path()));
}

TEST_CASE("sweep --resume R --report R: the report is updated in place") {
  TempDir dir;
  const std::string report = dir.file("r.json");
  const std::vector<std::string> sweep = {"sweep", testutil::scenario_path(), "--variant", "v3.16",
                                          "--seeds", "0..99"};
  std::vector<std::string> first = sweep;
  first.insert(first.end(), {"--shard", "1/1", "--report", report});
  // A finished report resumes to itself: nothing left to run.
  REQUIRE(testutil::kvmsim(first, dir).exit_code == 0);
  std::vector<std::string> again = first;
  again.insert(again.end(), {"--resume", report});
  const ProcessResult r = testutil::kvmsim(again, dir);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(json_executions(report) == 100);
}

TEST_CASE("signals: a second one kills, except while outputs are written") {
  // In a child: the handler is the process's.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    kvmsim::catch_interrupt();
    raise(SIGINT);
    raise(SIGINT);  // kills
    _exit(0);
  }
  CHECK(testutil::wait_exit_code(child) == -SIGINT);

  kvmsim::catch_interrupt();
  CHECK_FALSE(kvmsim::interrupted().load());
  raise(SIGTERM);  // handled like SIGINT
  CHECK(kvmsim::interrupted().load());
  CHECK(kvmsim::interrupted_exit() == 128 + SIGTERM);
  {
    const kvmsim::HoldInterrupts writing;
    raise(SIGINT);  // would kill this test
    raise(SIGTERM);
  }
  CHECK(kvmsim::interrupted_exit() == 128 + SIGTERM);  // the first one's
}

TEST_CASE("SIGTERM stops a sweep as Ctrl-C does: its partial report, exit 143") {
  TempDir dir;
  const std::string report = dir.file("partial.json");
  const pid_t pid = testutil::spawn(
      {testutil::kvmsim_bin(), "sweep", testutil::scenario_path(), "--variant", "v3.16", "--seeds",
       "0..100000000", "--report", report, "--checkpoint-interval", "0"},
      dir.file("out"), dir.file("err"));
  // Its first checkpoint: the handler is installed by then.
  int status = 0;
  while (!fs::exists(report)) {
    REQUIRE_MESSAGE(waitpid(pid, &status, WNOHANG) == 0, "the sweep ended before a checkpoint");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE(kill(pid, SIGTERM) == 0);
  CHECK(testutil::wait_exit_code(pid) == 143);
  CHECK(contains(testutil::read_file(dir.file("out")), "INTERRUPTED: partial report ("));
  CHECK(nlohmann::json::parse(testutil::read_file(report)).at("partial") == true);
  const uint64_t ran = json_executions(report);
  CHECK(ran > 0);
  CHECK(ran < 100000001);
}

TEST_CASE("an execution stops within 1024 decisions of its stop flag, without a verdict") {
  sim::RandomStrategy strategy;
  std::atomic<bool> stop{false};
  sim::ExecutionOptions options{1000000, false};
  options.stop = &stop;
  sim::Execution exec(strategy, options);
  uint64_t stop_at = 5000;  // the point at which the spinner sets the flag; 0: never
  exec.spawn("spinner", 0, [&] {
    for (uint64_t n = 1;; ++n) {
      if (n == stop_at) stop = true;
      sim::Execution::current().point({});
    }
  });
  const sim::Outcome out = exec.run(1);
  CHECK(out.interrupted);
  CHECK_FALSE(out.violation);
  // Set at decision 5000: seen at the next multiple of 1024.
  CHECK(out.steps == 5120);

  // Never set: the step bound stays exact between two looks at the flag.
  stop = false;
  stop_at = 0;
  sim::ExecutionOptions bounded{3000, false};
  bounded.stop = &stop;
  sim::Execution again(strategy, bounded);
  again.spawn("spinner", 0, [] {
    for (;;) sim::Execution::current().point({});
  });
  const sim::Outcome end = again.run(1);
  CHECK_FALSE(end.interrupted);
  REQUIRE(end.violation);
  CHECK(end.violation->kind == "step-bound");
  CHECK(end.steps == 3000);
}

TEST_CASE("a sweep killed after a checkpoint resumes from it to the uninterrupted result") {
  TempDir dir;
  const std::string report = dir.file("r.json");
  const std::vector<std::string> sweep = {testutil::kvmsim_bin(), "sweep", testutil::scenario_path(),
                                          "--variant", "v3.16", "--seeds", "0..400000", "--jobs",
                                          "2", "--json"};
  std::vector<std::string> killed = sweep;
  killed.insert(killed.end(), {"--report", report, "--checkpoint-interval", "0"});
  const pid_t pid = testutil::spawn(killed, dir.file("out"), dir.file("err"));
  // The first checkpoint: after the first 2 x 16384 seeds, of 400001.
  int status = 0;
  while (!fs::exists(report)) {
    REQUIRE_MESSAGE(waitpid(pid, &status, WNOHANG) == 0, "the sweep ended before a checkpoint");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE(kill(pid, SIGKILL) == 0);
  CHECK(testutil::wait_exit_code(pid) == -SIGKILL);
  CHECK(nlohmann::json::parse(testutil::read_file(report)).at("partial") == true);
  const uint64_t ran = json_executions(report);
  CHECK(ran >= 2 * 16384);
  CHECK(ran < 400001);

  std::vector<std::string> resumed = sweep;
  resumed.insert(resumed.end(), {"--resume", report, "--report", report});
  const ProcessResult r = testutil::run_process(resumed, dir);
  CHECK(r.exit_code == 0);
  CHECK(nlohmann::json::parse(testutil::read_file(report)).at("partial") == false);
  CHECK(json_executions(report) == 400001);
  const ProcessResult whole = testutil::run_process(sweep, dir);
  CHECK(whole.exit_code == 0);
  CHECK(r.out == whole.out);
}

// SPDX-License-Identifier: GPL-2.0-only
// Replay across model changes: a replay follows the recorded labels (format 2)
// and stops trusting the recording at the first decision whose thread is not
// runnable or goes on with another operation; `kvmsim replay` names that
// decision with both sides and can finish the execution under another
// strategy (--continue). Format-1 traces (no labels) replay by index only.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/harness/scenario.hpp"
#include "model/harness/simulation.hpp"
#include "model/variants/variants.hpp"
#include "sim/json_input.hpp"
#include "sim/strategy/random_strategy.hpp"
#include "sim/strategy/replay_strategy.hpp"
#include "sim/sync/shared.hpp"
#include "sim/trace/trace.hpp"
#include "test_util.hpp"

// Counts heap allocations, to check that following a recording allocates
// nothing at a decision. The replacements pair operator new with malloc and
// operator delete with free; g++ 12 inlines them into callers and then
// warns that free() gets a pointer from operator new, which is the point.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
static std::atomic<uint64_t> g_allocations{0};

void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using nlohmann::json;
using sim::Divergence;
using sim::StepLabel;
using sim::ThreadId;
using testutil::contains;
using testutil::kvmsim;
using testutil::ProcessResult;

namespace {

const std::string kTool = "kvmsim test";

struct Replayed {
  sim::Trace trace;
  std::optional<Divergence> divergence;
};

// What `kvmsim replay` does, in process: the trace's scenario and variant
// under a replay of its schedule and labels at the trace's seed.
Replayed replay(const sim::Trace& t, const std::vector<StepLabel>& labels,
                sim::Strategy* continuation = nullptr) {
  const model::Scenario scenario = model::parse_scenario(t.scenario, "trace");
  sim::ReplayStrategy strategy(t.schedule, labels, continuation);
  model::Simulation simulation(scenario, model::find_variant(t.variant), strategy, true);
  simulation.run(t.seed);
  return {simulation.trace(t.seed, kTool), strategy.divergence()};
}

// How the command prints an operation.
std::string operation(const StepLabel& l) {
  return l.object.empty() ? l.function : l.function + " on " + l.object;
}

std::vector<StepLabel> step_labels(const std::vector<sim::Label>& labels) {
  std::vector<StepLabel> out;
  for (const sim::Label& l : labels) out.push_back({l.function, l.object ? *l.object : ""});
  return out;
}

// A stored trace with the function of decision i renamed, as if the model
// function had been renamed since the recording; written with a valid hash.
struct Edited {
  sim::Trace original;
  size_t decision = 0;
  std::string path;
};

Edited rename_function(const std::string& trace, const testutil::TempDir& dir,
                       const std::string& name) {
  Edited e{sim::read_trace(trace), 0, dir.file(name)};
  REQUIRE(e.original.labels.size() == e.original.schedule.size());
  REQUIRE(e.original.schedule.size() > 4);
  e.decision = e.original.schedule.size() / 2;
  sim::Trace t = e.original;
  t.labels[e.decision].function = "renamed_" + t.labels[e.decision].function;
  sim::write_trace(t, e.path);  // recomputes the hash
  return e;
}

}  // namespace

TEST_CASE("replay strategy: follows matching labels without allocating; names each divergence") {
  sim::Object a("a"), b("b");
  const std::vector<sim::Label> next = {sim::Label(&a, "f", sim::Access::read),
                                        sim::Label(&b, "g", sim::Access::write)};
  const std::vector<ThreadId> both = {0, 1};
  const std::vector<ThreadId> only_1 = {1};
  sim::ReplayStrategy r({0, 1, 0, 0}, {{"f", "a"}, {"g", "b"}, {"f", "a"}, {"f", "a"}});
  r.begin_execution(7);
  const uint64_t before = g_allocations.load();
  const ThreadId p0 = r.pick(sim::Decision{both, 0, false, next, 0});
  const ThreadId p1 = r.pick(sim::Decision{both, 1, false, next, 1});
  const ThreadId p2 = r.pick(sim::Decision{both, 0, false, next, 2});
  const uint64_t after = g_allocations.load();
  CHECK(after == before);
  CHECK(p0 == 0);
  CHECK(p1 == 1);
  CHECK(p2 == 0);
  CHECK_FALSE(r.divergence());

  SUBCASE("the recorded thread is not runnable") {
    CHECK(r.pick(sim::Decision{only_1, sim::kNoThread, false, next, 3}) == 1);
    REQUIRE(r.divergence());
    CHECK(r.divergence()->decision == 3);
    CHECK(r.divergence()->thread == 0);
    CHECK(r.divergence()->recorded == StepLabel{"f", "a"});
    CHECK(r.divergence()->found == Divergence::Found::not_runnable);
  }
  SUBCASE("the recorded thread goes on with another operation") {
    const std::vector<sim::Label> changed = {sim::Label(&b, "f", sim::Access::read), next[1]};
    CHECK(r.pick(sim::Decision{both, 0, false, changed, 3}) == 0);
    REQUIRE(r.divergence());
    CHECK(r.divergence()->decision == 3);
    CHECK(r.divergence()->found == Divergence::Found::other_operation);
    CHECK(r.divergence()->now == StepLabel{"f", "b"});
  }
  SUBCASE("the schedule runs out") {
    CHECK(r.pick(sim::Decision{both, 0, false, next, 3}) == 0);
    CHECK_FALSE(r.divergence());
    CHECK(r.pick(sim::Decision{only_1, 1, false, next, 4}) == 1);
    REQUIRE(r.divergence());
    CHECK(r.divergence()->decision == 4);
    CHECK(r.divergence()->thread == sim::kNoThread);
    CHECK(r.divergence()->found == Divergence::Found::schedule_ran_out);
  }
  // A new execution forgets the divergence.
  r.begin_execution(7);
  CHECK_FALSE(r.divergence());
}

TEST_CASE("replay: a function renamed in a stored trace diverges at exactly that decision") {
  testutil::TempDir dir;
  const auto traces = testutil::stored_traces();
  REQUIRE(traces.size() >= 1);
  for (const std::string& path : traces) {
    CAPTURE(path);
    const Edited e = rename_function(path, dir, "renamed.json");
    const sim::Trace edited = sim::read_trace(e.path);
    const size_t i = e.decision;
    const StepLabel& original = e.original.labels[i];
    const std::string thread = e.original.threads.at(e.original.schedule[i]).name;

    // In process: the divergence and both sides.
    const Replayed r = replay(edited, edited.labels);
    REQUIRE(r.divergence);
    CHECK(r.divergence->decision == i);
    CHECK(r.divergence->thread == e.original.schedule[i]);
    CHECK(r.divergence->recorded == edited.labels[i]);
    CHECK(r.divergence->found == Divergence::Found::other_operation);
    CHECK(r.divergence->now == original);  // the unedited recording is what the model does
    // Every decision before it followed the recording.
    REQUIRE(r.trace.schedule.size() >= i);
    CHECK(std::equal(e.original.schedule.begin(), e.original.schedule.begin() + i,
                     r.trace.schedule.begin()));
    CHECK(std::equal(e.original.labels.begin(), e.original.labels.begin() + i,
                     r.trace.labels.begin()));

    // The command: both sides named, exit 1.
    const ProcessResult cli = kvmsim({"replay", e.path}, dir);
    CAPTURE(cli.out);
    CHECK(cli.exit_code == 1);
    CHECK(contains(cli.out, "replay MISMATCH: DIVERGED at decision " + std::to_string(i) +
                                " (step " + std::to_string(i + 1) +
                                " of the recorded timeline):\n"));
    CHECK(contains(cli.out, "  recorded:  " + thread + " next: " +
                                operation(edited.labels[i]) + "\n"));
    CHECK(contains(cli.out, "  model now: " + thread + " next: " + operation(original) + "\n"));
    CHECK(contains(cli.out, "  the " + std::to_string(i) +
                                " decisions before it followed their labels\n"));
    CHECK_FALSE(contains(cli.out, "replay matches the recording"));
  }
}

namespace {

// A toy model: A reads x and writes y, B reads y and writes x. "Changed", A
// first stores to z, which nothing else touches. B reports a violation if it
// saw A's write of y.
struct Toy {
  sim::Outcome outcome;
  std::vector<ThreadId> schedule;
  std::vector<StepLabel> labels;
  bool b_saw_write = false;
};

constexpr ThreadId kA = 0;

Toy run_toy(sim::Strategy& strategy, bool changed, uint64_t seed) {
  Toy toy;
  sim::Shared<int> x("x"), y("y"), z("z");
  sim::Execution ex(strategy, sim::ExecutionOptions{1000, true});
  ex.spawn("A", 0, [&] {
    if (changed) z.store(1, "a_extra");
    x.load("a_read");
    y.store(1, "a_write");
  });
  ex.spawn("B", 1, [&] {
    toy.b_saw_write = y.load("b_read") == 1;
    x.store(1, "b_write");
    if (toy.b_saw_write) sim::fail("toy:saw-write", "B read y after A wrote it");
  });
  toy.outcome = ex.run(seed);
  toy.schedule = ex.schedule();
  toy.labels = step_labels(ex.labels());
  return toy;
}

// Sees every decision it is handed, and runs them at random.
class Spy final : public sim::Strategy {
 public:
  void begin_execution(uint64_t seed) override {
    seeds.push_back(seed);
    random_.begin_execution(seed);
  }
  ThreadId pick(const sim::Decision& d) override {
    indices.push_back(d.index);
    return random_.pick(d);
  }
  std::string name() const override { return "spy"; }

  std::vector<uint64_t> seeds;
  std::vector<uint64_t> indices;

 private:
  sim::RandomStrategy random_;
};

}  // namespace

TEST_CASE("replay: a toy model that gained a store diverges at A's first recorded operation") {
  std::set<uint64_t> divergences;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    CAPTURE(seed);
    sim::RandomStrategy random;
    const Toy recorded = run_toy(random, false, seed);
    // The unchanged toy: 1 first decision + 4 accesses + 1 when the first
    // thread to finish hands over = 6 decisions, or fewer if B failed.
    if (!recorded.outcome.violation) CHECK(recorded.schedule.size() == 6);
    // The changed A offers its new store where the recording has A's read of
    // x: the first time the recording picks A for "a_read". B's operations
    // do not depend on z, so every decision before that one still fits.
    size_t expected = 0;
    while (expected < recorded.labels.size() &&
           !(recorded.schedule[expected] == kA && recorded.labels[expected].function == "a_read"))
      ++expected;
    REQUIRE(expected < recorded.labels.size());
    divergences.insert(expected);

    // Without a continuation the first runnable thread finishes it.
    sim::ReplayStrategy plain(recorded.schedule, recorded.labels);
    const Toy finished = run_toy(plain, true, seed);
    REQUIRE(plain.divergence());
    CHECK(plain.divergence()->decision == expected);
    CHECK(plain.divergence()->thread == kA);
    CHECK(plain.divergence()->recorded == StepLabel{"a_read", "x"});
    CHECK(plain.divergence()->found == Divergence::Found::other_operation);
    CHECK(plain.divergence()->now == StepLabel{"a_extra", "z"});
    CHECK((!finished.outcome.violation || finished.outcome.violation->kind == "toy:saw-write"));

    // With a continuation: it gets every later decision, and the seed.
    Spy spy;
    sim::ReplayStrategy continued(recorded.schedule, recorded.labels, &spy);
    const Toy changed = run_toy(continued, true, seed + 100);
    REQUIRE(continued.diverged_at());
    CHECK(*continued.diverged_at() == expected);
    CHECK(spy.seeds == std::vector<uint64_t>{seed + 100});
    REQUIRE(!spy.indices.empty());
    CHECK(spy.indices.front() == expected);
    CHECK(spy.indices.back() == changed.schedule.size() - 1);
    CHECK(spy.indices.size() == changed.schedule.size() - expected);
    CHECK(std::equal(recorded.schedule.begin(), recorded.schedule.begin() + expected,
                     changed.schedule.begin()));
    // The verdict is the toy's: a violation exactly when B saw A's write;
    // clean, the changed toy takes 1 + 5 accesses + 1 = 7 decisions.
    CHECK(changed.outcome.violation.has_value() == changed.b_saw_write);
    if (changed.outcome.violation)
      CHECK(changed.outcome.violation->kind == "toy:saw-write");
    else
      CHECK(changed.outcome.steps == 7);
  }
  CHECK(divergences.size() > 1);  // the seeds put A's read at different decisions
}

TEST_CASE("replay: without labels (format 1) only thread ids are followed") {
  SUBCASE("the changed toy fits by index until the schedule runs out") {
    sim::RandomStrategy random;
    Toy recorded;
    uint64_t seed = 0;
    for (; seed < 100; ++seed) {
      recorded = run_toy(random, false, seed);
      if (!recorded.outcome.violation) break;
    }
    REQUIRE_FALSE(recorded.outcome.violation);
    // By index alone the changed toy fits: B does the same operations at the
    // same decisions (A's write comes later, so B cannot newly see it), and
    // A, one operation longer, is unfinished wherever the recording picks
    // it. A's extra store takes one of A's turns, so the changed toy asks
    // for a 7th decision (1 + 5 accesses + 1) from a schedule of 6.
    sim::ReplayStrategy r(recorded.schedule);
    const Toy changed = run_toy(r, true, seed);
    CHECK_FALSE(changed.outcome.violation);
    REQUIRE(r.divergence());
    CHECK(r.divergence()->decision == 6);
    CHECK(r.divergence()->found == Divergence::Found::schedule_ran_out);
    CHECK_FALSE(r.divergence()->recorded);
  }

  SUBCASE("a version-1 trace of a stored reproducer replays and matches") {
    testutil::TempDir dir;
    sim::Trace t = sim::read_trace(testutil::trace_path());
    t.labels.clear();
    json j = sim::to_json(t);  // its hash excludes the (absent) labels
    j["version"] = 1;
    j.erase("labels");
    const std::string path = dir.file("v1.json");
    testutil::write_file(path, j.dump(1));
    const sim::Trace v1 = sim::read_trace(path);
    CHECK(v1.labels.empty());
    CHECK(v1.schedule == t.schedule);

    // Labels edited in a version-2 copy diverge; the version-1 replay has
    // none to check and follows the same schedule to the end.
    const Edited e = rename_function(testutil::trace_path(), dir, "renamed.json");
    CHECK(replay(sim::read_trace(e.path), sim::read_trace(e.path).labels).divergence);
    const Replayed r = replay(v1, v1.labels);
    CHECK_FALSE(r.divergence);
    CHECK(r.trace.events == v1.events);

    const ProcessResult cli = kvmsim({"replay", path}, dir);
    CAPTURE(cli.out);
    CHECK(cli.exit_code == (v1.violation ? 1 : 0));
    CHECK(contains(cli.out, "replay matches the recording: " + std::to_string(v1.events.size()) +
                                " events"));
  }

  SUBCASE("a real model change: the v3.16 reproducer replayed at v3.17, with and without labels") {
    testutil::TempDir dir;
    sim::Trace t = sim::read_trace(testutil::trace_path());
    t.variant = "v3.17";  // install_new_memslots changed; the variant is not hashed
    const Replayed labelled = replay(t, t.labels);
    REQUIRE(labelled.divergence);
    CHECK(labelled.divergence->found == Divergence::Found::other_operation);

    t.labels.clear();
    json j = sim::to_json(t);
    j["version"] = 1;
    j.erase("labels");
    const std::string path = dir.file("v1-at-v3.17.json");
    testutil::write_file(path, j.dump(1));
    // Without labels the replay runs on by thread ids: it can only part
    // later than the labelled one, and only at a thread that cannot run (or
    // at the end of the schedule), never at an operation.
    const Replayed by_index = replay(t, {});
    REQUIRE(by_index.divergence);
    CHECK(by_index.divergence->decision > labelled.divergence->decision);
    CHECK(by_index.divergence->found != Divergence::Found::other_operation);
    CHECK_FALSE(by_index.divergence->recorded);

    const ProcessResult cli = kvmsim({"replay", path}, dir);
    CAPTURE(cli.out);
    CHECK(cli.exit_code == 1);
    const uint64_t i = by_index.divergence->decision;
    CHECK(contains(cli.out, "replay MISMATCH: DIVERGED at decision " + std::to_string(i) + " "));
    CHECK(contains(cli.out, "next: (a format-1 trace records no operation)\n"));
    CHECK(contains(cli.out, "  the " + std::to_string(i) +
                                " decisions before it followed their recorded threads\n"));
  }
}

TEST_CASE("kvmsim replay --continue: the continued execution's verdict and exit status") {
  testutil::TempDir dir;
  for (const std::string& path : testutil::stored_traces()) {
    CAPTURE(path);
    const Edited e = rename_function(path, dir, "renamed.json");
    const sim::Trace edited = sim::read_trace(e.path);
    // Independently of the command: the same replay continued at random with
    // the trace's seed.
    sim::RandomStrategy random;
    const Replayed expected = replay(edited, edited.labels, &random);
    REQUIRE(expected.divergence);
    CHECK(expected.divergence->decision == e.decision);
    CHECK(expected.trace.violation.value_or(sim::Violation{}).kind != "step-bound");

    const ProcessResult cli = kvmsim({"replay", e.path, "--continue", "random"}, dir);
    CAPTURE(cli.out);
    CAPTURE(cli.err);
    CHECK(cli.exit_code == (expected.trace.violation ? 1 : 0));
    CHECK(contains(cli.out,
                   "replay MISMATCH: DIVERGED at decision " + std::to_string(e.decision) + " "));
    CHECK(contains(cli.out, "continued under random from decision " +
                                std::to_string(e.decision) + ":\n"));
    CHECK(contains(cli.out, "trace hash: " + expected.trace.hash()));
    CHECK(contains(cli.out, expected.trace.violation
                                ? "verdict: VIOLATION " + expected.trace.violation->kind
                                : std::string("verdict: clean")));
    // The same run twice: the continuation is seeded, not timed.
    CHECK(kvmsim({"replay", e.path, "--continue", "random"}, dir).out == cli.out);
  }
}

TEST_CASE("kvmsim replay --continue: PCT, a trace that does not diverge, bad spellings") {
  testutil::TempDir dir;
  const Edited e = rename_function(testutil::trace_path(), dir, "renamed.json");

  SUBCASE("pct:2 is calibrated on the trace's scenario") {
    const ProcessResult r = kvmsim({"replay", e.path, "--continue", "pct:2"}, dir);
    CAPTURE(r.out);
    CAPTURE(r.err);
    CHECK((r.exit_code == 0 || r.exit_code == 1));
    CHECK(contains(r.out, "continued under pct:2"));
  }
  SUBCASE("without a divergence --continue changes nothing") {
    const ProcessResult plain = kvmsim({"replay", testutil::trace_path()}, dir);
    const ProcessResult r =
        kvmsim({"replay", testutil::trace_path(), "--continue", "random"}, dir);
    CHECK(r.exit_code == plain.exit_code);
    CHECK(r.out == plain.out);
    CHECK(contains(r.out, "replay matches the recording"));
  }
  for (const std::string bad : {"bogus", "pct:0", "replay"}) {
    SUBCASE(bad.c_str()) {
      const ProcessResult r = kvmsim({"replay", e.path, "--continue", bad}, dir);
      CAPTURE(r.err);
      CHECK(r.exit_code == 2);
      CHECK(contains(r.err, "--continue " + bad + ":"));
      CHECK(r.out.empty());
    }
  }
}

// The hash covers what the execution did; the rest of what defines the run
// is checked by the replay: the step bound against the embedded scenario,
// and the seed, which must choose the recorded schedule again.
TEST_CASE("kvmsim replay: an edited seed or step bound is a mismatch; a searched trace says what "
          "it did not check") {
  testutil::TempDir dir;
  const json stored = json::parse(testutil::read_file(testutil::trace_path()));
  const auto edited = [&](const char* field, const json& value) {
    json t = stored;
    t[field] = value;
    const std::string path = dir.file(std::string(field) + ".json");
    testutil::write_file(path, t.dump());
    return kvmsim({"replay", path}, dir);
  };
  const ProcessResult seed = edited("seed", stored.at("seed").get<uint64_t>() + 5);
  CHECK(seed.exit_code == 1);
  CHECK(contains(seed.out, "replay MISMATCH: seed " +
                               std::to_string(stored.at("seed").get<uint64_t>() + 5) +
                               " under random runs another execution"));
  const ProcessResult bound = edited("step_bound", 7);
  CHECK(bound.exit_code == 1);
  CHECK(contains(bound.out, "replay MISMATCH: step_bound is 7, but the embedded scenario's is"));
  // As stored, it matches, and nothing is left unchecked.
  const ProcessResult plain = kvmsim({"replay", testutil::trace_path()}, dir);
  CHECK(contains(plain.out, "replay matches the recording"));
  CHECK_FALSE(contains(plain.out, "not checked"));

  // explore's trace: the search chose the schedule, so the seed says nothing.
  const std::string found = dir.file("found.json");
  kvmsim({"explore", testutil::scenario_path(), "--variant", "v3.16", "-k", "1", "--trace", found},
         dir);
  const ProcessResult searched = kvmsim({"replay", found}, dir);
  CHECK(contains(searched.out, "replay matches the recording"));
  CHECK(contains(searched.out, "(seed 0 not checked: the schedule comes from explore:1)\n"));
}

TEST_CASE("trace_from_json reads an edited trace; check_trace_hashes and read_trace refuse it") {
  testutil::TempDir dir;
  json doc = sim::read_json_file(testutil::trace_path(), sim::kTraceInput);
  const std::string value = doc["events"][0]["value"].get<std::string>();
  doc["events"][0]["value"] = value + " (edited)";
  const std::string path = dir.file("edited.json");
  testutil::write_file(path, doc.dump(1));

  const sim::Trace t = sim::trace_from_json(doc, path);
  CHECK(t.events.at(0).value == value + " (edited)");
  CHECK_THROWS_WITH(sim::check_trace_hashes(t, doc, path),
                    (path + ": /hash: does not match the recorded execution (the trace was "
                            "edited)").c_str());
  CHECK_THROWS_WITH(sim::read_trace(path), (path + ": /hash: does not match the recorded "
                                                   "execution (the trace was edited)").c_str());
}

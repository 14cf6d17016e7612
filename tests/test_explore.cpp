// SPDX-License-Identifier: GPL-2.0-only
// The bounded exhaustive search: exact schedule counts of small programs,
// derived by hand below; the bound and uniqueness of every explored
// schedule; soundness of the sleep-set reduction against the unreduced
// search; and `kvmsim explore` on a real scenario.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/harness/explore.hpp"
#include "model/harness/scenario.hpp"
#include "model/harness/simulation.hpp"
#include "model/variants/variants.hpp"
#include "sim/explore/bounded_search.hpp"
#include "sim/runtime/execution.hpp"
#include "sim/sync/lock.hpp"
#include "sim/sync/shared.hpp"
#include "test_util.hpp"

namespace {

using sim::kUnbounded;
using sim::SearchOptions;
using sim::SearchResult;
using sim::ThreadId;

// One step of a test program: a store to object `object` (by index), or,
// with `locked`, lock L; store; unlock L.
struct Op {
  int object;
  bool locked = false;
};
using Program = std::vector<std::vector<Op>>;  // one list of ops per thread

// Every execution the search ran: its schedule, preemptions and the order
// in which threads stored to each object (a Mazurkiewicz class signature:
// with stores only, two executions are equivalent iff they agree on it).
struct Observed {
  std::vector<std::vector<ThreadId>> schedules;
  std::vector<uint64_t> preemptions;
  std::vector<std::string> classes;
};

SearchResult search(const Program& program, uint64_t k, bool reduction, Observed* seen = nullptr) {
  SearchOptions o;
  o.preemption_bound = k;
  o.reduction = reduction;
  const auto run_one = [&](sim::Strategy& strategy) {
    sim::Execution ex(strategy, sim::ExecutionOptions{1000, false});
    std::vector<std::unique_ptr<sim::Shared<int>>> objects;
    for (int i = 0; i < 3; ++i) {
      std::string name = "x";
      name += std::to_string(i);
      objects.push_back(std::make_unique<sim::Shared<int>>(name));
    }
    sim::Lock lock("L", sim::Lock::Kind::mutex);
    std::map<int, std::string> order;  // object -> threads in store order
    for (size_t t = 0; t < program.size(); ++t) {
      std::string name = "t";
      name += std::to_string(t);
      ex.spawn(name, static_cast<int>(t), [&, t] {
        for (const Op& op : program[t]) {
          if (op.locked) lock.lock("test");
          objects[op.object]->store(1, "test");
          order[op.object] += static_cast<char>('0' + t);
          if (op.locked) lock.unlock("test");
        }
      });
    }
    const sim::Outcome out = ex.run(0);
    if (seen) {
      seen->schedules.push_back(ex.schedule());
      seen->preemptions.push_back(out.preemptions);
      std::string c;
      for (const auto& [object, threads] : order) c += std::to_string(object) + ":" + threads + " ";
      seen->classes.push_back(c);
    }
    return out;
  };
  return sim::explore(run_one, o);
}

struct Counts {
  uint64_t schedules;
  uint64_t pruned;
  uint64_t reexecuted;
};

void check(const Program& p, uint64_t k, bool reduction, Counts want) {
  CAPTURE(k);
  CAPTURE(reduction);
  const SearchResult r = search(p, k, reduction);
  CHECK(r.complete);
  CHECK(!r.failing);
  CHECK(r.schedules == want.schedules);
  CHECK(r.pruned == want.pruned);
  CHECK(r.reexecuted == want.reexecuted);
  uint64_t schedules = 0, pruned = 0;
  for (const sim::LevelCount& l : r.levels) {
    schedules += l.schedules;
    pruned += l.pruned;
  }
  CHECK(schedules == r.schedules);
  CHECK(pruned == r.pruned);
}

}  // namespace

// Step model: each thread's first decision is its "start" step (touches
// nothing; the thread then runs to its first scheduling point), then one
// decision per store; after its last store the thread finishes, and the next
// decision has no current thread, so any choice there is free. A switch
// after a thread's start or any store but its last is a preemption.
//
// Two threads A, B with one store each: decisions As Ax and Bs Bx, so the
// schedules are the C(4,2) = 6 orders of AABB. Preemptions: AABB, BBAA 0;
// ABBA, BAAB 1 (A preempted after its start, B runs to its end); ABAB, BABA
// 2. So 2 (K=0), 4 (K=1), 6 (K=2 and unbounded).
//
// Re-executions: iteration c runs every schedule with at most c - 1
// preemptions again, so K=1 repeats 2, K=2 repeats 2 + 4, and unbounded runs
// iteration 3 as well (6 more), where no schedule takes 3 preemptions: the
// search is complete there.
//
// With sleep sets and the same object: at the root, A's start is followed by
// more of A (cont = 1), so A does not sleep in the B branch (0 + 1 > 0).
// After "A, B" (B preempted A after A's start), A sleeps (explored at cost 0,
// and its store ends its run: 0 + 0 <= 1) until B's store, dependent with
// A's, wakes it: ABBA runs, ABAB never starts. Likewise BAAB. So 2 (K=0) and
// 4 (K=1, 2, unbounded), nothing pruned. No schedule iteration 2 runs takes
// 2 preemptions: K=2 and unbounded stop there, complete, having re-run 2
// (iteration 1) + 4 (iteration 2).
//
// Different objects: B's store does not wake A, so after ABB only the
// sleeping A is left: ABBA is pruned, and so is BAAB (each with the one
// preemption after the start). So 2 schedules (any K), 0 pruned at K=0 (no
// preemption, no sibling to sleep in), 2 from K=1; re-executions as for the
// same object: 2 at K=1, 2 + 4 from K=2 on.
TEST_CASE("one store each: counts by hand") {
  const Program same{{{0}}, {{0}}};
  const Program different{{{0}}, {{1}}};
  for (const Program* p : {&same, &different}) {
    check(*p, 0, false, {2, 0, 0});
    check(*p, 1, false, {4, 0, 2});
    check(*p, 2, false, {6, 0, 2 + 4});
    check(*p, kUnbounded, false, {6, 0, 2 + 4 + 6});
  }
  check(same, 0, true, {2, 0, 0});
  check(same, 1, true, {4, 0, 2});
  check(same, 2, true, {4, 0, 2 + 4});
  check(same, kUnbounded, true, {4, 0, 2 + 4});
  check(different, 0, true, {2, 0, 0});
  check(different, 1, true, {2, 2, 2});
  check(different, 2, true, {2, 2, 2 + 4});
  check(different, kUnbounded, true, {2, 2, 2 + 4});
}

// Two threads x two stores: A = As Ax Ax', B = Bs By By'. The schedules are
// the C(6,3) = 20 orders of AAABBB. One with r runs has r - 2 preemptions
// (r >= 2): every switch is a preemption except the last, which follows the
// end of the other thread. Orders by runs: r=2: 2; r=3: 4 (one thread in
// two runs: 2 ways to split 3, times which starts); r=4: 8 (2 x 2 splits,
// times 2); r=5: 4; r=6: 2. So K=0: 2, K=1: 6, K=2: 14, K=3: 18, K>=4: 20.
//
// With sleep sets (A stores x only, B y only: all independent): in the A
// branch, at "A A" the switch to B puts A to sleep (its last store ends its
// run), and at "A" the switch to B puts it to sleep too (A is the current
// thread: 0 + 1 <= 1); nothing B does wakes it, so both end with only A
// asleep: pruned. Only AAABBB completes; likewise BBBAAA. K=0: 2 schedules;
// K>=1: 2 schedules, 4 pruned.
TEST_CASE("two threads x two steps: counts by hand") {
  const Program p{{{0}, {0}}, {{1}, {1}}};
  check(p, 0, false, {2, 0, 0});
  check(p, 1, false, {6, 0, 2});
  check(p, 2, false, {14, 0, 2 + 6});
  check(p, 3, false, {18, 0, 2 + 6 + 14});
  check(p, 4, false, {20, 0, 2 + 6 + 14 + 18});
  check(p, kUnbounded, false, {20, 0, 2 + 6 + 14 + 18 + 20});
  check(p, 0, true, {2, 0, 0});
  check(p, 1, true, {2, 4, 2});
  check(p, 2, true, {2, 4, 2 + 6});
  check(p, kUnbounded, true, {2, 4, 2 + 6});
}

// A lock-protected store each: A = As Al Ax Au (start, lock, store, unlock,
// then A finishes), B alike. K=0: AAAABBBB and BBBBAAAA. K=1 adds, from the
// A side, a preemption after As (B runs whole: A BBBB AAA), after Al (B
// starts, blocks on L, A stores and unlocks, B retries the lock and ends:
// AA BB AA BBB) and after Ax (AAA BB A BBB); after Au A has finished. Same
// from B: 8.
//
// With sleep sets at K=1: after "AAA" the switch to B (A's unlock ends its
// run) puts A to sleep with Au; B's lock attempt (L, dependent) wakes it:
// counted. After "AA" the switch to B puts A to sleep with Ax (A is current):
// B's lock attempt touches L, not x, B blocks, only A is left and asleep:
// pruned (it is the previous schedule with Ax moved first). After "A" A
// sleeps with Al; B's lock wakes it, but B then has the only free choice
// until it ends: counted. So 3 + 1 pruned per side: 6 schedules, 2 pruned.
// Iteration 1 re-runs the 2 schedules without a preemption.
TEST_CASE("a lock-protected section: counts by hand") {
  const Program p{{{0, true}}, {{0, true}}};
  check(p, 0, false, {2, 0, 0});
  check(p, 1, false, {8, 0, 2});
  check(p, 0, true, {2, 0, 0});
  check(p, 1, true, {6, 2, 2});
}

TEST_CASE("every schedule is within the bound and explored once") {
  const Program p{{{0}, {1, true}}, {{1}, {0}}, {{2, true}}};
  for (uint64_t k : {0u, 1u, 2u}) {
    for (bool reduction : {false, true}) {
      CAPTURE(k);
      CAPTURE(reduction);
      Observed seen;
      const SearchResult r = search(p, k, reduction, &seen);
      REQUIRE(r.complete);
      CHECK(seen.schedules.size() == r.executions());
      for (uint64_t n : seen.preemptions) CHECK(n <= k);
      // Each new schedule once; a re-execution repeats one an earlier
      // iteration ran.
      std::set<std::vector<ThreadId>> distinct(seen.schedules.begin(), seen.schedules.end());
      CHECK(distinct.size() == r.schedules + r.pruned);
      uint64_t depth = 0;
      for (const auto& s : seen.schedules) depth = std::max<uint64_t>(depth, s.size());
      CHECK(r.max_depth == depth);
    }
  }
}

// The reduction's claim: every class of executions (order of the stores to
// each object) that the unreduced search meets within K preemptions is met
// with the reduction too. Checked on a family of small programs, locks
// included.
TEST_CASE("sleep sets lose no class of executions within the bound") {
  const std::vector<Program> programs{
      {{{0}, {1}}, {{1}, {0}}},
      {{{0}, {0}}, {{0}}, {{1}}},
      {{{0, true}, {1}}, {{1}, {0, true}}},
      {{{0}, {1}, {2}}, {{2}, {1}}, {{0}}},
      {{{0, true}}, {{1, true}}, {{0}, {1}}},
  };
  for (size_t i = 0; i < programs.size(); ++i) {
    for (uint64_t k : {0u, 1u, 2u}) {
      CAPTURE(i);
      CAPTURE(k);
      Observed full, reduced;
      const SearchResult a = search(programs[i], k, false, &full);
      const SearchResult b = search(programs[i], k, true, &reduced);
      REQUIRE(a.complete);
      REQUIRE(b.complete);
      const std::set<std::string> want(full.classes.begin(), full.classes.end());
      const std::set<std::string> got(reduced.classes.begin(), reduced.classes.end());
      CHECK(got == want);
      CHECK(b.schedules <= a.schedules);
    }
  }
}

TEST_CASE("max_schedules stops the search, incomplete") {
  SearchOptions o;
  o.preemption_bound = 2;
  o.reduction = false;
  o.max_schedules = 5;
  const Program p{{{0}, {0}}, {{1}, {1}}};  // 14 schedules within K=2 (above)
  const auto run_one = [&](sim::Strategy& strategy) {
    sim::Execution ex(strategy, sim::ExecutionOptions{1000, false});
    sim::Shared<int> x0("x0"), x1("x1");
    ex.spawn("a", 0, [&] { x0.store(1); x0.store(2); });
    ex.spawn("b", 1, [&] { x1.store(1); x1.store(2); });
    return ex.run(0);
  };
  const SearchResult r = sim::explore(run_one, o);
  CHECK(r.schedules == 5);
  CHECK(!r.complete);
  o.max_schedules = 14;
  CHECK(sim::explore(run_one, o).complete);
}

// A check-then-act race: each thread reads x and stores x + 1; a lost update
// leaves x at 1. Without a preemption each thread runs whole (x ends at 2);
// it takes a preemption between one thread's load and its store.
TEST_CASE("finds a violation, with its schedule, at the first bound that allows it") {
  const auto run_one = [](sim::Strategy& strategy) {
    sim::Execution ex(strategy, sim::ExecutionOptions{1000, false});
    sim::Shared<int> x("x");
    int finished = 0;
    const auto body = [&] {
      const int v = x.load("inc");
      x.store(v + 1, "inc");
      if (++finished == 2 && x.peek() != 2) sim::fail("lost-update", "x is 1");
    };
    ex.spawn("a", 0, body);
    ex.spawn("b", 1, body);
    return ex.run(0);
  };
  for (bool reduction : {false, true}) {
    SearchOptions o;
    o.reduction = reduction;
    o.preemption_bound = 0;
    const SearchResult clean = sim::explore(run_one, o);
    CHECK(clean.complete);
    CHECK(!clean.failing);
    o.preemption_bound = 1;
    const SearchResult r = sim::explore(run_one, o);
    REQUIRE(r.failing);
    CHECK(r.failing->violation->kind == "lost-update");
    CHECK(r.failing->preemptions == 1);
    CHECK(r.failing_schedule.size() == r.failing->steps);
  }
}

namespace {

// A program whose two bugs need exactly 2 and exactly 3 preemptions: A
// stores to x six times, B twice; the thread that finishes second checks the
// order of the stores. "abaaaaab" (B's first store right after A's first, B's
// second after all of A's) fails "two"; "aaaababa" fails "three". Every
// store is to x, so no two orders are equivalent and sleep sets prune
// neither. An order with r runs of one thread's stores needs r - 2
// preemptions (r >= 2): every switch but the last is away from a thread
// with stores left (a thread's start step runs just before its first store
// at no cost), and the last follows the end of the other thread. So "two"
// (4 runs) needs exactly 2 and "three" (5 runs) exactly 3. A depth-first
// search that tries the current thread first backtracks from the deepest
// decisions: it explores every schedule that first switches away from A
// before A's fifth store (where "three" is) before any that switches before
// A's second (where "two" is), so within 3 preemptions it would meet
// "three" first.
sim::Outcome two_and_three(sim::Strategy& strategy) {
  sim::Execution ex(strategy, sim::ExecutionOptions{1000, false});
  sim::Shared<int> x("x");
  std::string order;
  int finished = 0;
  const auto body = [&](char name, int stores) {
    return [&, name, stores] {
      for (int i = 0; i < stores; ++i) {
        x.store(i, "test");
        order += name;
      }
      if (++finished < 2) return;
      if (order == "abaaaaab") sim::fail("two", order);
      if (order == "aaaababa") sim::fail("three", order);
    };
  };
  ex.spawn("a", 0, body('a', 6));
  ex.spawn("b", 1, body('b', 2));
  return ex.run(0);
}

}  // namespace

TEST_CASE("iterative context bounding: the fewest preemptions first, whatever K") {
  for (bool reduction : {false, true}) {
    CAPTURE(reduction);
    SearchOptions o;
    o.reduction = reduction;
    o.preemption_bound = 1;
    const SearchResult one = sim::explore(two_and_three, o);
    CHECK(one.complete);
    CHECK_FALSE(one.failing);
    o.preemption_bound = 2;
    const SearchResult two = sim::explore(two_and_three, o);
    o.preemption_bound = 3;
    const SearchResult three = sim::explore(two_and_three, o);
    for (const SearchResult* r : {&two, &three}) {
      REQUIRE(r->failing);
      CHECK(r->failing->violation->kind == "two");
      CHECK(r->failing->preemptions == 2);
      // Found in iteration 2, after iterations 0 and 1 ran whole.
      REQUIRE(r->levels.size() == 3);
      CHECK(r->levels[0].schedules + r->levels[1].schedules == one.schedules);
    }
    // K=3 ran exactly what K=2 ran: the same executions, the same find.
    CHECK(three.executions() == two.executions());
    CHECK(three.schedules == two.schedules);
    CHECK(three.failing_schedule == two.failing_schedule);
  }
}

// Levels of the two threads x two stores program without reduction (counts
// by hand above): 2 schedules with 0 preemptions, 6 - 2 with 1, 14 - 6 with
// 2, 18 - 14 with 3.
TEST_CASE("iterative context bounding: what each level added") {
  const SearchResult r = search(Program{{{0}, {0}}, {{1}, {1}}}, 3, false);
  REQUIRE(r.levels.size() == 4);
  const uint64_t want[] = {2, 4, 8, 4};
  for (size_t c = 0; c < 4; ++c) {
    CAPTURE(c);
    CHECK(r.levels[c].schedules == want[c]);
    CHECK(r.levels[c].pruned == 0);
  }
}

// Two threads spin until a third sets a flag. A spin iteration costs no
// preemption, so without fairness the search would also run the schedules
// in which the spinners hand the CPU to each other for ever, each ending at
// the step bound. With it (a thread that yielded waits until the others
// have run), every schedule ends, and at K = 0 the search is complete and
// clean. The spinners' flag loads are the only steps before the setter
// runs, so the count is small and every run is bounded.
TEST_CASE("spinning threads: the search is fair and never runs into the step bound") {
  const auto run_one = [](sim::Strategy& strategy) {
    sim::Execution ex(strategy, sim::ExecutionOptions{500, false});
    sim::Shared<int> flag("flag");
    const auto spinner = [&] {
      while (flag.load("spin") == 0) sim::Execution::current().point({}, /*yielding=*/true);
    };
    ex.spawn("spin0", 0, spinner);
    ex.spawn("spin1", 1, spinner);
    ex.spawn("setter", 2, [&] { flag.store(1, "set"); });
    return ex.run(0);
  };
  for (bool reduction : {false, true})
    for (uint64_t k : {0, 1, 2}) {
      CAPTURE(reduction);
      CAPTURE(k);
      SearchOptions o;
      o.reduction = reduction;
      o.preemption_bound = k;
      o.max_schedules = 100000;
      const SearchResult r = sim::explore(run_one, o);
      CHECK(r.complete);
      CHECK_FALSE(r.failing);
      CHECK(r.schedules > 0);
    }
}

// --- kvmsim explore on a real scenario -----------------------------------

namespace {

using testutil::contains;
using testutil::kvmsim;

}  // namespace

// ee3d1570b586 at v3.16: vcpu0 must be preempted between its two
// kvm_memslots() reads for the updater to publish in between: K=0 cannot
// show it, K=1 can.
TEST_CASE("kvmsim explore finds ee3d1570b586 at v3.16 and its trace replays") {
  testutil::TempDir d;
  const std::string s = testutil::scenario_path();
  const auto k0 = kvmsim({"explore", s, "--variant", "v3.16", "-k", "0"}, d);
  CHECK(k0.exit_code == 0);
  CHECK(contains(k0.out, "no violation in all"));
  for (const char* reduction : {"sleep-sets", "none"}) {
    CAPTURE(reduction);
    const std::string trace = d.file(std::string("t-") + reduction + ".json");
    const auto r = kvmsim({"explore", s, "--variant", "v3.16", "-k", "1", "--reduction", reduction,
                           "--trace", trace},
                          d);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "verdict: VIOLATION stale-mmio"));
    CHECK(contains(r.out, "preemptions: 1"));
    CHECK(contains(r.out, "schedule: "));
    CHECK(contains(r.out, "kvmsim replay " + trace));
    CHECK(contains(testutil::read_file(trace), "\"explore:1\""));
    const auto replay = kvmsim({"replay", trace}, d);
    CHECK(replay.exit_code == 1);
    CHECK(contains(replay.out, "replay matches"));
    CHECK(contains(replay.out, "stale-mmio"));
  }
  const auto j = kvmsim({"explore", s, "--variant", "v3.16", "-k", "1", "--json"}, d);
  CHECK(j.exit_code == 1);
  const auto json = nlohmann::json::parse(j.out);
  CHECK(json["verdict"]["kind"] == "stale-mmio");
  CHECK(json["preemptions"] == 1);
  CHECK(json["complete"] == false);
  uint64_t steps = 0;
  for (const auto& run : json["runs"]) steps += run["count"].get<uint64_t>();
  CHECK(steps == json["steps"].get<uint64_t>());
  CHECK(json["schedule"].size() == steps);
}

// The fixed kernel (the scenario expects v3.17 clean): complete and clean
// at K=2 (a few hundred schedules with the reduction, about 3700 without).
// ee3d1570b586 moving a memslot at v3.16: a stale MMIO SPTE takes one
// preemption (vcpu0 preempted between its reads of the memslots and of
// their generation; K=0 is clean). A depth-first search within K that tries
// the current thread first meets schedules with more preemptions before it
// (it found a 2-preemption one at K=2, a 3-preemption one at K=3);
// iterative context bounding finds the 1-preemption one whatever K, after
// the same executions.
TEST_CASE("kvmsim explore: raising K does not delay a find") {
  testutil::TempDir d;
  const std::string s = testutil::source_root() + "/scenarios/ee3d1570b586-move-memslot.json";
  const auto zero = kvmsim({"explore", s, "--variant", "v3.16", "-k", "0"}, d);
  CHECK(zero.exit_code == 0);
  std::vector<nlohmann::json> found;
  for (const char* k : {"1", "2", "3"}) {
    const auto r = kvmsim({"explore", s, "--variant", "v3.16", "-k", k, "--json"}, d);
    CHECK(r.exit_code == 1);
    found.push_back(nlohmann::json::parse(r.out));
  }
  for (const auto& j : found) {
    CHECK(j["verdict"]["kind"] == "stale-mmio");
    CHECK(j["preemptions"] == 1);
    CHECK(j["levels"].size() == 2);
    CHECK(j["executions"] == found[0]["executions"]);
    CHECK(j["schedule"] == found[0]["schedule"]);
  }
  const auto text = kvmsim({"explore", s, "--variant", "v3.16", "-k", "3"}, d);
  CHECK(contains(text.out, "preemptions: 1 "));
  CHECK(contains(text.out, "covered: K=0: "));
  CHECK(contains(text.out, ", K=1: "));
  CHECK(contains(text.out, " so far\n"));
  CHECK(!contains(text.out, "K=2"));
}

// The README's explore examples, as kvmsim prints them today but for the
// wall time ("in 0.1 s"), which is masked on both sides.
TEST_CASE("the README's explore examples are what kvmsim explore prints") {
  testutil::TempDir d;
  const auto mask = [](const std::string& text) {
    return std::regex_replace(text, std::regex("in [0-9]+\\.[0-9] s"), "in T s");
  };
  const std::string readme = mask(testutil::read_file(testutil::source_root() + "/README.md"));
  const std::string trace = d.file("t.json");
  const std::vector<std::vector<std::string>> commands = {
      {"scenarios/ee3d1570b586-mmio-cache-generation.json", "--variant", "v3.16", "--preemptions",
       "1", "--trace", "t.json"},
      {"scenarios/ee3d1570b586-mmio-cache-generation.json", "--variant", "v3.17", "--preemptions",
       "3"},
      {"scenarios/ee3d1570b586-mmio-cache-generation.json", "--variant", "v3.17", "--preemptions",
       "3", "--reduction", "none"},
      {"scenarios/ee3d1570b586-move-memslot.json", "--variant", "v3.16", "--preemptions", "3"},
  };
  for (const auto& args : commands) {
    std::vector<std::string> argv{testutil::kvmsim_bin(), "explore"};
    std::string shown = "$ kvmsim explore";
    for (const std::string& a : args) {
      shown += " " + a;
      argv.push_back(a == "t.json" ? trace : a);
    }
    const auto r = testutil::run_process(argv, d, testutil::source_root());
    std::string out = r.out;
    // The README names the trace as a user would type it.
    for (size_t at; (at = out.find(trace)) != std::string::npos;) out.replace(at, trace.size(), "t.json");
    INFO("regenerate the README block for: " << shown);
    CHECK(contains(readme, shown + "\n" + mask(out)));
  }
}

TEST_CASE("kvmsim explore: the fixed variant is clean and complete") {
  testutil::TempDir d;
  const std::string s = testutil::scenario_path();
  const auto r = kvmsim({"explore", s, "--variant", "v3.17", "-k", "2"}, d);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "no violation in all "));
  CHECK(contains(r.out, "schedules with at most 2 preemptions ("));
  CHECK(contains(r.out, "pruned as equivalent by sleep sets)"));
  CHECK(!contains(r.out, "INCOMPLETE"));
  const auto j = kvmsim({"explore", s, "--variant", "v3.17", "-k", "2", "--json"}, d);
  CHECK(j.exit_code == 0);
  const auto a = nlohmann::json::parse(j.out);
  CHECK(a["complete"] == true);
  CHECK(a["verdict"]["outcome"] == "clean");
  // Deterministic: the same counts again, and the reduction explores fewer.
  CHECK(nlohmann::json::parse(kvmsim({"explore", s, "--variant", "v3.17", "-k", "2", "--json"}, d)
                                  .out) == a);
  const auto none = nlohmann::json::parse(
      kvmsim({"explore", s, "--variant", "v3.17", "-k", "2", "--reduction", "none", "--json"}, d)
          .out);
  CHECK(none["complete"] == true);
  CHECK(none["pruned"] == 0);
  CHECK(a["schedules"].get<uint64_t>() < none["schedules"].get<uint64_t>());
}

TEST_CASE("kvmsim explore --max-schedules reports incomplete (exit 4)") {
  testutil::TempDir d;
  const auto r = kvmsim(
      {"explore", testutil::scenario_path(), "--variant", "v3.17", "-k", "2", "--max-schedules", "10"},
      d);
  CHECK(r.exit_code == 4);
  CHECK(contains(r.out, "INCOMPLETE: stopped after 10 schedules (--max-schedules); schedules with "
                        "at most 2 preemptions remain unexplored"));
  const auto j = kvmsim({"explore", testutil::scenario_path(), "--variant", "v3.17", "-k", "2",
                         "--max-schedules", "10", "--json"},
                        d);
  CHECK(j.exit_code == 4);
  CHECK(nlohmann::json::parse(j.out)["schedules"] == 10);
}

TEST_CASE("kvmsim explore: bad options exit 2 naming the option") {
  testutil::TempDir d;
  const std::string s = testutil::scenario_path();
  const auto reduction = kvmsim({"explore", s, "--variant", "v3.17", "--reduction", "dpor"}, d);
  CHECK(reduction.exit_code == 2);
  CHECK(contains(reduction.err, "--reduction"));
  const auto zero = kvmsim({"explore", s, "--variant", "v3.17", "--max-schedules", "0"}, d);
  CHECK(zero.exit_code == 2);
  CHECK(contains(zero.err, "--max-schedules"));
  const auto k = kvmsim({"explore", s, "--variant", "v3.17", "-k", "many"}, d);
  CHECK(k.exit_code == 2);
  CHECK(contains(k.err, "--preemptions"));
  const auto param = kvmsim({"explore", s, "--variant", "v3.17", "--param", "x"}, d);
  CHECK(param.exit_code == 2);
  CHECK(contains(param.err, "--param"));
  const auto variant = kvmsim({"explore", s, "--variant", "v0.0"}, d);
  CHECK(variant.exit_code == 2);
}

// --- the reduction on the real model --------------------------------------

namespace {

// Every violation kind met by any schedule within K preemptions (up to the
// first step-bound): the search goes on past each other violation (the wrapper hides it), so the two searches
// are compared on everything they reach, not on the first find.
std::set<std::string> kinds_within(const model::Scenario& scenario, const model::Variant& variant,
                                   uint64_t k, bool reduction, uint64_t* schedules) {
  std::set<std::string> kinds;
  std::unique_ptr<model::Simulation> simulation;
  const auto run_one = [&](sim::Strategy& strategy) {
    if (!simulation) simulation = std::make_unique<model::Simulation>(scenario, variant, strategy, false);
    sim::Outcome out = simulation->run(0);
    if (out.violation) kinds.insert(out.violation->kind);
    // A step-bound execution is a loop no preemption-free schedule ends
    // (one thread polls another's progress without yielding): going on past
    // it would run 10000-step executions by the thousand.
    if (out.violation && out.violation->kind != "step-bound") out.violation.reset();
    return out;
  };
  SearchOptions o;
  o.preemption_bound = k;
  o.reduction = reduction;
  const SearchResult r = sim::explore(run_one, o);
  CHECK((r.complete || r.failing));
  *schedules = r.schedules + r.pruned;
  return kinds;
}

}  // namespace

TEST_CASE("on every scenario, sleep sets meet every violation kind the full search meets (K=1)") {
  std::vector<std::string> files;
  for (const auto& e : testutil::fs::directory_iterator(testutil::source_root() + "/scenarios"))
    if (e.path().extension() == ".json" && e.path().filename() != "schema.json")
      files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  uint64_t compared = 0;
  for (const std::string& file : files) {
    const model::Scenario scenario = model::load_scenario(file);
    for (const model::Expectation& x : scenario.expect) {
      if (x.kinds.empty()) continue;  // where the scenario expects a violation
      CAPTURE(file);
      CAPTURE(x.variant);
      const model::Variant& variant = model::find_variant(x.variant);
      uint64_t full_runs = 0, reduced_runs = 0;
      const auto full = kinds_within(scenario, variant, 1, false, &full_runs);
      const auto reduced = kinds_within(scenario, variant, 1, true, &reduced_runs);
      CHECK(reduced == full);
      CHECK(reduced_runs <= full_runs);
      ++compared;
    }
  }
  CHECK(compared > 0);
}

// Raising K never delays a find, on the real model: wherever K=2 finds a
// violation, K=3 finds the same schedule after exactly as many executions.
TEST_CASE("on every scenario, K=3 finds what K=2 finds, after as many executions") {
  uint64_t compared = 0;
  for (const auto& e : testutil::fs::directory_iterator(testutil::source_root() + "/scenarios")) {
    if (e.path().extension() != ".json" || e.path().filename() == "schema.json") continue;
    const model::Scenario scenario = model::load_scenario(e.path().string());
    for (const model::Expectation& x : scenario.expect) {
      if (x.kinds.empty()) continue;
      CAPTURE(e.path().string());
      CAPTURE(x.variant);
      const model::Variant& variant = model::find_variant(x.variant);
      SearchOptions o;
      o.max_schedules = 20000;
      o.preemption_bound = 2;
      const model::ExploreResult two = model::explore(scenario, variant, o, "test");
      if (!two.search.failing) continue;
      o.preemption_bound = 3;
      const model::ExploreResult three = model::explore(scenario, variant, o, "test");
      REQUIRE(three.search.failing);
      CHECK(three.search.failing->preemptions == two.search.failing->preemptions);
      CHECK(three.search.failing_schedule == two.search.failing_schedule);
      CHECK(three.search.executions() == two.search.executions());
      ++compared;
    }
  }
  CHECK(compared > 0);
}

// SPDX-License-Identifier: GPL-2.0-only
// The generic engine: SRCU, mutexes, completions, deadlock and step-bound
// detection, replay, traces. Properties are checked with ghost state: plain
// C++ variables written by the modeled threads without scheduling points, so
// they record what really happened in the order it happened.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/json_input.hpp"
#include "sim/parse_int.hpp"
#include "sim/runtime/execution.hpp"
#include "sim/strategy/random_strategy.hpp"
#include "sim/strategy/replay_strategy.hpp"
#include "sim/sync/completion.hpp"
#include "sim/sync/lock.hpp"
#include "sim/sync/rwlock.hpp"
#include "sim/sync/shared.hpp"
#include "sim/sync/srcu.hpp"
#include "sim/trace/sha256.hpp"
#include "sim/trace/timeline.hpp"
#include "sim/trace/trace.hpp"
#include "test_util.hpp"

using sim::ThreadId;

namespace {

// "t" + std::to_string(i) trips GCC 12's -Wrestrict false positive.
std::string numbered(const char* prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

uint64_t decisions_so_far() { return sim::Execution::current().schedule().size(); }

// ---------------------------------------------------------------------------
// SRCU
// ---------------------------------------------------------------------------

enum class Ev { in, out, call, ret };

struct Ghost {
  Ev ev;
  int who;        // reader index, or the synchronizer
  int instance;   // which section / which synchronize call of that thread
  uint64_t decisions;  // scheduling decisions taken when it happened
};

struct SrcuRun {
  std::vector<Ghost> log;
  std::vector<ThreadId> schedule;
  std::optional<sim::Violation> violation;
};

constexpr int kSyncer = 2;  // thread id and `who` of the synchronizer

// Two readers with two read-side sections each (scheduling points inside
// and between them) and a synchronizer calling synchronize() twice.
SrcuRun run_srcu_program(sim::Strategy& strategy, uint64_t seed) {
  SrcuRun r;
  sim::Srcu srcu("srcu");
  sim::Shared<int> x("x");
  sim::Execution exec(strategy, sim::ExecutionOptions{10000, false});
  auto log = [&r](Ev ev, int who, int instance) {
    r.log.push_back(Ghost{ev, who, instance, decisions_so_far()});
  };
  for (int reader = 0; reader < 2; ++reader) {
    exec.spawn(numbered("reader", reader), reader, [&, reader] {
      for (int i = 0; i < 2; ++i) {
        const uint64_t h = srcu.read_lock();
        log(Ev::in, reader, i);
        x.load();
        x.load();
        srcu.read_unlock(h);
        log(Ev::out, reader, i);
        x.load();
      }
    });
  }
  const ThreadId s = exec.spawn("syncer", 2, [&] {
    for (int i = 0; i < 2; ++i) {
      log(Ev::call, kSyncer, i);
      srcu.synchronize();
      log(Ev::ret, kSyncer, i);
      x.store(i);
    }
  });
  REQUIRE(s == kSyncer);
  const sim::Outcome out = exec.run(seed);
  r.schedule = exec.schedule();
  r.violation = out.violation;
  return r;
}

size_t position(const std::vector<Ghost>& log, Ev ev, int who, int instance) {
  for (size_t i = 0; i < log.size(); ++i)
    if (log[i].ev == ev && log[i].who == who && log[i].instance == instance) return i;
  FAIL("ghost event missing");
  return 0;
}

}  // namespace

TEST_CASE("srcu: synchronize waits for readers inside when it is called, not for later ones") {
  sim::RandomStrategy strategy;
  int must_wait_cases = 0;         // reader inside when synchronize was called
  int returned_with_late_reader = 0;  // synchronize returned while a later reader was inside
  for (uint64_t seed = 0; seed < 1500; ++seed) {
    CAPTURE(seed);
    const SrcuRun r = run_srcu_program(strategy, seed);
    REQUIRE_FALSE(r.violation);
    REQUIRE(r.log.size() == 12);
    for (int c = 0; c < 2; ++c) {
      const size_t pc = position(r.log, Ev::call, kSyncer, c);
      const size_t pr = position(r.log, Ev::ret, kSyncer, c);
      REQUIRE(pc < pr);
      // synchronize() may start its grace period anywhere between the call
      // and the first decision at or after the call that runs the
      // synchronizer (decision k, a 0-based index into the schedule): a
      // reader entering in that window may or may not be waited for.
      const uint64_t d = r.log[pc].decisions;
      uint64_t k = d;
      while (k < r.schedule.size() && r.schedule[k] != kSyncer) ++k;
      REQUIRE(k < r.schedule.size());
      for (int reader = 0; reader < 2; ++reader) {
        for (int i = 0; i < 2; ++i) {
          const size_t pi = position(r.log, Ev::in, reader, i);
          const size_t po = position(r.log, Ev::out, reader, i);
          if (pi < pc) {
            // Entered before the call: the grace period must cover it.
            CHECK_MESSAGE(po < pr, "synchronize #" << c << " returned while reader" << reader
                                                   << " (section " << i
                                                   << ", entered before the call) was inside");
            if (po > pc) ++must_wait_cases;
          } else if (r.log[pi].decisions > k && pi < pr && po > pr) {
            // Entered after the grace period had certainly started, and
            // synchronize returned while it was still inside.
            ++returned_with_late_reader;
          }
        }
      }
    }
  }
  // Both situations must actually have been explored.
  CHECK(must_wait_cases > 50);
  CHECK(returned_with_late_reader > 50);
}

namespace {

// Reader A, synchronizer S, reader B, each with one step in its section.
struct ForcedSrcu {
  std::vector<std::string> log;
  std::vector<ThreadId> schedule;
  std::optional<uint64_t> diverged_at;
  std::optional<sim::Violation> violation;
  bool b_inside_at_return = false;
};

ForcedSrcu run_forced(const std::vector<ThreadId>& schedule) {
  ForcedSrcu f;
  sim::ReplayStrategy replay(schedule);
  sim::Srcu srcu("srcu");
  sim::Shared<int> x("x"), y("y");
  bool b_inside = false;
  sim::Execution exec(replay, sim::ExecutionOptions{1000, false});
  exec.spawn("A", 0, [&] {
    const uint64_t h = srcu.read_lock();
    f.log.push_back("A-in");
    x.load();
    srcu.read_unlock(h);
    f.log.push_back("A-out");
  });
  exec.spawn("S", 1, [&] {
    f.log.push_back("S-call");
    srcu.synchronize();
    f.log.push_back("S-ret");
    f.b_inside_at_return = b_inside;
  });
  exec.spawn("B", 2, [&] {
    const uint64_t h = srcu.read_lock();
    f.log.push_back("B-in");
    b_inside = true;
    y.load();
    srcu.read_unlock(h);
    b_inside = false;
    f.log.push_back("B-out");
  });
  f.violation = exec.run(0).violation;
  f.schedule = exec.schedule();
  f.diverged_at = replay.diverged_at();
  return f;
}

}  // namespace

TEST_CASE("srcu: forced order - a reader entering after synchronize started does not delay it") {
  // Decision by decision (thread ids A=0, S=1, B=2):
  //  0: A starts            1: A's read_lock point -> A enters
  //  2: A's load -> S       3: synchronize's point -> S starts, waits for A, blocks
  //  4: -> B                5: B's read_lock point -> B enters (after S started)
  //  6: B's load -> A       7: A's read_unlock point -> A leaves, S woken; A finishes
  //  8: -> S returns (B still inside) and finishes
  //  9: -> B                10: B's read_unlock point -> B leaves; B finishes
  const std::vector<ThreadId> schedule = {0, 0, 1, 1, 2, 2, 0, 0, 1, 2, 2};
  const ForcedSrcu f = run_forced(schedule);
  CHECK_FALSE(f.violation);
  CHECK_FALSE(f.diverged_at);
  CHECK(f.schedule == schedule);
  const std::vector<std::string> expected = {"A-in", "S-call", "B-in", "A-out", "S-ret", "B-out"};
  CHECK(f.log == expected);
  CHECK(f.b_inside_at_return);
}

TEST_CASE("srcu: forced order - synchronize cannot run while an earlier reader is inside") {
  // As above, but after S blocks (decision 3) the schedule asks for S at
  // decision 4: S is not runnable while A is inside, so the replay diverges
  // exactly there.
  const std::vector<ThreadId> schedule = {0, 0, 1, 1, 1, 0, 0, 1, 2, 2, 2, 2};
  const ForcedSrcu f = run_forced(schedule);
  CHECK_FALSE(f.violation);
  REQUIRE(f.diverged_at);
  CHECK(*f.diverged_at == 4);
  const auto a_out = std::find(f.log.begin(), f.log.end(), "A-out");
  const auto s_ret = std::find(f.log.begin(), f.log.end(), "S-ret");
  REQUIRE(a_out != f.log.end());
  REQUIRE(s_ret != f.log.end());
  CHECK(a_out < s_ret);
}

TEST_CASE("srcu: unbalanced read_unlock is a warn violation") {
  sim::RandomStrategy strategy;
  sim::Srcu srcu("srcu");
  sim::Execution exec(strategy, sim::ExecutionOptions{});
  exec.spawn("t", 0, [&] { srcu.read_unlock(12345); });
  const sim::Outcome out = exec.run(0);
  REQUIRE(out.violation);
  CHECK(out.violation->kind == "warn:srcu-unbalanced");
}

// ---------------------------------------------------------------------------
// Mutex
// ---------------------------------------------------------------------------

namespace {

struct MutexRun {
  int max_inside = 0;
  std::vector<int> entry_order;
  std::optional<sim::Violation> violation;
};

MutexRun run_mutex_program(uint64_t seed, bool use_lock) {
  MutexRun r;
  sim::RandomStrategy strategy;
  sim::Mutex m("m");
  sim::Shared<int> counter("counter");
  int inside = 0;
  sim::Execution exec(strategy, sim::ExecutionOptions{});
  for (int t = 0; t < 3; ++t) {
    exec.spawn(numbered("t", t), t, [&, t] {
      for (int i = 0; i < 2; ++i) {
        if (use_lock) m.lock();
        ++inside;
        r.max_inside = std::max(r.max_inside, inside);
        r.entry_order.push_back(t);
        const int v = counter.load();
        counter.store(v + 1);
        --inside;
        if (use_lock) m.unlock();
      }
    });
  }
  r.violation = exec.run(seed).violation;
  return r;
}

}  // namespace

TEST_CASE("mutex: mutual exclusion over many seeds") {
  std::vector<std::vector<int>> orders;
  for (uint64_t seed = 0; seed < 500; ++seed) {
    CAPTURE(seed);
    const MutexRun r = run_mutex_program(seed, true);
    REQUIRE_FALSE(r.violation);
    CHECK(r.max_inside == 1);
    CHECK(r.entry_order.size() == 6);
    if (std::find(orders.begin(), orders.end(), r.entry_order) == orders.end())
      orders.push_back(r.entry_order);
  }
  // The schedules really differ (otherwise exclusion would hold trivially).
  CHECK(orders.size() > 20);
}

TEST_CASE("mutex: without the lock the same program does overlap (control)") {
  int overlapping = 0;
  for (uint64_t seed = 0; seed < 200; ++seed)
    if (run_mutex_program(seed, false).max_inside > 1) ++overlapping;
  CHECK(overlapping > 0);
}

TEST_CASE("point() returns true exactly when another thread ran before the caller resumed") {
  int switched = 0, stayed = 0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    CAPTURE(seed);
    sim::RandomStrategy strategy;
    sim::Execution exec(strategy, sim::ExecutionOptions{10000, false});
    sim::Shared<int> x("x", 0);
    int b_ran = 0;  // ghost: bumped whenever B has the CPU, before its next point
    std::vector<std::pair<bool, bool>> seen;  // (point's result, B ran meanwhile)
    exec.spawn("A", 0, [&] {
      for (int i = 0; i < 10; ++i) {
        const int before = b_ran;
        const bool r = sim::Execution::current().point({});
        seen.emplace_back(r, b_ran != before);
      }
    });
    exec.spawn("B", 1, [&] {
      for (int i = 0; i < 10; ++i) {
        ++b_ran;
        x.load();
      }
      ++b_ran;
    });
    REQUIRE_FALSE(exec.run(seed).violation);
    for (auto [r, ran] : seen) {
      CHECK(r == ran);
      ++(r ? switched : stayed);
    }
  }
  CHECK(switched > 0);
  CHECK(stayed > 0);
  // Alone, a thread never gives the CPU away.
  sim::RandomStrategy strategy;
  sim::Execution exec(strategy, sim::ExecutionOptions{10000, false});
  int switches = 0;
  exec.spawn("A", 0, [&] {
    for (int i = 0; i < 20; ++i) switches += sim::Execution::current().point({});
  });
  REQUIRE_FALSE(exec.run(1).violation);
  CHECK(switches == 0);
}

namespace {

// Runs the thread the test names in `want` whenever it is runnable.
struct Directed final : sim::Strategy {
  ThreadId want = 0;
  void begin_execution(uint64_t) override {}
  ThreadId pick(const sim::Decision& d) override {
    const auto runnable = d.runnable;
    const ThreadId current = d.current;
    if (std::find(runnable.begin(), runnable.end(), want) != runnable.end()) return want;
    if (std::find(runnable.begin(), runnable.end(), current) != runnable.end()) return current;
    return runnable.front();
  }
  std::string name() const override { return "directed"; }
};

}  // namespace

TEST_CASE("lock: contended() while another thread waits, until that thread has the lock") {
  Directed strategy;
  sim::Execution exec(strategy, sim::ExecutionOptions{10000, false});
  sim::Spinlock lock("lock");
  sim::Shared<int> x("x", 0);
  std::vector<bool> seen;
  exec.spawn("A", 0, [&] {
    lock.lock();
    seen.push_back(lock.contended());  // alone: no
    strategy.want = 1;
    x.load();  // B runs, calls lock() and blocks
    seen.push_back(lock.contended());  // B waits: yes
    strategy.want = 0;
    lock.unlock();                     // B is woken but has not run yet
    seen.push_back(lock.contended());  // still wanted: yes
    strategy.want = 1;
    x.load();                          // B takes the lock and gives A the CPU back
    seen.push_back(lock.contended());  // B holds it, nobody waits: no
  });
  exec.spawn("B", 1, [&] {
    lock.lock();
    strategy.want = 0;
    x.load();
    lock.unlock();
  });
  REQUIRE_FALSE(exec.run(0).violation);
  CHECK(seen == std::vector<bool>{false, true, true, false});
}

TEST_CASE("lock: the longest hold, in scheduling decisions, as the metric the owner names") {
  sim::RandomStrategy strategy;
  sim::Execution exec(strategy, sim::ExecutionOptions{10000, false});
  sim::Spinlock named("named"), unnamed("unnamed");
  named.report_longest_hold_as("named_longest_hold");
  sim::Shared<int> x("x", 0);
  std::vector<uint64_t> after;
  exec.spawn("A", 0, [&] {
    // Each hold: the loads' decisions plus the unlock's.
    for (int loads : {3, 1, 6, 2}) {
      named.lock();
      unnamed.lock();
      for (int i = 0; i < loads; ++i) x.load();
      unnamed.unlock();
      named.unlock();
      after.push_back(sim::Execution::current().metrics().get("named_longest_hold"));
    }
  });
  REQUIRE_FALSE(exec.run(0).violation);
  // A hold of `loads` covers loads + 2 decisions (unnamed's unlock and its
  // own); unnamed's lock decision comes after named was taken, so + 3.
  CHECK(after == std::vector<uint64_t>{6, 6, 9, 9});
  CHECK(exec.metrics().values().size() == 1);  // unnamed reports nothing
}

TEST_CASE("mutex: recursive locking and unlocking a lock not held are violations") {
  sim::RandomStrategy strategy;
  {
    sim::Mutex m("the_mutex");
    sim::Execution exec(strategy, sim::ExecutionOptions{});
    exec.spawn("rec", 0, [&] {
      m.lock();
      m.lock();
    });
    const sim::Outcome out = exec.run(1);
    REQUIRE(out.violation);
    CHECK(out.violation->kind == "deadlock");
    CHECK(testutil::contains(out.violation->message, "rec"));
    CHECK(testutil::contains(out.violation->message, "the_mutex"));
  }
  {
    sim::Mutex m("m");
    sim::Execution exec(strategy, sim::ExecutionOptions{});
    exec.spawn("u", 0, [&] { m.unlock(); });
    const sim::Outcome out = exec.run(1);
    REQUIRE(out.violation);
    CHECK(out.violation->kind == "warn:unlock-not-owner");
  }
}

// ---------------------------------------------------------------------------
// Deadlock and step bound
// ---------------------------------------------------------------------------

namespace {

sim::Outcome run_abba(uint64_t seed, bool record, std::vector<sim::Event>* events = nullptr,
                      std::vector<ThreadId>* schedule = nullptr,
                      sim::Strategy* strategy_override = nullptr) {
  sim::RandomStrategy random;
  sim::Strategy& strategy = strategy_override ? *strategy_override : random;
  sim::Mutex a("mutexA"), b("mutexB");
  sim::Shared<int> x("x");
  sim::Execution exec(strategy, sim::ExecutionOptions{10000, record});
  exec.spawn("alice", 0, [&] {
    a.lock();
    x.load();
    b.lock();
    b.unlock();
    a.unlock();
  });
  exec.spawn("bob", 1, [&] {
    b.lock();
    x.load();
    a.lock();
    a.unlock();
    b.unlock();
  });
  const sim::Outcome out = exec.run(seed);
  if (events) *events = exec.events();
  if (schedule) *schedule = exec.schedule();
  return out;
}

}  // namespace

TEST_CASE("deadlock: two mutexes taken in opposite orders") {
  int deadlocks = 0, clean = 0;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    CAPTURE(seed);
    const sim::Outcome out = run_abba(seed, false);
    if (!out.violation) {
      ++clean;
      continue;
    }
    ++deadlocks;
    CHECK(out.violation->kind == "deadlock");
    const std::string& msg = out.violation->message;
    CAPTURE(msg);
    CHECK(testutil::contains(msg, "alice"));
    CHECK(testutil::contains(msg, "bob"));
    CHECK(testutil::contains(msg, "mutexA"));
    CHECK(testutil::contains(msg, "mutexB"));
    CHECK(out.violation->thread < 2);
  }
  CHECK(deadlocks > 0);
  CHECK(clean > 0);
}

TEST_CASE("deadlock: waiting on a completion that is never completed") {
  sim::RandomStrategy strategy;
  SUBCASE("alone") {
    sim::Completion done("never_done");
    sim::Execution exec(strategy, sim::ExecutionOptions{});
    exec.spawn("waiter", 0, [&] { done.wait(); });
    const sim::Outcome out = exec.run(3);
    REQUIRE(out.violation);
    CHECK(out.violation->kind == "deadlock");
    CHECK(testutil::contains(out.violation->message, "waiter"));
    CHECK(testutil::contains(out.violation->message, "never_done"));
  }
  SUBCASE("while another thread runs to its end") {
    // Whether the waiter blocks before or after the other thread finishes,
    // the execution must end in "deadlock".
    for (uint64_t seed = 0; seed < 100; ++seed) {
      CAPTURE(seed);
      sim::Completion done("never_done");
      sim::Shared<int> x("x");
      bool worker_finished = false;
      sim::Execution exec(strategy, sim::ExecutionOptions{});
      exec.spawn("waiter", 0, [&] { done.wait(); });
      exec.spawn("worker", 1, [&] {
        x.load();
        x.store(1);
        x.load();
        worker_finished = true;
      });
      const sim::Outcome out = exec.run(seed);
      REQUIRE(out.violation);
      CHECK(out.violation->kind == "deadlock");
      CHECK(testutil::contains(out.violation->message, "waiter"));
      CHECK(testutil::contains(out.violation->message, "never_done"));
      CHECK(worker_finished);
    }
  }
}

TEST_CASE("completion: wait returns only after complete") {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    CAPTURE(seed);
    sim::RandomStrategy strategy;
    sim::Completion done("done");
    sim::Shared<int> x("x");
    std::vector<std::string> log;
    sim::Execution exec(strategy, sim::ExecutionOptions{});
    for (int w = 0; w < 2; ++w) {
      exec.spawn(numbered("waiter", w), w, [&] {
        done.wait();
        log.push_back("woken");
      });
    }
    exec.spawn("completer", 2, [&] {
      x.load();
      x.store(1);
      log.push_back("completing");
      done.complete();
    });
    const sim::Outcome out = exec.run(seed);
    REQUIRE_FALSE(out.violation);
    const std::vector<std::string> expected = {"completing", "woken", "woken"};
    CHECK(log == expected);
  }
}

TEST_CASE("step bound: a thread spinning forever") {
  sim::RandomStrategy strategy;
  SUBCASE("with the yield hint") {
    sim::Shared<int> flag("flag");
    sim::Execution exec(strategy, sim::ExecutionOptions{50, false});
    exec.spawn("spinner", 0, [&] {
      while (flag.load() == 0) sim::Execution::current().point({}, true);
    });
    const sim::Outcome out = exec.run(0);
    REQUIRE(out.violation);
    CHECK(out.violation->kind == "step-bound");
    CHECK(testutil::contains(out.violation->message, "50"));
    CHECK(out.steps == 50);
  }
  SUBCASE("with plain loads") {
    sim::Shared<int> flag("flag");
    sim::Execution exec(strategy, sim::ExecutionOptions{37, false});
    exec.spawn("spinner", 0, [&] {
      while (flag.load() == 0) {
      }
    });
    const sim::Outcome out = exec.run(0);
    REQUIRE(out.violation);
    CHECK(out.violation->kind == "step-bound");
    CHECK(out.steps == 37);
  }
  SUBCASE("while another thread is blocked: the message names it") {
    sim::Shared<int> flag("flag");
    sim::Completion never("never_done");
    sim::Execution exec(strategy, sim::ExecutionOptions{60, false});
    exec.spawn("spinner", 0, [&] {
      while (flag.load() == 0) sim::Execution::current().point({}, true);
    });
    exec.spawn("sleeper", 1, [&] { never.wait(); });
    const sim::Outcome out = exec.run(5);
    REQUIRE(out.violation);
    CHECK(out.violation->kind == "step-bound");
    CHECK(testutil::contains(out.violation->message, "sleeper"));
    CHECK(testutil::contains(out.violation->message, "never_done"));
  }
}

TEST_CASE("step bound: the yield hint lets the thread being waited for run") {
  for (uint64_t seed = 0; seed < 300; ++seed) {
    CAPTURE(seed);
    sim::RandomStrategy strategy;
    sim::Shared<int> flag("flag"), x("x");
    int spins = 0;
    sim::Execution exec(strategy, sim::ExecutionOptions{100, false});
    exec.spawn("spinner", 0, [&] {
      while (flag.load() == 0) {
        ++spins;
        sim::Execution::current().point({}, true);
      }
    });
    exec.spawn("setter", 1, [&] {
      for (int i = 0; i < 10; ++i) x.load();
      flag.store(1);
    });
    const sim::Outcome out = exec.run(seed);
    CHECK_FALSE(out.violation);
  }
}

TEST_CASE("a model exception is not a verdict: run() throws and names the thread") {
  sim::RandomStrategy strategy;
  sim::Shared<int> x("x");
  sim::Execution exec(strategy, sim::ExecutionOptions{});
  exec.spawn("fine", 0, [&] { x.load(); });
  exec.spawn("broken", 1, [&] {
    x.load();
    throw std::logic_error("boom");
  });
  try {
    exec.run(0);
    FAIL("run() did not throw");
  } catch (const std::runtime_error& e) {
    CHECK(testutil::contains(e.what(), "broken"));
    CHECK(testutil::contains(e.what(), "boom"));
  }
}

// ---------------------------------------------------------------------------
// Determinism and replay
// ---------------------------------------------------------------------------

TEST_CASE("random strategy: same seed, same schedule; replaying a schedule reproduces it") {
  int violations = 0;
  std::vector<std::vector<ThreadId>> distinct;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    CAPTURE(seed);
    std::vector<sim::Event> e1, e2, e3;
    std::vector<ThreadId> s1, s2, s3;
    const sim::Outcome o1 = run_abba(seed, true, &e1, &s1);
    const sim::Outcome o2 = run_abba(seed, true, &e2, &s2);
    CHECK(s1 == s2);
    CHECK(e1 == e2);
    CHECK(o1.violation == o2.violation);
    CHECK(o1.steps == s1.size());
    sim::ReplayStrategy replay(s1);
    const sim::Outcome o3 = run_abba(999, true, &e3, &s3, &replay);
    CHECK_FALSE(replay.diverged_at());
    CHECK(s3 == s1);
    CHECK(e3 == e1);
    CHECK(o3.violation == o1.violation);
    if (o1.violation) ++violations;
    if (std::find(distinct.begin(), distinct.end(), s1) == distinct.end()) distinct.push_back(s1);
    // Events are recorded in execution order.
    for (size_t i = 1; i < e1.size(); ++i) CHECK(e1[i - 1].step <= e1[i].step);
  }
  CHECK(violations > 0);
  CHECK(distinct.size() > 10);
}

TEST_CASE("random strategy: picks runnable threads; a yielding thread hands the turn on") {
  const std::vector<ThreadId> runnable = {0, 1, 2, 5};
  sim::RandomStrategy s;
  std::vector<std::vector<ThreadId>> sequences;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    CAPTURE(seed);
    s.begin_execution(seed);
    std::vector<ThreadId> seq;
    std::map<ThreadId, int> seen_plain;
    for (ThreadId current : runnable) {
      CAPTURE(current);
      std::map<ThreadId, int> seen_yielding;
      for (int i = 0; i < 40; ++i) {
        const ThreadId y = s.pick(sim::Decision{runnable, current, true, {}, 0});
        CHECK(std::count(runnable.begin(), runnable.end(), y) == 1);
        CHECK(y != current);
        ++seen_yielding[y];
        const ThreadId p = s.pick(sim::Decision{runnable, current, false, {}, 0});
        CHECK(std::count(runnable.begin(), runnable.end(), p) == 1);
        ++seen_plain[p];
        seq.push_back(y);
        seq.push_back(p);
      }
      CHECK(seen_yielding.size() == runnable.size() - 1);  // every other thread gets turns
    }
    CHECK(seen_plain.size() == runnable.size());  // the current one included
    const std::vector<ThreadId> one = {3};
    CHECK(s.pick(sim::Decision{one, 3, true, {}, 0}) == 3);  // nobody else to run
    CHECK(s.pick(sim::Decision{one, sim::kNoThread, false, {}, 0}) == 3);
    // Same seed, same sequence.
    s.begin_execution(seed);
    std::vector<ThreadId> again;
    for (ThreadId current : runnable)
      for (int i = 0; i < 40; ++i) {
        again.push_back(s.pick(sim::Decision{runnable, current, true, {}, 0}));
        again.push_back(s.pick(sim::Decision{runnable, current, false, {}, 0}));
      }
    CHECK(again == seq);
    if (std::find(sequences.begin(), sequences.end(), seq) == sequences.end())
      sequences.push_back(seq);
  }
  CHECK(sequences.size() == 50);
}

TEST_CASE("replay strategy: a schedule that runs out is reported as divergence") {
  sim::ReplayStrategy replay({0, 0});
  std::vector<sim::Event> events;
  run_abba(0, true, &events, nullptr, &replay);
  REQUIRE(replay.diverged_at());
  CHECK(*replay.diverged_at() == 2);
}

TEST_CASE("recording: events of shared accesses and the violation") {
  sim::RandomStrategy strategy;
  sim::Shared<uint64_t> v("v", 5);
  sim::Execution exec(strategy, sim::ExecutionOptions{100, true});
  exec.spawn("w", 3, [&] {
    v.store(0x2a);
    uint64_t expected = 0x2a;
    v.compare_exchange(expected, 0x30);
    expected = 7;
    v.compare_exchange(expected, 0x40);
    sim::fail("custom", "stop here");
  });
  const sim::Outcome out = exec.run(0);
  REQUIRE(out.violation);
  CHECK(out.violation->kind == "custom");
  CHECK(out.violation->message == "stop here");
  const auto& ev = exec.events();
  REQUIRE(ev.size() == 4);
  CHECK(ev[0].op == "store");
  CHECK(ev[0].object == "v");
  CHECK(ev[0].value == "0x2a");
  CHECK(ev[1].op == "cmpxchg");
  CHECK(ev[1].value == "0x30");
  CHECK(ev[2].op == "cmpxchg_fail");
  CHECK(ev[2].value == "0x30");
  CHECK(ev[3].op == "violation");
  CHECK(testutil::contains(ev[3].value, "custom"));
  CHECK(exec.threads().at(0).name == "w");
  CHECK(exec.threads().at(0).cpu == 3);
}

// ---------------------------------------------------------------------------
// Traces
// ---------------------------------------------------------------------------

namespace {

sim::Trace sample_trace() {
  sim::Trace t;
  t.tool = "kvmsim test";
  t.scenario = nlohmann::json{{"name", "sample"}, {"x", 1}};
  t.scenario_path = "somewhere/sample.json";
  t.variant = "v3.16";
  t.strategy = "random";
  t.seed = 42;
  t.step_bound = 1000;
  t.threads = {{"alice", 0}, {"bob", 1}};
  t.schedule = {0, 1, 1, 0};
  t.events = {{1, 0, "load", "x", "0x0", "f"}, {3, 1, "store", "x", "0x1", "g"}};
  t.violation = sim::Violation{"deadlock", "no runnable thread", 4, 1};
  return t;
}

}  // namespace

TEST_CASE("trace: SHA-256 is the standard one") {
  CHECK(sim::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sim::sha256_hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("trace: hash covers threads, schedule, events and verdict only") {
  const sim::Trace t = sample_trace();
  nlohmann::json threads = nlohmann::json::array();
  for (const auto& th : t.threads) threads.push_back({{"name", th.name}, {"cpu", th.cpu}});
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : t.events)
    events.push_back({{"step", e.step}, {"thread", e.thread}, {"op", e.op}, {"object", e.object},
                      {"value", e.value}, {"function", e.function}});
  const nlohmann::json verdict = {{"outcome", "violation"}, {"kind", "deadlock"},
                                  {"message", "no runnable thread"}, {"step", 4}, {"thread", 1}};
  const nlohmann::json body = {
      {"events", events}, {"schedule", t.schedule}, {"threads", threads}, {"verdict", verdict}};
  CHECK(t.hash() == sim::sha256_hex(body.dump()));

  sim::Trace other = t;
  other.variant = "v3.17";
  other.seed = 7;
  CHECK(other.hash() == t.hash());
  other.events[1].value = "0x2";
  CHECK(other.hash() != t.hash());
  other = t;
  other.schedule.push_back(0);
  CHECK(other.hash() != t.hash());
  other = t;
  other.violation.reset();
  CHECK(other.hash() != t.hash());
}

TEST_CASE("trace: write and read back") {
  testutil::TempDir dir;
  const sim::Trace t = sample_trace();
  const std::string path = dir.file("t.json");
  sim::write_trace(t, path);
  const nlohmann::json j = nlohmann::json::parse(testutil::read_file(path));
  CHECK(j.at("format") == "kvmsim-trace");
  CHECK(j.at("hash") == t.hash());
  const sim::Trace back = sim::read_trace(path);
  CHECK(back.tool == t.tool);
  CHECK(back.scenario == t.scenario);
  CHECK(back.scenario_path == t.scenario_path);
  CHECK(back.variant == t.variant);
  CHECK(back.strategy == t.strategy);
  CHECK(back.seed == t.seed);
  CHECK(back.step_bound == t.step_bound);
  CHECK(back.threads == t.threads);
  CHECK(back.schedule == t.schedule);
  CHECK(back.events == t.events);
  CHECK(back.violation == t.violation);
  CHECK(back.hash() == t.hash());
  CHECK_FALSE(testutil::fs::exists(path + ".tmp"));
}

TEST_CASE("trace: edited traces are rejected with the file and JSON path") {
  testutil::TempDir dir;
  const nlohmann::json good = sim::to_json(sample_trace());
  auto expect_error = [&](const nlohmann::json& j, const std::string& pointer) {
    const std::string path = dir.file("edited.json");
    testutil::write_file(path, j.dump(1));
    try {
      sim::read_trace(path);
      FAIL("accepted an edited trace, expected an error at " << pointer);
    } catch (const sim::InputError& e) {
      CAPTURE(e.what());
      CHECK(testutil::contains(e.what(), path));
      CHECK(testutil::contains(e.what(), pointer));
    }
  };
  nlohmann::json j = good;
  j["events"][1]["value"] = "0x2";
  expect_error(j, "/hash");
  j = good;
  j["schedule"][2] = 2;
  expect_error(j, "/schedule/2");
  j = good;
  j["format"] = "something-else";
  expect_error(j, "/format");
  j = good;
  j["scenario"]["content"]["x"] = 2;
  expect_error(j, "/scenario/sha256");
  j = good;
  j["surprise"] = true;
  expect_error(j, "/surprise");
  j = good;
  j["version"] = 99;
  expect_error(j, "/version");
  j = good;
  j["verdict"]["outcome"] = "maybe";
  expect_error(j, "/verdict/outcome");
}

TEST_CASE("timeline: one column per thread, width respected, violation marked") {
  const sim::Trace t = sample_trace();
  std::vector<sim::Event> events = t.events;
  events.push_back({4, 1, "violation", "", "deadlock: " + std::string(200, 'x'), ""});
  const std::string text = sim::render_timeline(t.threads, events, 80);
  CHECK(testutil::contains(text, "alice (CPU 0)"));
  CHECK(testutil::contains(text, "bob (CPU 1)"));
  CHECK(testutil::contains(text, ">>"));
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    REQUIRE(end != std::string::npos);
    CHECK(end - start <= 80);
    start = end + 1;
  }
}

// ---------------------------------------------------------------------------
// JSON input
// ---------------------------------------------------------------------------

TEST_CASE("json input: values, errors with file and pointer") {
  const nlohmann::json doc = nlohmann::json::parse(
      R"({"a": {"b/c": [1, "0x1000", "-150", true, -1, "12"]}, "s": "str"})");
  const sim::JsonIn root(doc, "file.json");
  const sim::JsonIn arr = root.at("a").at("b/c");
  CHECK(arr.pointer() == "/a/b~1c");
  CHECK(arr.at(size_t{0}).u64() == 1);
  CHECK(arr.at(size_t{1}).u64() == 0x1000);
  CHECK(arr.at(size_t{2}).i64() == -150);
  CHECK(arr.at(size_t{5}).u64() == 12);
  CHECK(arr.at(size_t{3}).boolean());
  CHECK(root.at("s").str() == "str");
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const sim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(testutil::contains(message([&] { arr.at(size_t{4}).u64(); }), "file.json: /a/b~1c/4:"));
  CHECK(testutil::contains(message([&] { arr.at(size_t{2}).u64(); }), "/a/b~1c/2"));
  CHECK(testutil::contains(message([&] { arr.at(size_t{6}); }), "/a/b~1c"));
  CHECK(testutil::contains(message([&] { root.at("missing"); }), "missing"));
  CHECK(testutil::contains(message([&] { root.at("s").u64(); }), "file.json: /s:"));
  CHECK(testutil::contains(message([&] { root.expect_object({"a"}); }), "file.json: /s:"));
  CHECK(message([&] { root.expect_object({"a", "s"}); }) == "no error");
  testutil::TempDir dir;
  CHECK(testutil::contains(message([&] { sim::read_json_file(dir.file("nope.json"), sim::kScenarioInput); }),
                           dir.file("nope.json")));
  testutil::write_file(dir.file("bad.json"), "{\"a\": ");
  CHECK(testutil::contains(message([&] { sim::read_json_file(dir.file("bad.json"), sim::kScenarioInput); }),
                           dir.file("bad.json")));
}

TEST_CASE("parse_u64 / parse_i64: decimal or hex, nothing else") {
  CHECK(sim::parse_u64("017") == std::optional<uint64_t>(17));  // not octal
  CHECK(sim::parse_u64("0x1f") == std::optional<uint64_t>(31));
  CHECK(sim::parse_u64("18446744073709551615") == std::optional<uint64_t>(UINT64_MAX));
  for (const char* bad : {"", "+1", " 1", "1 ", "-1", "0x", "0x-1", "18446744073709551616", "1e3"}) {
    CAPTURE(bad);
    CHECK_FALSE(sim::parse_u64(bad).has_value());
  }
  CHECK(sim::parse_i64("-150") == std::optional<int64_t>(-150));
  CHECK(sim::parse_i64("-9223372036854775808") == std::optional<int64_t>(INT64_MIN));
  CHECK(sim::parse_i64("9223372036854775807") == std::optional<int64_t>(INT64_MAX));
  for (const char* bad : {"9223372036854775808", "-9223372036854775809", "--1", "-", " -1"}) {
    CAPTURE(bad);
    CHECK_FALSE(sim::parse_i64(bad).has_value());
  }
}

// ---------------------------------------------------------------------------
// RwLock
// ---------------------------------------------------------------------------

TEST_CASE("rwlock: a second reader gets in while the first holds it") {
  // A takes it for read and hands the CPU to B; B's read_lock must not
  // block (if it did, A would run again and leave first, and B would find
  // itself alone inside).
  Directed strategy;
  sim::Execution exec(strategy, sim::ExecutionOptions{10000, false});
  sim::RwLock lock("l");
  sim::Shared<int> x("x", 0);
  int inside = 0, b_saw = 0;
  exec.spawn("A", 0, [&] {
    lock.read_lock();
    ++inside;
    strategy.want = 1;
    x.load();  // B runs
    --inside;
    lock.read_unlock();
  });
  exec.spawn("B", 1, [&] {
    lock.read_lock();
    ++inside;
    b_saw = inside;
    strategy.want = 0;
    x.load();
    --inside;
    lock.read_unlock();
  });
  REQUIRE_FALSE(exec.run(0).violation);
  CHECK(b_saw == 2);
  CHECK(inside == 0);
}

namespace {

struct RwRun {
  int max_readers = 0;         // readers inside at once
  int max_writers = 0;         // writers inside at once
  int reader_with_writer = 0;  // a reader inside while a writer is
  std::optional<sim::Violation> violation;
};

// Two writers and two readers, two critical sections each, with scheduling
// points inside; the ghost counters are plain ints (no scheduling point).
RwRun run_rwlock_program(uint64_t seed, bool use_lock) {
  RwRun r;
  sim::RandomStrategy strategy;
  sim::RwLock lock("l");
  sim::Shared<int> x("x", 0);
  int readers = 0, writers = 0;
  auto note = [&] {
    r.max_readers = std::max(r.max_readers, readers);
    r.max_writers = std::max(r.max_writers, writers);
    if (readers > 0 && writers > 0) ++r.reader_with_writer;
  };
  sim::Execution exec(strategy, sim::ExecutionOptions{});
  for (int t = 0; t < 2; ++t) {
    exec.spawn(numbered("writer", t), t, [&] {
      for (int i = 0; i < 2; ++i) {
        if (use_lock) lock.write_lock();
        ++writers;
        note();
        const int v = x.load();
        note();
        x.store(v + 1);
        note();
        --writers;
        if (use_lock) lock.write_unlock();
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    exec.spawn(numbered("reader", t), 2 + t, [&] {
      for (int i = 0; i < 2; ++i) {
        if (use_lock) lock.read_lock();
        ++readers;
        note();
        x.load();
        note();
        x.load();
        note();
        --readers;
        if (use_lock) lock.read_unlock();
      }
    });
  }
  r.violation = exec.run(seed).violation;
  return r;
}

}  // namespace

TEST_CASE("rwlock: a writer excludes readers and writers; readers overlap") {
  int readers_overlapped = 0;
  for (uint64_t seed = 0; seed < 500; ++seed) {
    CAPTURE(seed);
    const RwRun r = run_rwlock_program(seed, true);
    REQUIRE_FALSE(r.violation);
    CHECK(r.max_writers == 1);
    CHECK(r.reader_with_writer == 0);
    CHECK(r.max_readers <= 2);
    if (r.max_readers == 2) ++readers_overlapped;
  }
  CHECK(readers_overlapped > 0);
}

TEST_CASE("rwlock: without the lock the same program does overlap (control)") {
  int writers_overlapped = 0, readers_with_writer = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const RwRun r = run_rwlock_program(seed, false);
    REQUIRE_FALSE(r.violation);
    if (r.max_writers > 1) ++writers_overlapped;
    if (r.reader_with_writer > 0) ++readers_with_writer;
  }
  CHECK(writers_overlapped > 0);
  CHECK(readers_with_writer > 0);
}

TEST_CASE("rwlock: reinit while another thread holds it is lock-reinit-while-held") {
  for (bool for_write : {false, true}) {
    for (uint64_t seed = 0; seed < 20; ++seed) {
      CAPTURE(for_write);
      CAPTURE(seed);
      sim::RandomStrategy strategy;
      sim::RwLock lock("gpc->lock");
      sim::Completion held("held"), release("release");
      bool reinit_returned = false;
      sim::Execution exec(strategy, sim::ExecutionOptions{});
      exec.spawn("holder", 0, [&] {
        for_write ? lock.write_lock() : lock.read_lock();
        held.complete();
        release.wait();
        for_write ? lock.write_unlock() : lock.read_unlock();
      });
      const ThreadId initer = exec.spawn("initer", 1, [&] {
        held.wait();
        lock.reinit();
        reinit_returned = true;
        release.complete();
      });
      const sim::Outcome out = exec.run(seed);
      REQUIRE(out.violation);
      CHECK(out.violation->kind == "lock-reinit-while-held");
      CHECK(out.violation->message == std::string("rwlock_init(gpc->lock) while holder holds it for ") +
                                          (for_write ? "write" : "read"));
      CHECK(out.violation->thread == initer);
      CHECK_FALSE(reinit_returned);
    }
  }
}

TEST_CASE("rwlock: reinit of a free lock is fine, and the lock works after it") {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    CAPTURE(seed);
    sim::RandomStrategy strategy;
    sim::RwLock lock("l");
    sim::Completion released("released");
    sim::Shared<int> x("x", 0);
    int max_inside = 0, inside = 0;
    sim::Execution exec(strategy, sim::ExecutionOptions{});
    exec.spawn("user", 0, [&] {
      lock.read_lock();
      lock.read_unlock();
      lock.write_lock();
      lock.write_unlock();
      released.complete();
    });
    exec.spawn("initer", 1, [&] {
      released.wait();
      lock.reinit();
      lock.write_lock();
      ++inside;
      max_inside = std::max(max_inside, inside);
      x.load();
      --inside;
      lock.write_unlock();
    });
    CHECK_FALSE(exec.run(seed).violation);
    CHECK(max_inside == 1);
  }
  // Alone, with the lock free each time: never a violation.
  sim::RandomStrategy strategy;
  sim::RwLock lock("l");
  sim::Execution exec(strategy, sim::ExecutionOptions{});
  exec.spawn("t", 0, [&] {
    lock.reinit();
    lock.read_lock();
    lock.read_unlock();
    lock.reinit();
    lock.write_lock();
    lock.write_unlock();
    lock.reinit();
    lock.read_lock();
    lock.read_unlock();
  });
  CHECK_FALSE(exec.run(0).violation);
}

TEST_CASE("rwlock: read_unlock by a thread that does not hold it for read is a warn violation") {
  sim::RandomStrategy strategy;
  {
    sim::RwLock lock("l");
    sim::Execution exec(strategy, sim::ExecutionOptions{});
    exec.spawn("t", 0, [&] { lock.read_unlock(); });
    const sim::Outcome out = exec.run(0);
    REQUIRE(out.violation);
    CHECK(out.violation->kind == "warn:read-unlock-not-reader");
  }
  {
    // Another thread holding it for read does not make the caller a reader.
    sim::RwLock lock("l");
    sim::Completion held("held"), never("never");
    sim::Execution exec(strategy, sim::ExecutionOptions{});
    exec.spawn("reader", 0, [&] {
      lock.read_lock();
      held.complete();
      never.wait();  // still inside when the other thread unlocks
      lock.read_unlock();
    });
    const ThreadId other = exec.spawn("other", 1, [&] {
      held.wait();
      lock.read_unlock();
    });
    const sim::Outcome out = exec.run(3);
    REQUIRE(out.violation);
    CHECK(out.violation->kind == "warn:read-unlock-not-reader");
    CHECK(out.violation->thread == other);
  }
  {
    // Holding it for write is not holding it for read.
    sim::RwLock lock("l");
    sim::Execution exec(strategy, sim::ExecutionOptions{});
    exec.spawn("t", 0, [&] {
      lock.write_lock();
      lock.read_unlock();
    });
    const sim::Outcome out = exec.run(0);
    REQUIRE(out.violation);
    CHECK(out.violation->kind == "warn:read-unlock-not-reader");
  }
}

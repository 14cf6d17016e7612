// SPDX-License-Identifier: GPL-2.0-only
// Bounded exhaustive search: every schedule with at most K preemptions,
// fewest preemptions first, by re-running the program from scratch under a
// depth-first strategy, optionally pruned with sleep sets (Godefroid 1996).
//
// Iterative context bounding (Musuvathi & Qadeer, "Iterative context
// bounding for systematic testing of multithreaded programs", PLDI 2007):
// the search covers every schedule with 0 preemptions, then every one with
// 1, and so on up to K. The first violation found therefore has the fewest
// preemptions any violation within K has, and raising K never delays it:
// up to the level where it is found, a search with a higher K runs exactly
// the same executions.
//
// How: iteration c is the depth-first search of the tree of schedules with
// at most c preemptions (below), and only its executions with exactly c
// preemptions are new; the others repeat what iteration c - 1 covered and
// are counted apart (SearchResult::reexecuted). CHESS instead keeps a work
// queue of the prefixes that end in a preemption the bound stopped and
// starts iteration c + 1 from them, so nothing runs twice. That does not
// combine with the sleep sets below: a node's sleep set comes from the
// siblings explored before the branch, and under a work queue the sibling
// that preempts (cost 1) is explored an iteration after the one that goes
// on (cost 0) and its own subtree only grows in later iterations, so a
// thread put to sleep because "its branch covered this" would rest on a
// branch not yet covered within the bound. Re-running each iteration whole
// keeps every iteration a complete bounded search, for which the soundness
// argument below holds as it is. The price: the executions with fewer
// preemptions run again in every higher iteration; as each level holds
// several times the executions of the one below, that adds a fraction, not
// a factor. Over the clean states of the scenarios: 8% more executions at
// K=2 (26900 on 354418) and 28% at K=3 (152319 on 535138), with the same
// schedules and pruned executions as one depth-first pass within K.
//
// Definitions, at one decision (a Decision d):
// - A preemption is choosing a thread other than d.current when d.current
//   != kNoThread and !d.yielding: the current thread could have gone on.
//   This is exactly what Outcome::preemptions counts; the search checks that
//   both agree on every execution.
// - The choices: at a yielding decision (a spin-loop iteration) only the
//   other runnable threads (the spinning one cannot progress), unless it is
//   the only runnable one; switching away costs nothing. With d.current ==
//   kNoThread (start, blocked, finished) every runnable thread, at no cost.
//   Otherwise the current thread (no cost), then every other thread (one
//   preemption each). Choices are explored in that order, the others from
//   the thread after the current one round the circle of ids.
// - Fair schedules only (Musuvathi & Qadeer, "Fair stateless model
//   checking", PLDI 2008): a thread that yielded is not a choice until the
//   threads that could run when it yielded have run or cannot run now. A
//   spin-loop iteration changes nothing, so this loses no behaviour; it
//   keeps spinning threads from handing the CPU to each other for ever.
// - A schedule: one complete execution, as the thread chosen at each decision.
//
// Sleep sets, and why plain sleep sets are unsound here. After choice t has
// been explored at node n, plain sleep sets put t to sleep in n's later
// branches u: an execution of branch u that runs t's step before anything
// dependent with it is equivalent to one that starts with t, which branch t
// covered. Under a preemption bound that equivalent execution may need more
// preemptions than the bound allows, so branch t never ran it (Coons,
// Musuvathi & McKinley, "Bounded partial-order reduction", OOPSLA 2013). It
// bites at once with this engine's step model: each thread's first step
// ("start") touches nothing, so at the root plain sleep sets would let
// "B runs to its end, then A" be pruned in favour of "A starts, then B",
// which needs a preemption of A.
//
// The sound variant used here. Moving t's step from position j of such an
// execution E (between threads p and q) to the front changes its
// preemptions by at most cost(t at n) + cont(t) - cost(u at n), where cont(t)
// is 1 if t could go on after its step at n (not finished, blocked or
// spinning), 0 otherwise: the switches n->t and t->u are added, n->u is
// removed, and p->q costs no more than the p->t it replaces. So t sleeps in
// branch u only when cost(t) + cont(t) <= cost(u): when t is the current
// thread and u preempts it, or when t's step ended its run. With that rule
// every execution with at most c preemptions is equivalent (same order of
// dependent steps) to one iteration c explores with at most as many
// preemptions, for every iteration's bound c.
// "Dependent" is sim::independent on the labels, so the guarantee is only as
// good as the labels: a step's effects outside the labeled object (state
// changed between scheduling points) are invisible to it. --reduction none
// (reduction = false) makes no such assumption.
//
// An execution reaching a node where every choice within the bound is asleep
// is redundant: it is finished without preemptions and counted as pruned
// (at its iteration's level; as a re-execution with fewer preemptions),
// not as a schedule (a violation it meets is still reported).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "sim/runtime/execution.hpp"

namespace sim {

inline constexpr uint64_t kUnbounded = std::numeric_limits<uint64_t>::max();

// What one iteration added: its executions with exactly as many preemptions
// as its bound.
struct LevelCount {
  uint64_t schedules = 0;  // complete, non-redundant
  uint64_t pruned = 0;     // cut short as equivalent to an explored one
};

struct SearchResult;

struct SearchOptions {
  uint64_t preemption_bound = 2;          // K; kUnbounded for every schedule
  std::optional<uint64_t> max_schedules;  // stop after this many (new) schedules
  bool reduction = true;                  // sleep sets
  // Set (by SIGINT): stop after the execution under way, `interrupted`.
  const std::atomic<bool>* stop = nullptr;
  // Checkpoints are level-granular: the depth-first state inside a level
  // is not kept, so a resumed search starts at the level after the last
  // completed one. `resume`: the result as of the end of its levels (from
  // level_done), which the search goes on from; a search resumed from the
  // result of its completed levels ends with the totals and verdict of one
  // never stopped.
  const SearchResult* resume = nullptr;
  // Called with the result so far each time a level is completed and the
  // search goes on to the next.
  std::function<void(const SearchResult&)> level_done;
};

struct SearchResult {
  uint64_t schedules = 0;   // complete, non-redundant executions, each counted once
  uint64_t pruned = 0;      // executions cut short as equivalent to an explored one
  uint64_t reexecuted = 0;  // executions an iteration repeated from a lower bound
  // Index c: iteration c, whose bound is c preemptions. The last one is
  // partial when the search stopped in it (violation, max_schedules). When
  // it added nothing, no schedule takes that many preemptions.
  std::vector<LevelCount> levels;
  // Every schedule within the bound was covered (false when stopped by
  // max_schedules; also false after a violation, which stops the search).
  bool complete = false;
  std::vector<ThreadId> failing_schedule;  // of the first violation found
  std::optional<Outcome> failing;          // its outcome (with the violation)
  uint64_t max_depth = 0;                  // most decisions in one execution
  bool interrupted = false;                // stopped by SearchOptions::stop

  // Every execution run: what the search cost.
  uint64_t executions() const { return schedules + pruned + reexecuted; }
};

// Runs the iterations 0, 1, ... up to the bound (or until one finds that no
// schedule needs more preemptions), until max_schedules new schedules ran,
// an execution fails or `stop` is set. `run_one` runs one whole execution under the given
// strategy and returns its outcome; it receives the same Strategy object on
// every call.
SearchResult explore(const std::function<Outcome(Strategy&)>& run_one, const SearchOptions& o);

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
// Schedule minimization: a failing schedule shrunk to the fewest
// preemptions, then the fewest steps, that still fail the same way at the
// same place. Preemption removal first (a bug that needs one preemption is
// easiest to understand with one), then delta debugging (Zeller and
// Hildebrandt, "Simplifying and Isolating Failure-Inducing Input", 2002)
// over the runs of the schedule and their lengths, repeated to a fixed point.
// Deterministic: the same schedule and executor give the same result.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "sim/check.hpp"
#include "sim/runtime/execution.hpp"
#include "sim/strategy/strategy.hpp"

namespace sim {

// A stretch of a schedule: `length` consecutive decisions for `thread`.
struct ScheduleRun {
  ThreadId thread = kNoThread;
  uint64_t length = 0;

  bool operator==(const ScheduleRun&) const = default;
  auto operator<=>(const ScheduleRun&) const = default;
};

// A run that lasts until its thread blocks, finishes or spins.
inline constexpr uint64_t kToTheEnd = std::numeric_limits<uint64_t>::max();

// The maximal runs of one thread in `schedule`, in order.
std::vector<ScheduleRun> runs_of(std::span<const ThreadId> schedule);

// Follows a list of runs, tolerant of a model that no longer fits it (a
// candidate of the minimizer is an edited schedule, which the model may not
// be able to take): a run whose thread is not runnable is skipped, and so
// is every following run until one whose thread is. A kToTheEnd run also
// ends when its thread spins (yields with others runnable). When the runs
// are exhausted the execution goes on without preemptions: the current
// thread while it can, else the lowest runnable id, and after a spinning
// thread the next runnable id above it (cyclically, so that two spinners
// never hand the turn back and forth for ever).
class GuidedStrategy final : public Strategy {
 public:
  void follow(std::vector<ScheduleRun> runs) { runs_ = std::move(runs); }

  void begin_execution(uint64_t) override;
  ThreadId pick(const Decision& d) override;
  std::string name() const override { return "guided"; }

  // The last execution's decisions, and for each whether it preempted (a
  // switch away from a thread that could go on, as Execution counts them).
  const std::vector<ThreadId>& taken() const { return taken_; }
  const std::vector<bool>& preempting() const { return preempting_; }

 private:
  ThreadId choose(const Decision& d);

  std::vector<ScheduleRun> runs_;
  size_t run_ = 0;     // the run being followed
  uint64_t used_ = 0;  // decisions of it taken so far
  std::vector<ThreadId> taken_;
  std::vector<bool> preempting_;
};

// What one execution showed the minimizer.
struct Observation {
  Outcome outcome;
  // The function of the violating thread's last operation (where the
  // violation was found); "" without a violation.
  std::string function;
};

// The observation of `execution` after its run() returned `outcome`.
Observation observe(const Execution& execution, const Outcome& outcome);

// Runs one execution under the given strategy (the minimizer's
// GuidedStrategy) and reports what it showed.
using Executor = std::function<Observation(Strategy&)>;

struct MinimizeOptions {
  uint64_t max_executions = 5000;
};

// What is minimized, counted up to the violation: the decisions taken
// before it was found, and the preemptions among them. (An execution may
// go on deciding while it unwinds: a thread that had not started yet runs
// to its first switch. Those decisions say nothing about the bug.)
struct ScheduleCost {
  uint64_t preemptions = 0;
  uint64_t steps = 0;

  auto operator<=>(const ScheduleCost&) const = default;
};

struct MinimizeResult {
  std::vector<ThreadId> schedule;  // taken by the final execution, unwinding included
  Observation final;               // what it showed
  ScheduleCost before;             // of the schedule as given
  ScheduleCost after;              // of `schedule`
  uint64_t executions = 0;  // tried, the first (the schedule as given) included
  bool bounded = false;     // used all max_executions: maybe not a fixed point
};

// Shrinks `schedule`: the first execution follows it as given and fixes
// the failure to keep (violation kind, violating thread and the function of
// its last operation); every accepted candidate fails that same way, with
// fewer preemptions, or as many preemptions and fewer steps (ScheduleCost).
// If the schedule as given does not fail, the result is that clean
// execution (its cost counts every decision).
MinimizeResult minimize_schedule(std::span<const ThreadId> schedule, const Executor& execute,
                                 const MinimizeOptions& options = {});

}  // namespace sim

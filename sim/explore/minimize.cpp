// SPDX-License-Identifier: GPL-2.0-only
#include "sim/explore/minimize.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <utility>

namespace sim {

namespace {

bool is_runnable(const Decision& d, ThreadId t) {
  return std::binary_search(d.runnable.begin(), d.runnable.end(), t);
}

// A spinning thread cannot make progress by itself while another can run.
bool spinning(const Decision& d, ThreadId t) {
  return d.yielding && t == d.current && d.runnable.size() > 1;
}

// Same violation kind, same violating thread, same function of its last
// operation: the same bug found at the same place.
bool same_failure(const Observation& a, const Observation& b) {
  const auto& va = a.outcome.violation;
  const auto& vb = b.outcome.violation;
  return va && vb && va->kind == vb->kind && va->thread == vb->thread && a.function == b.function;
}

// `runs` with run i merged into the next run of its thread (or, without
// one, left to the non-preemptive end).
std::vector<ScheduleRun> postponed(const std::vector<ScheduleRun>& runs, size_t i) {
  auto c = runs;
  for (size_t j = i + 1; j < c.size(); ++j)
    if (c[j].thread == c[i].thread) {
      c[j].length += c[i].length;
      break;
    }
  c.erase(c.begin() + static_cast<ptrdiff_t>(i));
  return c;
}

// Ways to do without the preemption at the start of run k: the preempted
// thread does at once what it did next (its next run pulled forward into
// the preempted one); the preempting run happens later; the preempted run
// happens later (so that the preempting thread starts on a thread that
// blocked or finished, or itself); the preempted thread runs until it
// blocks, finishes or spins.
std::vector<std::vector<ScheduleRun>> preemption_candidates(const std::vector<ScheduleRun>& runs,
                                                            size_t k) {
  std::vector<std::vector<ScheduleRun>> out;
  for (size_t j = k + 1; j < runs.size(); ++j)
    if (runs[j].thread == runs[k - 1].thread) {
      auto c = runs;
      c[k - 1].length += c[j].length;
      c.erase(c.begin() + static_cast<ptrdiff_t>(j));
      out.push_back(std::move(c));
      break;
    }
  out.push_back(postponed(runs, k));
  out.push_back(postponed(runs, k - 1));
  auto c = runs;
  c[k - 1].length = kToTheEnd;
  out.push_back(std::move(c));
  return out;
}

class Minimizer {
 public:
  Minimizer(const Executor& execute, uint64_t max_executions)
      : execute_(execute), max_executions_(max_executions) {}

  void start(std::span<const ThreadId> schedule) {
    adopt(run(runs_of(schedule)));
  }

  const std::vector<ThreadId>& schedule() const { return schedule_; }
  const Observation& observation() const { return observation_; }
  const ScheduleCost& cost() const { return cost_; }
  uint64_t executions() const { return executions_; }
  bool exhausted() const { return executions_ >= max_executions_; }

  // Pass (a): every preemption, from the first, that one of
  // preemption_candidates removes.
  bool remove_preemptions() {
    bool any = false;
    for (size_t k = 1; k < runs_.size() && !exhausted();) {
      // After a removal the runs are the new execution's: look at k again.
      if (begins_with_preemption_[k] && remove_preemption(k)) any = true;
      else ++k;
    }
    return any;
  }

  // Pass (b), over runs: ddmin's "reduce to complement" with n chunks.
  bool remove_runs() {
    bool any = false;
    for (size_t n = 2; runs_.size() >= 2 && !exhausted();) {
      const size_t size = runs_.size();
      n = std::min(n, size);
      const size_t chunk = (size + n - 1) / n;
      bool removed = false;
      for (size_t start = 0; start < size && !removed; start += chunk) {
        auto c = runs_;
        c.erase(c.begin() + static_cast<ptrdiff_t>(start),
                c.begin() + static_cast<ptrdiff_t>(std::min(size, start + chunk)));
        removed = attempt(std::move(c), Goal::fewer_steps);
      }
      if (removed) {
        any = true;
        n = std::max<size_t>(n - 1, 2);
      } else if (n >= size) {
        break;
      } else {
        n = std::min(2 * n, size);
      }
    }
    return any;
  }

  // Pass (b), over run lengths: each run loses half, a quarter, ... of its
  // decisions to what follows it.
  bool shorten_runs() {
    bool any = false;
    for (size_t k = 0; k < runs_.size() && !exhausted(); ++k) {
      for (uint64_t cut = runs_[k].length / 2; cut > 0 && !exhausted();) {
        auto c = runs_;
        c[k].length -= cut;
        if (attempt(std::move(c), Goal::fewer_steps)) {
          any = true;
          cut = k < runs_.size() ? runs_[k].length / 2 : 0;
        } else {
          cut /= 2;
        }
      }
    }
    return any;
  }

 private:
  enum class Goal { fewer_preemptions, fewer_steps };

  bool remove_preemption(size_t k) {
    for (auto& c : preemption_candidates(runs_, k))
      if (attempt(std::move(c), Goal::fewer_preemptions)) return true;
    return false;
  }

  Observation run(std::vector<ScheduleRun> runs) {
    strategy_.follow(std::move(runs));
    Observation o = execute_(strategy_);
    ++executions_;
    if (strategy_.taken().size() != o.outcome.steps)
      throw std::logic_error("minimize: the executor did not run under the strategy it was given");
    return o;
  }

  // Runs a candidate; it becomes the best if it fails the same way and
  // meets the goal. A candidate tried before is refused without running:
  // it did not beat a best that was no better than today's.
  bool attempt(std::vector<ScheduleRun> runs, Goal goal) {
    if (exhausted() || !tried_.insert(runs).second) return false;
    Observation o = run(std::move(runs));
    if (!same_failure(o, observation_)) return false;
    const ScheduleCost now = cost_of_last_run(o), was = cost_;
    const bool better = goal == Goal::fewer_preemptions
                            ? now.preemptions < was.preemptions
                            : now.preemptions <= was.preemptions && now.steps < was.steps;
    if (better) adopt(std::move(o));
    return better;
  }

  ScheduleCost cost_of_last_run(const Observation& o) const {
    const auto& preempting = strategy_.preempting();
    const uint64_t steps = o.outcome.violation ? o.outcome.violation->step : o.outcome.steps;
    return ScheduleCost{static_cast<uint64_t>(std::count(
                            preempting.begin(), preempting.begin() + static_cast<ptrdiff_t>(steps),
                            true)),
                        steps};
  }

  // The schedule the strategy took becomes the one to shrink next.
  void adopt(Observation o) {
    cost_ = cost_of_last_run(o);
    observation_ = std::move(o);
    schedule_ = strategy_.taken();
    // What came after the violation is no part of the bug: nothing to shrink.
    runs_ = runs_of(std::span<const ThreadId>(schedule_).first(cost_.steps));
    begins_with_preemption_.clear();
    uint64_t at = 0;
    for (const ScheduleRun& r : runs_) {
      begins_with_preemption_.push_back(strategy_.preempting()[at]);
      at += r.length;
    }
  }

  const Executor& execute_;
  const uint64_t max_executions_;
  GuidedStrategy strategy_;
  uint64_t executions_ = 0;
  std::set<std::vector<ScheduleRun>> tried_;
  // The best execution so far.
  Observation observation_;
  ScheduleCost cost_;
  std::vector<ThreadId> schedule_;
  std::vector<ScheduleRun> runs_;
  std::vector<bool> begins_with_preemption_;  // per run
};

}  // namespace

std::vector<ScheduleRun> runs_of(std::span<const ThreadId> schedule) {
  std::vector<ScheduleRun> runs;
  for (const ThreadId t : schedule) {
    if (runs.empty() || runs.back().thread != t) runs.push_back(ScheduleRun{t, 0});
    ++runs.back().length;
  }
  return runs;
}

void GuidedStrategy::begin_execution(uint64_t) {
  run_ = 0;
  used_ = 0;
  taken_.clear();
  preempting_.clear();
}

ThreadId GuidedStrategy::pick(const Decision& d) {
  const ThreadId t = choose(d);
  taken_.push_back(t);
  preempting_.push_back(d.current != kNoThread && !d.yielding && t != d.current);
  return t;
}

ThreadId GuidedStrategy::choose(const Decision& d) {
  for (; run_ < runs_.size(); ++run_, used_ = 0) {
    const ScheduleRun& r = runs_[run_];
    if (used_ >= r.length || !is_runnable(d, r.thread)) continue;
    if (r.length == kToTheEnd && spinning(d, r.thread)) continue;
    ++used_;
    return r.thread;
  }
  if (d.current == kNoThread) return d.runnable.front();
  if (!spinning(d, d.current)) return d.current;
  const auto above = std::upper_bound(d.runnable.begin(), d.runnable.end(), d.current);
  return above == d.runnable.end() ? d.runnable.front() : *above;
}

Observation observe(const Execution& execution, const Outcome& outcome) {
  Observation o{outcome, ""};
  if (outcome.violation) o.function = execution.next_operation(outcome.violation->thread).function;
  return o;
}

MinimizeResult minimize_schedule(std::span<const ThreadId> schedule, const Executor& execute,
                                 const MinimizeOptions& options) {
  Minimizer m(execute, options.max_executions);
  m.start(schedule);
  MinimizeResult r;
  r.before = m.cost();
  if (m.observation().outcome.violation) {
    // Each pass only ever lowers (preemptions, steps), so this ends.
    for (bool changed = true; changed && !m.exhausted();) {
      changed = m.remove_preemptions();
      changed = m.remove_runs() || changed;
      changed = m.shorten_runs() || changed;
    }
  }
  r.schedule = m.schedule();
  r.final = m.observation();
  r.after = m.cost();
  r.executions = m.executions();
  r.bounded = m.exhausted();
  return r;
}

}  // namespace sim

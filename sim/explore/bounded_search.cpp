// SPDX-License-Identifier: GPL-2.0-only
#include "sim/explore/bounded_search.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace sim {

namespace {

bool same_label(const Label& a, const Label& b) {
  return a.object == b.object && a.access == b.access && std::strcmp(a.function, b.function) == 0;
}

// The depth-first strategy: replays the current path of the search tree,
// then extends it with the first choice at every new decision.
class DfsStrategy final : public Strategy {
 public:
  explicit DfsStrategy(bool reduction) : reduction_(reduction) {}

  // Starts the depth-first search of the tree of schedules with at most
  // `bound` preemptions.
  void start(uint64_t bound) {
    bound_ = bound;
    stack_.clear();
  }

  void begin_execution(uint64_t) override {
    schedule_.clear();
    preemptions_ = 0;
    redundant_ = false;
    waits_.clear();
  }

  ThreadId pick(const Decision& d) override {
    const size_t i = d.index;
    if (i > 0 && i - 1 < stack_.size()) {
      // The step chosen at i - 1 has run: could its thread have gone on?
      Node& prev = stack_[i - 1];
      prev.cont = d.current == prev.chosen().thread && !d.yielding;
    }
    if (waits_.empty()) waits_.resize(d.next.size());
    if (d.yielding && d.current != kNoThread) {
      std::vector<ThreadId>& w = waits_[d.current];
      w.clear();
      for (ThreadId u : d.runnable)
        if (u != d.current) w.push_back(u);
    }
    ThreadId t;
    if (redundant_) {
      t = without_preemption(d);
    } else if (i < stack_.size()) {
      t = replay(stack_[i], d);
    } else {
      t = extend(d);
    }
    for (std::vector<ThreadId>& w : waits_) w.erase(std::remove(w.begin(), w.end(), t), w.end());
    schedule_.push_back(t);
    return t;
  }

  std::string name() const override { return "explore"; }

  // Moves to the next unexplored path; false when the tree is covered.
  bool backtrack() {
    while (!stack_.empty()) {
      Node& n = stack_.back();
      n.done.push_back(Explored{n.chosen().thread, n.chosen().cost, n.cont});
      for (++n.next; n.next < n.choices.size(); ++n.next) {
        if (!asleep(n, n.chosen().thread)) {
          n.cont = false;
          return true;
        }
      }
      stack_.pop_back();
    }
    return false;
  }

  const std::vector<ThreadId>& schedule() const { return schedule_; }
  uint64_t preemptions() const { return preemptions_; }
  bool redundant() const { return redundant_; }

 private:
  struct Choice {
    ThreadId thread;
    uint8_t cost;  // preemptions it takes: 0 or 1
  };
  struct Asleep {
    ThreadId thread;
    Label label;  // its next operation when it fell asleep (still is: it has not run)
  };
  struct Explored {
    ThreadId thread;
    uint8_t cost;
    bool cont;  // it could have gone on after its step
  };
  struct Node {
    std::vector<ThreadId> runnable;  // as seen, to check that the prefix re-executes
    ThreadId current = kNoThread;
    bool yielding = false;
    std::vector<Label> labels;  // every thread's next operation here
    std::vector<Choice> choices;  // within the bound, in exploration order
    size_t next = 0;              // the choice being explored
    bool cont = false;            // its thread could go on after its step
    std::vector<Asleep> sleep;    // inherited from the path to this node
    std::vector<Explored> done;   // the choices explored before `next`

    const Choice& chosen() const { return choices[next]; }
  };

  static bool asleep(const Node& n, ThreadId t) {
    return std::any_of(n.sleep.begin(), n.sleep.end(), [t](const Asleep& s) { return s.thread == t; });
  }

  ThreadId replay(const Node& n, const Decision& d) {
    if (d.current != n.current || d.yielding != n.yielding ||
        !std::equal(d.runnable.begin(), d.runnable.end(), n.runnable.begin(), n.runnable.end()))
      throw std::logic_error("explore: decision " + std::to_string(d.index) +
                             " differs from the earlier run of the same schedule prefix "
                             "(the program is not deterministic)");
    preemptions_ += n.chosen().cost;
    return n.chosen().thread;
  }

  ThreadId extend(const Decision& d) {
    Node n;
    n.runnable.assign(d.runnable.begin(), d.runnable.end());
    n.current = d.current;
    n.yielding = d.yielding;
    n.labels.assign(d.next.begin(), d.next.end());
    const uint64_t budget = bound_ - preemptions_;
    const bool can_go_on = d.current != kNoThread && !d.yielding;
    if (can_go_on) n.choices.push_back(Choice{d.current, 0});
    for (ThreadId t : others_in_turn(d)) {
      const uint8_t cost = can_go_on ? 1 : 0;
      if (cost <= budget) n.choices.push_back(Choice{t, cost});
    }
    // Fairness (Musuvathi and Qadeer, "Fair stateless model checking",
    // PLDI 2008): a thread that yielded does not run again before the
    // threads that could run when it yielded have run (or cannot run now).
    // Without it, the search explores schedules in which two spinning
    // threads hand the CPU to each other for ever: free of preemptions, and
    // each ending at the step bound although no real scheduler would keep
    // the third thread from running.
    std::vector<Choice> fair;
    for (const Choice& c : n.choices)
      if (!waiting(d, c.thread)) fair.push_back(c);
    if (!fair.empty()) n.choices = std::move(fair);
    // A spinning thread that is the only one runnable spins on.
    if (n.choices.empty()) n.choices.push_back(Choice{d.current, 0});
    if (reduction_ && !stack_.empty()) inherit_sleep(stack_.back(), n);
    while (n.next < n.choices.size() && asleep(n, n.chosen().thread)) ++n.next;
    if (n.next == n.choices.size()) {
      // Every continuation within the bound starts with a sleeping thread:
      // equivalent to an explored execution.
      redundant_ = true;
      return without_preemption(d);
    }
    const Choice c = n.chosen();
    stack_.push_back(std::move(n));
    preemptions_ += c.cost;
    return c.thread;
  }

  // The sleep set of `child`, whose parent chose `parent.chosen()`: the
  // parent's sleeping threads and its explored choices that may sleep in
  // this branch (see the header), less those dependent with the step taken.
  void inherit_sleep(const Node& parent, Node& child) const {
    const Choice& u = parent.chosen();
    const Label& step = parent.labels[u.thread];
    for (const Asleep& s : parent.sleep)
      if (independent(s.label, step)) child.sleep.push_back(s);
    for (const Explored& e : parent.done) {
      const Label& l = parent.labels[e.thread];
      if (e.cost + (e.cont ? 1 : 0) <= u.cost && independent(l, step))
        child.sleep.push_back(Asleep{e.thread, l});
    }
    for (const Asleep& s : child.sleep)
      if (!same_label(s.label, child.labels[s.thread]))
        throw std::logic_error("explore: the next operation of sleeping thread " +
                               std::to_string(s.thread) + " changed while it did not run");
  }

  // Does t still owe a turn to a thread it yielded to, which could run now?
  bool waiting(const Decision& d, ThreadId t) const {
    return std::any_of(waits_[t].begin(), waits_[t].end(), [&](ThreadId u) {
      return std::binary_search(d.runnable.begin(), d.runnable.end(), u);
    });
  }

  // The runnable threads other than the current one, starting with the one
  // after it in id order, round the circle: a spinning thread hands the
  // turn on rather than back, so two threads spinning on a third let it
  // run (the first schedule of a search is fair).
  static std::vector<ThreadId> others_in_turn(const Decision& d) {
    std::vector<ThreadId> order;
    const auto after = std::upper_bound(d.runnable.begin(), d.runnable.end(), d.current);
    for (auto it = after; it != d.runnable.end(); ++it) order.push_back(*it);
    for (auto it = d.runnable.begin(); it != after; ++it)
      if (*it != d.current) order.push_back(*it);
    return order;
  }

  // The choice that costs no preemption: the current thread, else (spinning,
  // blocked, finished) the next other runnable one in turn.
  ThreadId without_preemption(const Decision& d) const {
    if (d.current != kNoThread && !d.yielding) return d.current;
    const std::vector<ThreadId> others = others_in_turn(d);
    return others.empty() ? d.current : others.front();
  }

  const bool reduction_;
  uint64_t bound_ = 0;
  std::vector<Node> stack_;  // one node per decision of the current path
  std::vector<ThreadId> schedule_;
  uint64_t preemptions_ = 0;
  bool redundant_ = false;
  // Per thread: the threads it yielded to that have not run since.
  std::vector<std::vector<ThreadId>> waits_;
};

}  // namespace

SearchResult explore(const std::function<Outcome(Strategy&)>& run_one, const SearchOptions& o) {
  SearchResult r = o.resume ? *o.resume : SearchResult{};
  DfsStrategy dfs(o.reduction);
  for (uint64_t bound = r.levels.size();; ++bound) {
    dfs.start(bound);
    r.levels.emplace_back();
    bool bound_reached = false;  // some execution took `bound` preemptions
    for (;;) {
      const Outcome out = run_one(dfs);
      if (out.preemptions != dfs.preemptions())
        throw std::logic_error("explore: the execution counted " +
                               std::to_string(out.preemptions) + " preemptions, the search " +
                               std::to_string(dfs.preemptions()));
      r.max_depth = std::max<uint64_t>(r.max_depth, dfs.schedule().size());
      if (out.preemptions == bound) {
        bound_reached = true;
        ++(dfs.redundant() ? r.levels.back().pruned : r.levels.back().schedules);
        ++(dfs.redundant() ? r.pruned : r.schedules);
      } else {
        ++r.reexecuted;
      }
      if (out.violation) {
        r.failing = out;
        r.failing_schedule = dfs.schedule();
        return r;
      }
      if (!dfs.backtrack()) break;
      if (o.max_schedules && r.schedules >= *o.max_schedules) return r;
      if (o.stop && o.stop->load(std::memory_order_relaxed)) {
        r.interrupted = true;
        return r;
      }
    }
    // No execution used the whole budget: the bound excluded no choice, so
    // a higher one would search the same tree again.
    if (!bound_reached || bound == o.preemption_bound) {
      r.complete = true;
      return r;
    }
    if (o.max_schedules && r.schedules >= *o.max_schedules) return r;
    if (o.level_done) o.level_done(r);
  }
}

}  // namespace sim

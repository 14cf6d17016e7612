// SPDX-License-Identifier: GPL-2.0-only
// One execution: a set of modeled threads run to completion (or to the first
// violation) under one strategy and seed. Every scheduling point asks the
// strategy which thread runs next, the current one included.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/check.hpp"
#include "sim/runtime/metrics.hpp"
#include "sim/object.hpp"
#include "sim/strategy/strategy.hpp"
#include "sim/runtime/worker_pool.hpp"
#include "sim/trace/event.hpp"

namespace sim {

class TraceHasher;

struct ExecutionOptions {
  uint64_t step_bound = 10000;  // scheduling decisions before "step-bound"
  bool record = false;          // keep events (off in sweeps)
  // With record: feed the events to the trace hash (trace_hash()) instead
  // of keeping them; the determinism check compares runs by it.
  bool hash_only = false;
  // Checked every kStopInterval decisions: once set, the execution ends
  // without a verdict (Outcome::interrupted). A sweep's Ctrl-C.
  const std::atomic<bool>* stop = nullptr;
};

struct Outcome {
  std::optional<Violation> violation;
  uint64_t steps = 0;        // scheduling decisions taken
  uint64_t preemptions = 0;  // switches away from a thread that could go on
  bool interrupted = false;  // stopped by ExecutionOptions::stop: no verdict
};

class Execution {
 public:
  Execution(Strategy& strategy, ExecutionOptions options);
  ~Execution();
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;

  ThreadId spawn(std::string name, int cpu, std::function<void()> body);
  Outcome run(uint64_t seed);

  // The execution running on this OS thread; valid inside modeled threads.
  static Execution& current();

  // --- for modeled threads ---------------------------------------------
  // A scheduling point: the strategy may switch to another runnable thread.
  // `next` is the operation the caller performs when it goes on; `yielding`
  // marks a spin-loop iteration. Returns true when the strategy chose
  // another thread, i.e. others ran before the caller resumed. A switch
  // away from a thread that could go on is a preemption, unless it yields.
  bool point(const Label& next, bool yielding = false);
  // Makes the calling thread not runnable until wake(); `on` names what it
  // waits for (for the deadlock message). Returns once woken and chosen.
  void block(const Object& on);
  void wake(ThreadId t);
  ThreadId self() const { return current_; }
  // Scheduling decisions taken so far in this execution.
  uint64_t decisions() const { return decisions_; }
  [[noreturn]] void fail(std::string kind, std::string message);

  bool recording() const { return options_.record; }
  void record(const char* op, const Object* object, std::string value, const char* function);
  // A note in the trace (not a scheduling point), formatted only when recording.
  template <class... Args>
  void note(const char* function, fmt::format_string<Args...> text, Args&&... args) {
    if (options_.record)
      record("note", nullptr, fmt::format(text, std::forward<Args>(args)...), function);
  }

  // What the model knows about its threads that the engine does not (for
  // example "vcpu0: in vcpu_enter_guest, KVM_REQ_GPC_INVALIDATE pending"),
  // appended to a step-bound violation's message.
  void describe_threads_with(std::function<std::string()> describe) {
    describe_threads_ = std::move(describe);
  }

  // This execution's metrics; cleared by run().
  Metrics& metrics() { return metrics_; }

  // --- results ------------------------------------------------------------
  const std::vector<ThreadInfo>& threads() const { return info_; }
  std::vector<ThreadId> schedule() const {
    return {schedule_.begin(), schedule_.begin() + static_cast<ptrdiff_t>(schedule_len_)};
  }
  const std::vector<Event>& events() const { return events_; }
  // Thread t's next operation; after the run, the one it performed last
  // (for the thread that failed: where the violation was found).
  const Label& next_operation(ThreadId t) const { return next_[t]; }
  // The chosen thread's next operation at each decision (when recording).
  const std::vector<Label>& labels() const { return labels_; }
  std::vector<StepLabel> step_labels() const;
  // With hash_only: the hash of the trace recording would have kept
  // (Trace::hash), computed as the execution ran.
  const std::string& trace_hash() const { return trace_hash_; }
  void set_hash_only(bool on) { options_.hash_only = on; }
  void set_stop(const std::atomic<bool>* stop) { options_.stop = stop; }
  const Metrics& metrics() const { return metrics_; }

  // Called by the worker fiber that runs thread `t`.
  void run_thread(ThreadId t);

 private:
  enum class Status : uint8_t { runnable, blocked, finished };
  struct Thread {
    std::function<void()> body;
    Status status = Status::runnable;
    const Object* waiting_on = nullptr;
  };
  struct Abort {};  // unwinds a modeled thread when the execution ends early

  // Decisions between two looks at ExecutionOptions::stop: an atomic load
  // per decision would cost the sweep's hottest path.
  static constexpr uint64_t kStopInterval = 1024;

  ThreadId decide(ThreadId current, bool yielding);
  void check_bound_and_stop();
  void grow_schedule();
  void switch_to(ThreadId next);
  void finish(ThreadId t);
  void set_violation(std::string kind, std::string message);
  void keep(Event e);
  std::string blocked_summary() const;
  ThreadId first_unfinished() const;

  static thread_local Execution* current_execution_;

  Strategy& strategy_;
  ExecutionOptions options_;
  WorkerPool* pool_ = nullptr;                 // this OS thread's, set by run()
  std::vector<WorkerPool::Worker*> workers_;   // the fiber running each thread
  std::vector<Thread> threads_;
  std::vector<ThreadInfo> info_;
  std::vector<ThreadId> runnable_;  // sorted
  // The decisions so far: the first schedule_len_ entries. Kept apart from
  // the vector's size so that the scheduling point never inlines a
  // reallocation (it cost six register saves per decision).
  std::vector<ThreadId> schedule_;
  size_t schedule_len_ = 0;
  std::vector<Event> events_;
  std::vector<Label> next_;    // each thread's next operation
  std::vector<Label> labels_;  // recorded: next_[chosen] at each decision
  std::unique_ptr<TraceHasher> hasher_;  // hash_only: instead of events_
  std::string trace_hash_;
  Metrics metrics_;
  std::optional<Violation> violation_;
  std::function<std::string()> describe_threads_;
  std::string internal_error_;
  ThreadId current_ = kNoThread;
  uint64_t decisions_ = 0;
  // The decision count at which point() next leaves its fast path: the
  // step bound, or, with a stop flag, the next look at it.
  uint64_t next_check_ = 0;
  bool interrupted_ = false;
  uint64_t preemptions_ = 0;
  size_t finished_ = 0;
  bool aborting_ = false;
  bool done_ = false;
};

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
#include "sim/runtime/execution.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "sim/runtime/worker_pool.hpp"
#include "sim/trace/trace_hash.hpp"

namespace sim {

thread_local Execution* Execution::current_execution_ = nullptr;

Execution& Execution::current() { return *current_execution_; }

void fail(std::string kind, std::string message) {
  Execution::current().fail(std::move(kind), std::move(message));
}

Execution::Execution(Strategy& strategy, ExecutionOptions options)
    : strategy_(strategy), options_(options) {
  // The schedule is kept even when not recording (replay and tests read it).
  schedule_.resize(std::min<uint64_t>(options.step_bound, 1 << 16) + 64);
}

Execution::~Execution() = default;

ThreadId Execution::spawn(std::string name, int cpu, std::function<void()> body) {
  if (threads_.size() >= kNoThread) throw std::length_error("too many modeled threads");
  threads_.push_back(Thread{std::move(body)});
  info_.push_back(ThreadInfo{std::move(name), cpu});
  return static_cast<ThreadId>(threads_.size() - 1);
}

Outcome Execution::run(uint64_t seed) {
  if (threads_.empty()) return Outcome{};
  pool_ = &WorkerPool::instance();
  current_execution_ = this;
  strategy_.begin_execution(seed);
  runnable_.clear();
  schedule_len_ = 0;
  events_.clear();
  labels_.clear();
  trace_hash_.clear();
  if (options_.hash_only) {
    if (!hasher_) hasher_ = std::make_unique<TraceHasher>();
    hasher_->begin();
  }
  // Before its first step a thread touches nothing shared.
  next_.assign(threads_.size(), Label(nullptr, "start", Access::none));
  metrics_.clear();
  violation_.reset();
  internal_error_.clear();
  decisions_ = 0;
  next_check_ = options_.stop ? std::min(options_.step_bound, kStopInterval) : options_.step_bound;
  interrupted_ = false;
  preemptions_ = 0;
  finished_ = 0;
  aborting_ = false;
  done_ = false;
  workers_.clear();
  for (ThreadId t = 0; t < threads_.size(); ++t) {
    threads_[t].status = Status::runnable;
    threads_[t].waiting_on = nullptr;
    runnable_.push_back(t);
    WorkerPool::Worker& w = pool_->worker(t);
    w.exec = this;
    w.thread = t;
    workers_.push_back(&w);
  }
  current_ = decide(kNoThread, false);
  pool_->switch_to(*workers_[current_]);
  pool_->wait_from_main(done_);
  current_execution_ = nullptr;
  if (!internal_error_.empty()) throw std::runtime_error(internal_error_);
  if (options_.record && options_.hash_only) {
    for (const Label& l : labels_)
      hasher_->label(l.function, l.object ? std::string_view(*l.object) : std::string_view());
    trace_hash_ = hasher_->finish(info_, {schedule_.data(), schedule_len_}, violation_);
  }
  return Outcome{violation_, decisions_, preemptions_, interrupted_};
}

ThreadId Execution::decide(ThreadId current, bool yielding) {
  const ThreadId next = strategy_.pick(Decision{runnable_, current, yielding, next_, decisions_});
  ++decisions_;
  if (schedule_len_ == schedule_.size()) [[unlikely]] grow_schedule();
  schedule_[schedule_len_++] = next;
  if (options_.record) labels_.push_back(next_[next]);
  return next;
}

void Execution::grow_schedule() { schedule_.resize(schedule_.size() * 2); }

void Execution::check_bound_and_stop() {
  if (decisions_ >= options_.step_bound)
    fail("step-bound", "no verdict within " + std::to_string(options_.step_bound) +
                           " scheduling decisions" + blocked_summary() +
                           (describe_threads_ ? "; " + describe_threads_() : ""));
  if (options_.stop->load(std::memory_order_relaxed)) {
    interrupted_ = true;
    aborting_ = true;
    pool_->forget_frames_before_unwinding(current_);
    throw Abort{};
  }
  next_check_ = std::min(options_.step_bound, decisions_ + kStopInterval);
}

bool Execution::point(const Label& next, bool yielding) {
  if (decisions_ >= next_check_) [[unlikely]] check_bound_and_stop();
  next_[current_] = next;
  const ThreadId chosen = decide(current_, yielding);
  if (chosen == current_) return false;
  if (!yielding) ++preemptions_;
  switch_to(chosen);
  return true;
}

void Execution::block(const Object& on) {
  Thread& me = threads_[current_];
  me.status = Status::blocked;
  // Woken, it goes on by looking at what it waited for.
  next_[current_] = Label(&on, next_[current_].function, Access::write);
  me.waiting_on = &on;
  runnable_.erase(std::find(runnable_.begin(), runnable_.end(), current_));
  if (runnable_.empty()) fail("deadlock", "no runnable thread" + blocked_summary());
  switch_to(decide(kNoThread, false));
}

void Execution::wake(ThreadId t) {
  Thread& th = threads_[t];
  if (th.status != Status::blocked) return;
  th.status = Status::runnable;
  th.waiting_on = nullptr;
  runnable_.insert(std::upper_bound(runnable_.begin(), runnable_.end(), t), t);
}

void Execution::switch_to(ThreadId next) {
  current_ = next;
  pool_->switch_to(*workers_[next]);
  // Resumed: whoever switched to us has set current_ back to us.
  if (aborting_) {
    pool_->forget_frames_before_unwinding(current_);
    throw Abort{};
  }
}

void Execution::set_violation(std::string kind, std::string message) {
  if (violation_) return;
  violation_ = Violation{std::move(kind), std::move(message), decisions_, current_};
  if (options_.record)
    keep(Event{decisions_, current_, "violation", "", violation_->kind + ": " + violation_->message,
               ""});
}

void Execution::fail(std::string kind, std::string message) {
  set_violation(std::move(kind), std::move(message));
  aborting_ = true;
  pool_->forget_frames_before_unwinding(current_);
  throw Abort{};
}

void Execution::record(const char* op, const Object* object, std::string value,
                       const char* function) {
  if (options_.hash_only) {
    hasher_->event(decisions_, current_, op, object ? std::string_view(object->name()) : "", value,
                  function);
    return;
  }
  keep(Event{decisions_, current_, op, object ? object->name() : std::string(), std::move(value),
             function});
}

void Execution::keep(Event e) {
  if (options_.hash_only) {
    hasher_->event(e);
  } else {
    events_.push_back(std::move(e));
  }
}

std::vector<StepLabel> Execution::step_labels() const {
  std::vector<StepLabel> out;
  out.reserve(labels_.size());
  for (const Label& l : labels_) out.push_back(StepLabel{l.function, l.object ? *l.object : ""});
  return out;
}

void Execution::run_thread(ThreadId t) {
  try {
    // A thread first started while the execution unwinds has nothing to
    // undo: running its body would take decisions after the verdict.
    if (!aborting_) threads_[t].body();
  } catch (const Abort&) {
    pool_->forget_unwound_frames(t);
  } catch (const std::exception& e) {
    pool_->forget_unwound_frames(t);
    // A model bug, not a verdict: end the execution and let run() throw.
    if (internal_error_.empty())
      internal_error_ = "model error in thread " + info_[t].name + ": " + e.what();
    aborting_ = true;
  }
  finish(t);
}

void Execution::finish(ThreadId t) {
  threads_[t].status = Status::finished;
  auto it = std::find(runnable_.begin(), runnable_.end(), t);
  if (it != runnable_.end()) runnable_.erase(it);
  ++finished_;
  if (finished_ == threads_.size()) {
    done_ = true;
    pool_->park();
    return;
  }
  if (!aborting_ && runnable_.empty()) {
    current_ = t;
    set_violation("deadlock", "no runnable thread" + blocked_summary());
    aborting_ = true;
  }
  // While aborting, every unfinished thread is resumed (blocked or not) so
  // that it unwinds to its end; no fiber is left suspended mid-body.
  current_ = aborting_ ? first_unfinished() : decide(kNoThread, false);
  pool_->switch_to(*workers_[current_]);
}

ThreadId Execution::first_unfinished() const {
  for (ThreadId t = 0; t < threads_.size(); ++t)
    if (threads_[t].status != Status::finished) return t;
  return kNoThread;
}

std::string Execution::blocked_summary() const {
  std::string s;
  for (ThreadId t = 0; t < threads_.size(); ++t) {
    if (threads_[t].status != Status::blocked) continue;
    s += s.empty() ? "; blocked: " : ", ";
    s += info_[t].name + " on " + threads_[t].waiting_on->name();
  }
  return s;
}

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
// One per OS thread: the fibers that run modeled threads, created once and
// reused across executions (creating fibers would cost about a quarter of a
// short execution). A worker between executions is parked: it is never the
// target, so the directed algorithm never resumes it.
#pragma once

#include <boost/fiber/all.hpp>

#include "sim/runtime/directed_algorithm.hpp"
#include <cstddef>
#include <deque>

namespace sim {

class Execution;

class WorkerPool {
 public:
  struct Worker {
    boost::fibers::fiber fiber;
    boost::fibers::context* ctx = nullptr;
    Execution* exec = nullptr;  // what to run when next targeted
    uint16_t thread = 0;
    bool shutdown = false;
    boost::context::stack_context stack;  // bounds of the fiber's stack
  };

  static WorkerPool& instance();  // this OS thread's pool

  Worker& worker(size_t i);  // grows the pool on demand

  // From a running fiber (or main): run `w` next and suspend the caller. A
  // worker that switches away this way is parked until targeted again.
  void switch_to(Worker& w) {
    algo_->set_target(w.ctx);
    boost::this_fiber::yield();
  }

  // From main: suspend until no modeled fiber is targeted any more.
  void wait_from_main(const bool& done);

  // From a worker whose execution has ended: hand control back to main.
  void park();

  // After an exception unwound part of worker `i`'s stack (from its running
  // fiber). Under AddressSanitizer, Debian's Boost.Context does not announce
  // stack switches, so ASan cannot unpoison the abandoned frames itself
  // (__asan_handle_no_return ignores a stack it does not know) and a later
  // call would trip over their stale poison. Elsewhere this does nothing.
  void forget_unwound_frames(size_t i);
  // Before an exception starts to unwind worker `i`'s stack (from its
  // running fiber): the frames it will pop were entered and left across
  // stack switches, and the landing pads on the way call into ASan
  // (__asan_handle_no_return), which would trip over their stale poison.
  // Clears the whole stack; elsewhere this does nothing.
  void forget_frames_before_unwinding(size_t i);

  ~WorkerPool();

 private:
  // The lowest address of worker `i`'s stack (it grows down from stack.sp).
  const char* stack_bottom(size_t i) const;
  WorkerPool();
  static void worker_main(Worker* w);

  DirectedAlgorithm* algo_;  // owned by Boost's scheduler
  std::deque<Worker> workers_;     // deque: workers never move
};

}  // namespace sim

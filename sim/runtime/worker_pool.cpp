// SPDX-License-Identifier: GPL-2.0-only
#include "sim/runtime/worker_pool.hpp"

#include "sim/runtime/execution.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace sim {

namespace {
// Model code is shallow; 256 KiB leaves room for sanitizer builds.
constexpr size_t kStackSize = 256 * 1024;

// A fixedsize_stack that tells its worker where the stack is.
class RecordedStack {
 public:
  explicit RecordedStack(boost::context::stack_context* where) : where_(where) {}
  boost::context::stack_context allocate() { return *where_ = inner_.allocate(); }
  void deallocate(boost::context::stack_context& sc) noexcept { inner_.deallocate(sc); }

 private:
  boost::fibers::fixedsize_stack inner_{kStackSize};
  boost::context::stack_context* where_;
};
}  // namespace

WorkerPool& WorkerPool::instance() {
  static thread_local WorkerPool pool;
  return pool;
}

WorkerPool::WorkerPool() {
  algo_ = new DirectedAlgorithm();  // Boost's scheduler owns it (intrusive_ptr)
  boost::fibers::context::active()->get_scheduler()->set_algo(
      boost::fibers::algo::algorithm::ptr_t(algo_));
}

WorkerPool::~WorkerPool() {
  for (auto& w : workers_) {
    w.shutdown = true;
    algo_->set_target(w.ctx);
    w.fiber.join();
  }
}

void WorkerPool::worker_main(Worker* w) {
  w->ctx = boost::fibers::context::active();
  boost::this_fiber::yield();  // back to main: parked until first targeted
  while (!w->shutdown) w->exec->run_thread(w->thread);
}

WorkerPool::Worker& WorkerPool::worker(size_t i) {
  while (workers_.size() <= i) {
    Worker& w = workers_.emplace_back();
    // launch::dispatch runs the new fiber at once, so it records its context
    // before anyone needs to target it.
    w.fiber = boost::fibers::fiber(boost::fibers::launch::dispatch, std::allocator_arg,
                                   RecordedStack(&w.stack),
                                   &WorkerPool::worker_main, &w);
  }
  return workers_[i];
}

void WorkerPool::wait_from_main(const bool& done) {
  while (!done) boost::this_fiber::yield();
}

void WorkerPool::park() { boost::this_fiber::yield(); }

const char* WorkerPool::stack_bottom(size_t i) const {
  return static_cast<const char*>(workers_[i].stack.sp) - workers_[i].stack.size;
}

void WorkerPool::forget_unwound_frames([[maybe_unused]] size_t i) {
#if defined(__SANITIZE_ADDRESS__)
  // The stack grows down from stack.sp; everything below this frame is dead.
  const char* bottom = stack_bottom(i);
  const auto* here = static_cast<const char*>(__builtin_frame_address(0));
  __asan_unpoison_memory_region(bottom, static_cast<size_t>(here - bottom));
#endif
}

void WorkerPool::forget_frames_before_unwinding([[maybe_unused]] size_t i) {
#if defined(__SANITIZE_ADDRESS__)
  __asan_unpoison_memory_region(stack_bottom(i), workers_[i].stack.size);
#endif
}

}  // namespace sim

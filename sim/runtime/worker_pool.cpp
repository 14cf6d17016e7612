#include "sim/runtime/worker_pool.hpp"

#include "sim/runtime/directed_algorithm.hpp"
#include "sim/runtime/execution.hpp"

namespace sim {

namespace {
// Model code is shallow; 256 KiB leaves room for sanitizer builds.
constexpr size_t kStackSize = 256 * 1024;
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
                                   boost::fibers::fixedsize_stack(kStackSize),
                                   &WorkerPool::worker_main, &w);
  }
  return workers_[i];
}

void WorkerPool::switch_to(Worker& w) {
  algo_->set_target(w.ctx);
  boost::this_fiber::yield();
}

void WorkerPool::wait_from_main(const bool& done) {
  while (!done) boost::this_fiber::yield();
}

void WorkerPool::park() { boost::this_fiber::yield(); }

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
// A Boost.Fiber scheduling algorithm that runs exactly the fiber the strategy
// chose. Modeled threads never wait in Boost's ready queue: every modeled
// fiber that is not running is ready, and one runs only when it is the target.
// Main and dispatcher contexts (pinned) run when no modeled fiber is targeted.
#pragma once

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>

namespace sim {

class DirectedAlgorithm final : public boost::fibers::algo::algorithm {
 public:
  void awakened(boost::fibers::context* ctx) noexcept override;
  boost::fibers::context* pick_next() noexcept override;
  bool has_ready_fibers() const noexcept override;
  void suspend_until(std::chrono::steady_clock::time_point const&) noexcept override;
  void notify() noexcept override {}

  void set_target(boost::fibers::context* ctx) { target_ = ctx; }

 private:
  boost::fibers::context* target_ = nullptr;
  // At most the main and the dispatcher context: a tiny FIFO.
  boost::fibers::context* pinned_[2] = {nullptr, nullptr};
  int pinned_count_ = 0;
};

}  // namespace sim

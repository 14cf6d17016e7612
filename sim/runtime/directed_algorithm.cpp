// SPDX-License-Identifier: GPL-2.0-only
#include "sim/runtime/directed_algorithm.hpp"

#include <cstdio>
#include <cstdlib>

namespace sim {

void DirectedAlgorithm::awakened(boost::fibers::context* ctx) noexcept {
  // Modeled fibers are chosen by the strategy through set_target(), never by
  // queue order, so only pinned contexts are queued here.
  if (!ctx->is_context(boost::fibers::type::pinned_context)) return;
  if (pinned_count_ == 2) {
    std::fputs("kvmsim: internal error: more than two pinned fiber contexts\n", stderr);
    std::abort();
  }
  pinned_[pinned_count_++] = ctx;
}

boost::fibers::context* DirectedAlgorithm::pick_next() noexcept {
  if (target_ != nullptr) {
    boost::fibers::context* next = target_;
    target_ = nullptr;
    return next;
  }
  if (pinned_count_ == 0) return nullptr;
  boost::fibers::context* next = pinned_[0];
  pinned_[0] = pinned_[1];
  pinned_[1] = nullptr;
  --pinned_count_;
  return next;
}

bool DirectedAlgorithm::has_ready_fibers() const noexcept {
  return target_ != nullptr || pinned_count_ > 0;
}

void DirectedAlgorithm::suspend_until(std::chrono::steady_clock::time_point const&) noexcept {
  // Nothing in kvmsim waits on time or on Boost primitives, so the OS thread
  // is never idle: reaching here is an engine bug, and hanging would hide it.
  std::fputs("kvmsim: internal error: fiber scheduler has nothing to run\n", stderr);
  std::abort();
}

}  // namespace sim

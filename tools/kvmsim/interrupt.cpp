// SPDX-License-Identifier: GPL-2.0-only
#include "interrupt.hpp"

#include <signal.h>

namespace kvmsim {

namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "a signal handler may store only lock-free");

void on_sigint(int) { g_interrupted.store(true, std::memory_order_relaxed); }

}  // namespace

void catch_interrupt() {
  struct sigaction action = {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
}

const std::atomic<bool>& interrupted() { return g_interrupted; }

}  // namespace kvmsim

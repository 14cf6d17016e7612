// SPDX-License-Identifier: GPL-2.0-only
#include "interrupt.hpp"

#include <signal.h>

namespace kvmsim {

namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};   // the first one
std::atomic<int> g_holding{0};  // HoldInterrupts alive
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "a signal handler may store only lock-free");

// Any thread may run it. signal() and raise() are async-signal-safe.
void on_signal(int sig) {
  if (!g_interrupted.exchange(true, std::memory_order_relaxed)) {
    g_signal.store(sig, std::memory_order_relaxed);
    return;
  }
  if (g_holding.load(std::memory_order_relaxed) > 0) return;
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

void catch_interrupt() {
  struct sigaction action = {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // Delivered from now on: a parent that started kvmsim with them blocked
  // (so that a signal sent before this point waits instead of killing it,
  // as the tests do) gets them handled.
  sigset_t both;
  sigemptyset(&both);
  sigaddset(&both, SIGINT);
  sigaddset(&both, SIGTERM);
  pthread_sigmask(SIG_UNBLOCK, &both, nullptr);
}

const std::atomic<bool>& interrupted() { return g_interrupted; }

int interrupted_exit() {
  const int sig = g_signal.load(std::memory_order_relaxed);
  return 128 + (sig ? sig : SIGINT);
}

HoldInterrupts::HoldInterrupts() { g_holding.fetch_add(1, std::memory_order_relaxed); }
HoldInterrupts::~HoldInterrupts() { g_holding.fetch_sub(1, std::memory_order_relaxed); }

}  // namespace kvmsim

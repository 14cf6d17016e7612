// SPDX-License-Identifier: GPL-2.0-only
// The sweep's progress line on a terminal:
//   "  12,345 / 100,000 executions  41.2k/s  elapsed 0:03  left ~0:21  violations 7"
// redrawn in place. Nothing is drawn when the output is not a terminal, so
// pipes and CI logs get only the sweep's results.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace kvmsim {

// The line's text (no "\r", no padding); `elapsed_seconds` is wall time
// since the start. The rate and the estimate are left out until there is
// something to measure.
std::string progress_line(uint64_t done, uint64_t total, uint64_t violations,
                          double elapsed_seconds);

// Shared by the workers of a sweep: each calls add() after its executions,
// from any OS thread. Whoever comes by when a redraw is due (at most every
// 100 ms) and finds no one else drawing draws; the others go on at once.
class Progress {
 public:
  // `force` draws even when `out` is not a terminal (for tests).
  explicit Progress(uint64_t total_executions, std::FILE* out = stderr, bool force = false);
  ~Progress();  // finish()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add(uint64_t executions, uint64_t violations);
  // Draws the final state and ends the line, if a line was drawn; later
  // add() calls draw nothing. Idempotent.
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::duration kInterval = std::chrono::milliseconds(100);

  void draw(Clock::time_point now);  // with mutex_ held

  const uint64_t total_;
  std::FILE* const out_;
  const bool enabled_;
  const Clock::time_point start_;
  std::atomic<uint64_t> done_{0};
  std::atomic<uint64_t> violations_{0};
  // Time since start_ (in Clock ticks) before which no one redraws: lets
  // add() skip the lock on all but a few calls.
  std::atomic<Clock::rep> next_draw_;
  std::mutex mutex_;     // held by the one thread drawing
  size_t drawn_width_ = 0;  // of the line on screen; 0: none drawn
  bool finished_ = false;
};

}  // namespace kvmsim

// SPDX-License-Identifier: GPL-2.0-only
// Timed repetitions on a noisy machine: a figure is the median over several
// repetitions, each running whole units of work (executions) until a minimum
// wall-clock time has passed. Wall-clock time is for the benchmark only: the
// simulator itself never reads a clock.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace bench {

struct Timing {
  int repetitions = 7;       // each figure is the median of this many
  double min_seconds = 0.3;  // each repetition runs at least this long
};

struct Rate {
  double median = 0, min = 0, max = 0;  // units per second
};

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline Rate summarize(std::vector<double> rates) {
  std::sort(rates.begin(), rates.end());
  const size_t n = rates.size();
  const double median = n % 2 ? rates[n / 2] : (rates[n / 2 - 1] + rates[n / 2]) / 2;
  return Rate{median, rates.front(), rates.back()};
}

// `once()` runs one execution and returns how many units it counts for
// (1 for executions, Outcome.steps for decisions). The clock is read every
// 16 executions so that reading it costs well under 1% of a short execution.
template <class F>
Rate measure(const Timing& timing, F&& once) {
  // Warm-up (not timed): grows the worker pool, faults in the fiber stacks
  // and gives the CPU a moment to leave its idle frequency.
  for (const auto start = std::chrono::steady_clock::now(); seconds_since(start) < 0.05;) once();
  std::vector<double> rates;
  for (int r = 0; r < timing.repetitions; ++r) {
    uint64_t units = 0;
    double elapsed = 0;
    const auto start = std::chrono::steady_clock::now();
    do {
      for (int i = 0; i < 16; ++i) units += once();
      elapsed = seconds_since(start);
    } while (elapsed < timing.min_seconds);
    rates.push_back(static_cast<double>(units) / elapsed);
  }
  return summarize(std::move(rates));
}

}  // namespace bench

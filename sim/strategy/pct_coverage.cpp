// SPDX-License-Identifier: GPL-2.0-only
#include "sim/strategy/pct_coverage.hpp"

#include <cmath>

#include <fmt/format.h>

namespace sim {

PctCoverage pct_coverage(uint32_t depth, uint32_t threads, uint64_t k, uint64_t max_steps_seen,
                         uint64_t executions) {
  PctCoverage c{depth, threads, k, max_steps_seen, executions};
  // The initial priorities give the bug's first thread the highest one with
  // probability 1/n; each of the d-1 change points lands on the step that
  // one ordering constraint needs with probability 1/k.
  c.per_execution = 1.0 / (static_cast<double>(threads) *
                           std::pow(static_cast<double>(k), static_cast<double>(depth) - 1));
  // Executions draw independently. 1 - (1-p)^N in the naive form loses
  // every digit when p is far below the double's epsilon.
  if (executions > 0)
    c.over_sweep = -std::expm1(static_cast<double>(executions) * std::log1p(-c.per_execution));
  return c;
}

std::string describe(const PctCoverage& c) {
  const std::string formula = c.depth == 1   ? "1/n"
                              : c.depth == 2 ? "1/(n*k)"
                                             : fmt::format("1/(n*k^{})", c.depth - 1);
  std::string line = fmt::format(
      "PCT depth {}: n={} threads, k={} steps: each execution finds a given depth-{} bug with "
      "probability >= {} = {:.3g}; over {} executions >= {:.3g}",
      c.depth, c.threads, c.steps, c.depth, formula, c.per_execution, c.executions,
      c.over_sweep);
  // Change points are drawn from 1..k only: an ordering step past k is
  // never a change point.
  if (c.depth > 1 && c.max_steps_seen > c.steps)
    line += fmt::format(
        " (for bugs whose {} within the first {} steps; executions ran up to {} steps)",
        c.depth == 2 ? std::string("ordering step falls")
                     : fmt::format("{} ordering steps fall", c.depth - 1),
        c.steps, c.max_steps_seen);
  return line;
}

}  // namespace sim

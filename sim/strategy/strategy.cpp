// SPDX-License-Identifier: GPL-2.0-only
#include "sim/strategy/strategy.hpp"

#include <stdexcept>

#include "sim/strategy/pct_strategy.hpp"
#include "sim/strategy/random_strategy.hpp"

namespace sim {

std::unique_ptr<Strategy> make_strategy(const std::string& spec) {
  if (spec == "random") return std::make_unique<RandomStrategy>();
  const std::optional<PctSpec> pct = parse_pct_spec(spec);
  if (!pct)
    throw std::invalid_argument("unknown strategy '" + spec +
                                "' (valid: random, pct:D, pct:D:K with integers D >= 1, K >= 1)");
  // K is the number of steps of the program under test, which only the
  // caller that knows the program can measure.
  if (!pct->steps)
    throw std::invalid_argument("strategy '" + spec +
                                "': PCT's step count K must be calibrated on the scenario "
                                "(model::make_scenario_strategy) or given as pct:D:K");
  return std::make_unique<PctStrategy>(pct->depth, *pct->steps);
}

}  // namespace sim

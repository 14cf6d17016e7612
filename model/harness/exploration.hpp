// SPDX-License-Identifier: GPL-2.0-only
// The strategy a scenario runs under, from its command-line spelling, with
// whatever it needs to know about the scenario measured first.
#pragma once

#include <memory>
#include <string>

#include "model/harness/scenario.hpp"
#include "model/variants/variants.hpp"
#include "sim/strategy/strategy.hpp"

namespace model {

// "random", "pct:D" or "pct:D:K". PCT without K draws its priority-change
// points from the steps of a calibration execution of the scenario at the
// variant, so every seed (in any shard or job) gets the same K.
std::unique_ptr<sim::Strategy> make_scenario_strategy(const Scenario& scenario,
                                                      const Variant& variant,
                                                      const std::string& spec);

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
// Command-line values that several subcommands take the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/harness/scenario.hpp"

namespace kvmsim {

// --seeds A..B, or the scenario's exploration seeds without it; a bad range
// is an InputError naming --seeds.
std::pair<uint64_t, uint64_t> seed_range(const std::optional<std::string>& seeds,
                                         const model::Scenario& scenario);

// --param NAME=V1,V2,... (repeatable): every combination of the values, the
// first option varying slowest; one empty combination without any. A bad
// spec is an InputError naming --param.
std::vector<model::ParamValues> param_grid(const std::vector<std::string>& specs);

// The combination in a heading: "pages=16 vcpus=2" ("" if empty).
std::string params_text(const model::ParamValues& params);

}  // namespace kvmsim

// Command-line values that several subcommands take the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "model/scenario.hpp"

namespace kvmsim {

// --seeds A..B, or the scenario's exploration seeds without it; a bad range
// is an InputError naming --seeds.
std::pair<uint64_t, uint64_t> seed_range(const std::optional<std::string>& seeds,
                                         const model::Scenario& scenario);

}  // namespace kvmsim

// SPDX-License-Identifier: GPL-2.0-only
#include "args.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "sim/json_input.hpp"
#include "sim/parse_int.hpp"

namespace kvmsim {

namespace {

// Each combination is a scenario of its own, with its own report rows: far
// more than anyone reads, and the grid would fill memory first.
constexpr uint64_t kMaxParamCombinations = 10000;

}  // namespace

std::pair<uint64_t, uint64_t> seed_range(const std::optional<std::string>& seeds,
                                         const model::Scenario& scenario) {
  if (!seeds) return {scenario.exploration.seed_begin, scenario.exploration.seed_end};
  try {
    return model::parse_seed_range(*seeds);
  } catch (const std::invalid_argument& e) {
    throw sim::InputError(std::string("--seeds: ") + e.what());
  }
}

std::vector<model::ParamValues> param_grid(const std::vector<std::string>& specs) {
  std::vector<model::ParamValues> grid{{}};
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    const std::string name = spec.substr(0, eq);
    if (eq == std::string::npos || name.empty())
      throw sim::InputError("--param: expected NAME=V1,V2,..., got '" + spec + "'");
    std::vector<uint64_t> values;
    for (size_t at = eq + 1;;) {
      const size_t comma = spec.find(',', at);
      const std::string text = spec.substr(at, comma == std::string::npos ? comma : comma - at);
      const auto v = sim::parse_u64(text);
      if (!v)
        throw sim::InputError("--param " + name + ": '" + text + "' is not an unsigned integer");
      values.push_back(*v);
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
    for (const auto& combination : grid)
      if (combination.count(name)) throw sim::InputError("--param " + name + " given twice");
    if (grid.size() * values.size() > kMaxParamCombinations)
      throw sim::InputError(fmt::format("--param: {} combinations of values, more than the {} "
                                        "a sweep runs",
                                        grid.size() * values.size(), kMaxParamCombinations));
    std::vector<model::ParamValues> next;
    for (const auto& combination : grid)
      for (uint64_t v : values) {
        next.push_back(combination);
        next.back()[name] = v;
      }
    grid = std::move(next);
  }
  return grid;
}

std::string params_text(const model::ParamValues& params) {
  std::string s;
  for (const auto& [name, value] : params) s += fmt::format("{}{}={}", s.empty() ? "" : " ", name, value);
  return s;
}

}  // namespace kvmsim

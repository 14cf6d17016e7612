#include "args.hpp"

#include <stdexcept>

#include "sim/json_input.hpp"

namespace kvmsim {

std::pair<uint64_t, uint64_t> seed_range(const std::optional<std::string>& seeds,
                                         const model::Scenario& scenario) {
  if (!seeds) return {scenario.exploration.seed_begin, scenario.exploration.seed_end};
  try {
    return model::parse_seed_range(*seeds);
  } catch (const std::invalid_argument& e) {
    throw sim::InputError(std::string("--seeds: ") + e.what());
  }
}

}  // namespace kvmsim

#include "sim/strategy/strategy.hpp"

#include <stdexcept>

#include "sim/strategy/random_strategy.hpp"

namespace sim {

std::unique_ptr<Strategy> make_strategy(const std::string& spec) {
  if (spec == "random") return std::make_unique<RandomStrategy>();
  throw std::invalid_argument("unknown strategy '" + spec + "' (known: random)");
}

}  // namespace sim

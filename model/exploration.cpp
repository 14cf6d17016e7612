#include "model/exploration.hpp"

namespace model {

std::unique_ptr<sim::Strategy> make_scenario_strategy(const Scenario&, const Variant&,
                                                      const std::string& spec) {
  return sim::make_strategy(spec);
}

}  // namespace model

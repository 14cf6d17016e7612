#include "model/minimize.hpp"

#include <stdexcept>

#include "model/scenario.hpp"
#include "model/simulation.hpp"
#include "model/variants.hpp"
#include "sim/json_input.hpp"
#include "sim/strategy/replay_strategy.hpp"

namespace model {

MinimizedTrace minimize_trace(const sim::Trace& failing, const std::string& path,
                              const std::string& tool, const sim::MinimizeOptions& options) {
  if (!failing.violation)
    throw sim::InputError(path + ": nothing to minimize: the trace has no violation");
  const Scenario scenario = parse_scenario(failing.scenario, path + "#/scenario/content");
  const Variant* variant = nullptr;
  try {
    variant = &find_variant(failing.variant);
  } catch (const sim::InputError& e) {
    throw sim::InputError(path + ": /variant: " + e.what());
  }

  // A fresh VM per execution, as a sweep has; the guided strategy ignores
  // the seed, which is passed on for the model's sake.
  const sim::Executor execute = [&](sim::Strategy& strategy) {
    Simulation simulation(scenario, *variant, strategy, false);
    const sim::Outcome outcome = simulation.run(failing.seed);
    return sim::observe(simulation.execution(), outcome);
  };
  MinimizedTrace m;
  m.result = sim::minimize_schedule(failing.schedule, execute, options);
  const auto& found = m.result.final.outcome.violation;
  if (!found || found->kind != failing.violation->kind ||
      found->thread != failing.violation->thread)
    throw sim::InputError(path + ": its schedule no longer gives its violation (" +
                          failing.violation->kind +
                          "): the model changed since it was recorded");

  sim::ReplayStrategy replay(m.result.schedule);
  Simulation simulation(scenario, *variant, replay, true);
  simulation.run(failing.seed);
  m.trace = simulation.trace(failing.seed, tool);
  m.trace.strategy = "minimized";
  m.trace.scenario_path = failing.scenario_path;
  if (replay.diverged_at() || m.trace.violation != found)
    throw std::logic_error("minimize: the minimized schedule did not record the same execution");
  return m;
}

}  // namespace model

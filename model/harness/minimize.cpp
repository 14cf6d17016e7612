// SPDX-License-Identifier: GPL-2.0-only
#include "model/harness/minimize.hpp"

#include "model/harness/simulation.hpp"
#include "sim/json_input.hpp"

namespace model {

MinimizedTrace minimize_trace(const sim::Trace& failing, const std::string& path,
                              const std::string& tool, const sim::MinimizeOptions& options) {
  if (!failing.violation)
    throw sim::InputError(path + ": nothing to minimize: the trace has no violation");
  // Not a structured binding: clang before 16 (the fuzz build's) cannot
  // capture one in a lambda.
  const TraceSetting setting = trace_setting(failing, path);
  const Scenario& scenario = setting.scenario;
  const Variant* variant = setting.variant;

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

  m.trace = record_schedule(scenario, *variant, m.result.schedule, failing.seed, found, tool,
                            "minimized");
  m.trace.scenario_path = failing.scenario_path;
  return m;
}

}  // namespace model

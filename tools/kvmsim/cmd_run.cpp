// SPDX-License-Identifier: GPL-2.0-only
#include <fmt/format.h>

#include "args.hpp"
#include "commands.hpp"
#include "model/harness/scenario.hpp"
#include "output_paths.hpp"
#include "model/harness/simulation.hpp"
#include "report.hpp"
#include "sim/json_input.hpp"
#include "sim/parse_int.hpp"

namespace kvmsim {

int cmd_run(const RunArgs& args) {
  const auto seed = sim::parse_u64(args.seed);
  if (!seed) throw sim::InputError("--seed: expected an unsigned 64-bit integer, got '" + args.seed + "'");
  Outputs().file("--trace", args.trace).check({args.scenario});
  const std::vector<model::ParamValues> params = param_grid(args.params);
  if (params.size() != 1) throw sim::InputError("--param: run takes one value per parameter");
  const model::Scenario scenario = model::load_scenario(args.scenario, params.front());
  const sim::Trace trace =
      model::record_execution(scenario, model::find_variant(args.variant), *seed, kTool,
                              args.strategy.value_or(""));
  // Written before anything is printed: `kvmsim run ... --trace F | head`
  // must not lose F when the pipe closes.
  if (args.trace) sim::write_trace(trace, *args.trace);
  print_execution(trace, focused(trace, args.focus, args.full));
  if (args.trace) fmt::print("\ntrace written to {}\n", *args.trace);
  return trace.violation ? 1 : 0;
}

}  // namespace kvmsim

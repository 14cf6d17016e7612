// SPDX-License-Identifier: GPL-2.0-only
// kvmsim check FILE...: a scenario's problems without running it.
#include <fmt/format.h>

#include "commands.hpp"
#include "model/harness/scenario.hpp"
#include "model/harness/scenario_check.hpp"
#include "sim/json_input.hpp"

namespace kvmsim {

int cmd_check(const CheckArgs& args) {
  bool errors = false;
  for (const std::string& file : model::scenario_files(args.scenarios)) {
    model::Scenario scenario;
    try {
      scenario = model::load_scenario(file);
    } catch (const sim::InputError& e) {
      fmt::print("{}\n", e.what());  // "FILE: /pointer: what", as the loader says it
      errors = true;
      continue;
    }
    bool file_errors = false;
    for (const model::ScenarioProblem& p : model::check_scenario(scenario)) {
      fmt::print("{}: {}: {}{}\n", file, p.pointer, p.error ? "" : "warning: ", p.message);
      file_errors = file_errors || p.error;
    }
    if (!file_errors) fmt::print("{}: OK\n", file);
    errors = errors || file_errors;
  }
  return errors ? 2 : 0;
}

}  // namespace kvmsim

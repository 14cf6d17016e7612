// SPDX-License-Identifier: GPL-2.0-only
// Scenario files: loaded as `kvmsim run` loads them, then one short
// execution of what loaded, at the first kernel state it expects something
// of, under its own strategy at its first seed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "input_file.hpp"
#include "model/harness/scenario.hpp"
#include "model/harness/simulation.hpp"
#include "model/variants/variants.hpp"
#include "sim/json_input.hpp"

namespace {

// Enough for every shipped scenario's races, and short enough that the
// fuzzer spends its time on new inputs rather than on long runs.
constexpr uint64_t kStepBound = 2000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::InputFile file;
  file.write(data, size);
  // What the CLI reports as bad input (exit 2) is a correct answer; any
  // other exception escapes and is a finding.
  try {
    model::Scenario scenario = model::load_scenario(file.path());
    scenario.exploration.step_bound = std::min(scenario.exploration.step_bound, kStepBound);
    if (scenario.expect.empty()) return 0;
    const model::Variant& variant = model::find_variant(scenario.expect.front().variant);
    model::record_execution(scenario, variant, scenario.exploration.seed_begin, "kvmsim-fuzz");
  } catch (const sim::InputError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}

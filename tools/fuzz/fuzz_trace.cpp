// SPDX-License-Identifier: GPL-2.0-only
// Trace files: read as `kvmsim replay` and `kvmsim render` read them, then
// replayed, and rendered in every format but SVG (Graphviz is another
// program; the HTML page is made without it).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include "input_file.hpp"
#include "model/harness/simulation.hpp"
#include "sim/json_input.hpp"
#include "sim/strategy/replay_strategy.hpp"
#include "sim/trace/dot.hpp"
#include "sim/trace/focus.hpp"
#include "sim/trace/perfetto.hpp"
#include "sim/trace/timeline.hpp"
#include "sim/trace/trace.hpp"
#include "sim/trace/trace_diff.hpp"
#include "tools/kvmsim/html_report.hpp"

namespace {

constexpr uint64_t kStepBound = 2000;  // as fuzz_scenario.cpp's

void render(const sim::Trace& t, const std::string& path) {
  sim::render_timeline(t.threads, t.events);
  sim::render_timeline(t.threads, sim::focus_events(t));
  sim::focused_trace(t);
  sim::violation_signature(t);
  sim::render_dot(t, false);
  sim::render_dot(t, true);
  sim::render_perfetto(t);
  kvmsim::html_report(t, path, t.violation.has_value());
}

// As `kvmsim replay` does it, bounded.
void replay(const sim::Trace& recorded, const std::string& path) {
  auto [scenario, variant] = model::trace_setting(recorded, path);
  scenario.exploration.step_bound = std::min(scenario.exploration.step_bound, kStepBound);
  sim::ReplayStrategy strategy(recorded.schedule, recorded.labels, nullptr);
  model::Simulation simulation(scenario, *variant, strategy, true);
  simulation.run(recorded.seed);
  const sim::Trace now = simulation.trace(recorded.seed, "kvmsim-fuzz");
  if (const auto difference = sim::first_difference(recorded, now))
    sim::describe(*difference, "recorded", "replayed");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // No Graphviz: html_report's graph takes its "no graph" path.
  setenv("PATH", "/nonexistent", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::InputFile file;
  file.write(data, size);
  // What the CLI reports as bad input (exit 2) is a correct answer; any
  // other exception escapes and is a finding.
  try {
    const nlohmann::json doc = sim::read_json_file(file.path(), sim::kTraceInput);
    const sim::Trace t = sim::trace_from_json(doc, file.path());
    // A trace whose hashes do not match is refused; but anyone can record
    // the hashes of what they edited, so what follows runs either way.
    try {
      sim::check_trace_hashes(t, doc, file.path());
    } catch (const sim::InputError&) {
    }
    render(t, file.path());
    replay(t, file.path());
  } catch (const sim::InputError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}

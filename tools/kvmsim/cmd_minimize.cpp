// SPDX-License-Identifier: GPL-2.0-only
#include <fmt/format.h>

#include "commands.hpp"
#include "model/harness/minimize.hpp"
#include "output_paths.hpp"
#include "sim/trace/focus.hpp"
#include "sim/trace/timeline.hpp"
#include "sim/trace/trace.hpp"

namespace kvmsim {

int cmd_minimize(const MinimizeArgs& args) {
  Outputs().file("-o", args.output).check({args.trace});
  const sim::Trace failing = sim::read_trace(args.trace);
  const model::MinimizedTrace m = model::minimize_trace(failing, args.trace, kTool);
  const sim::MinimizeResult& r = m.result;
  const sim::Trace& t = m.trace;
  fmt::print("minimized {}: {} in {}, scenario {} variant {} seed {}\n", args.trace,
             t.violation->kind, t.threads.at(t.violation->thread).name,
             t.scenario.value("name", std::string("?")), t.variant, t.seed);
  fmt::print("preemptions {} -> {}, steps {} -> {}, {} executions tried{}\n",
             r.before.preemptions, r.after.preemptions, r.before.steps, r.after.steps,
             r.executions,
             r.bounded ? " (the bound: smaller schedules may exist)" : "");
  sim::write_trace(t, args.output);
  fmt::print("minimized trace written to {} (trace hash {})\n\n", args.output, t.hash());
  fmt::print("verdict: VIOLATION {} at step {} in {}: {}\n\n", t.violation->kind,
             t.violation->step, t.threads.at(t.violation->thread).name, t.violation->message);
  fmt::print("{}", sim::render_timeline(t.threads, sim::focus_events(t)));
  return 0;
}

}  // namespace kvmsim

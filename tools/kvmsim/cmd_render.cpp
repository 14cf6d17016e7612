// SPDX-License-Identifier: GPL-2.0-only
#include <fmt/format.h>

#include "commands.hpp"
#include "html_report.hpp"
#include "output_paths.hpp"
#include "report.hpp"
#include "sim/file_output.hpp"
#include "sim/json_input.hpp"
#include "sim/trace/dot.hpp"
#include "sim/trace/focus.hpp"
#include "sim/trace/perfetto.hpp"
#include "sim/trace/timeline.hpp"
#include "sim/trace/trace.hpp"

namespace kvmsim {

int cmd_render(const RenderArgs& args) {
  Outputs().file("-o", args.output).check({args.trace});
  const sim::Trace t = sim::read_trace(args.trace);
  const bool focus = focused(t, args.focus, args.full);
  std::string text;
  if (args.format == "timeline") {
    text = sim::render_timeline(t.threads, focus ? sim::focus_events(t) : t.events);
  } else if (args.format == "dot") {
    text = sim::render_dot(t, focus);
  } else if (args.format == "svg") {
    text = sim::render_svg(t, focus);
  } else if (args.format == "perfetto") {
    text = sim::render_perfetto(t);
  } else if (args.format == "html") {
    text = html_report(t, args.trace, focus);
  } else {
    throw sim::InputError("--format: unknown format '" + args.format +
                          "' (known: timeline, dot, svg, perfetto, html)");
  }
  if (args.output) sim::write_file_atomically(*args.output, text);
  else fmt::print("{}", text);
  return 0;
}

}  // namespace kvmsim

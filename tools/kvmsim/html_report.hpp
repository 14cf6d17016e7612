// One self-contained HTML page per trace: what ran, the verdict, the focused
// kernel-style table, the happens-before graph inline, and the commands that
// replay and render it. Readable without kvmsim.
#pragma once

#include <string>

#include "sim/trace/trace.hpp"

namespace kvmsim {

// `s` with &, <, >, " escaped for HTML text and attributes.
std::string html_escape(const std::string& s);

// `trace_path` is where the trace is (or will be) stored, for the commands;
// `svg` is the rendered happens-before graph.
std::string html_report(const sim::Trace& t, const std::string& trace_path,
                        const std::string& svg);

}  // namespace kvmsim

// SPDX-License-Identifier: GPL-2.0-only
// One self-contained HTML page per trace: what ran, the verdict, the
// kernel-style table, the happens-before graph inline, and the commands that
// replay and render it. Readable without kvmsim.
#pragma once

#include <string>

#include "sim/trace/trace.hpp"

namespace kvmsim {

// `trace_path` is where the trace is (or will be) stored, for the commands;
// with `focus`, the table and graph of a failing trace keep only the steps
// that matter to the verdict. Runs Graphviz for the graph.
std::string html_report(const sim::Trace& t, const std::string& trace_path, bool focus);

}  // namespace kvmsim

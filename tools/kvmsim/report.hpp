// SPDX-License-Identifier: GPL-2.0-only
// What run and replay print: the verdict line and the timeline.
#pragma once

#include <string>

#include "sim/trace/trace.hpp"

namespace kvmsim {

// Whether a view of `t` keeps only the steps that matter to its verdict:
// --focus, or by default when it failed (a step-bound run is tens of
// thousands of steps); --full shows every step.
bool focused(const sim::Trace& t, bool focus, bool full);

// With `focus`, the timeline is sim::focus_events's, and a line says so.
void print_execution(const sim::Trace& trace, bool focus);

}  // namespace kvmsim

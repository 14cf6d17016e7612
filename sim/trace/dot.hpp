// SPDX-License-Identifier: GPL-2.0-only
// A recorded trace as a Graphviz happens-before graph: one cluster per
// thread, time flowing down by step, and the cross-thread edges that order
// the execution (lock hand-overs, SRCU grace periods, completions, and the
// stores that loads read). Generic: only the events' op, object, value,
// function, thread and step are used.
#pragma once

#include <string>

#include "sim/trace/trace.hpp"

namespace sim {

// The graph as DOT text: deterministic, the same trace gives the same bytes.
// With `focus`, a failing trace is drawn from focused_trace(t) (the steps
// that matter to the verdict; the legend says how many of how many) and node
// ids index its events; otherwise every event is drawn.
// Node ids are "e<index into Trace::events>" (notes folded into a
// neighbouring node have none); happens-before edges are written
// "e<from>:<port> -> e<to>:<port> [id=\"hb-<kind>-e<from>-e<to>\", ...]".
std::string render_dot(const Trace& t, bool focus = false);

// render_dot then dot_to_svg.
std::string render_svg(const Trace& t, bool focus = false);

}  // namespace sim

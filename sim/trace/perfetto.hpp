// SPDX-License-Identifier: GPL-2.0-only
// A recorded trace as Chrome trace-event JSON, the format ui.perfetto.dev and
// chrome://tracing open: one track per modeled thread, a slice per event
// inside a slice per run of one kernel function, flow arrows for the
// cross-thread orderings (a store read by another thread, a lock hand-over,
// an SRCU grace period waiting for a reader, a completion), and the
// violation as an instant. Generic: only the events' op, object, value,
// function, thread and step are used.
//
// Time is logical: step s occupies [s*1000, s*1000 + 1000) in the file's
// microseconds, so the UI's "ms" read as steps. Events sharing a step split
// it into equal, non-overlapping parts in trace order. (Only if a step had
// more than 500 events would a step be widened by powers of ten; the event
// slices' args.step always gives the step.)
#pragma once

#include <string>

#include "sim/trace/trace.hpp"

namespace sim {

// The JSON text, one trace event per line; deterministic: the same trace
// gives the same bytes (no wall clock, fixed key order).
std::string render_perfetto(const Trace& t);

}  // namespace sim

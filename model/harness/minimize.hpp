// SPDX-License-Identifier: GPL-2.0-only
// A failing trace shrunk to the fewest preemptions, then the fewest steps,
// that still give its violation in the same thread at the same function;
// recorded again as a trace that `kvmsim replay` reproduces.
#pragma once

#include <string>

#include "sim/explore/minimize.hpp"
#include "sim/trace/trace.hpp"

namespace model {

struct MinimizedTrace {
  sim::Trace trace;  // strategy "minimized", the failing trace's seed
  sim::MinimizeResult result;
};

// Minimizes `failing`, read from `path` (named in errors). sim::InputError
// when the trace has no violation, its scenario or variant no longer loads,
// or its schedule no longer gives its violation (the model changed).
MinimizedTrace minimize_trace(const sim::Trace& failing, const std::string& path,
                              const std::string& tool, const sim::MinimizeOptions& options = {});

}  // namespace model

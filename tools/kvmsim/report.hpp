// SPDX-License-Identifier: GPL-2.0-only
// What run and replay print: the verdict line and the timeline.
#pragma once

#include <string>

#include "sim/trace/trace.hpp"

namespace kvmsim {

void print_execution(const sim::Trace& trace);

}  // namespace kvmsim

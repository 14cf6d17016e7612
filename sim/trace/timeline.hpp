// SPDX-License-Identifier: GPL-2.0-only
// The kernel's two-column race table: one column per modeled thread headed
// "name (CPU n)", time flowing down, one row per step, the violation marked.
// Plain ASCII, at most `width` columns, so it pastes into a commit message.
#pragma once

#include <string>
#include <vector>

#include "sim/trace/event.hpp"

namespace sim {

// One event as its timeline cell reads, unwrapped ("f: load x -> 0x1").
std::string event_text(const Event& e);

std::string render_timeline(const std::vector<ThreadInfo>& threads,
                            const std::vector<Event>& events, size_t width = 100);

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
// Running Graphviz on DOT text.
#pragma once

#include <string>

namespace sim {

// Runs Graphviz (`program`, looked up on PATH, default "dot") with -Tsvg on
// DOT text and returns the SVG; std::runtime_error if it cannot be run or fails.
std::string dot_to_svg(const std::string& dot_text, const std::string& program = "dot");

}  // namespace sim

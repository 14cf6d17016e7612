// SPDX-License-Identifier: GPL-2.0-only
// Word wrap for the text renderers (the timeline's columns, the graph's
// node labels).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sim {

// Greedy word wrap to lines of at most `width` characters; lines after the
// first start with `indent`. A word too long for a line is split where
// identifiers stay whole: after a bracket or comma, else after "->", '.' or
// '/', else after '_'; cut at the width only when none is in reach.
// Always at least one line.
std::vector<std::string> word_wrap(const std::string& text, size_t width,
                                   const std::string& indent = "");

}  // namespace sim

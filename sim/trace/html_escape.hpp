// SPDX-License-Identifier: GPL-2.0-only
// Text for HTML and for Graphviz's HTML-like labels.
#pragma once

#include <string>

namespace sim {

// `s` with &, <, >, " and ' escaped, and control characters other than a
// newline turned into spaces (they are not allowed in XML).
std::string html_escape(const std::string& s);

}  // namespace sim

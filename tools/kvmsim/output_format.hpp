// SPDX-License-Identifier: GPL-2.0-only
// The envelope of every --json output and of the sweep report: the format's
// name and version come first, so that a reader knows what a document is
// before it reads on. scenarios/output-schemas/ holds a JSON Schema per
// format; a change to a document's shape changes its version there too.
#pragma once

#include <nlohmann/json.hpp>

namespace kvmsim {

// {"format": format, "version": version, then body's members}. The body's
// members follow in nlohmann::json's (sorted) order.
nlohmann::ordered_json output_document(const char* format, int version,
                                       const nlohmann::json& body);

}  // namespace kvmsim

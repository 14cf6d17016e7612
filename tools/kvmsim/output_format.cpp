// SPDX-License-Identifier: GPL-2.0-only
#include "output_format.hpp"

namespace kvmsim {

nlohmann::ordered_json output_document(const char* format, int version,
                                       const nlohmann::json& body) {
  nlohmann::ordered_json doc;
  doc["format"] = format;
  doc["version"] = version;
  for (const auto& [key, value] : body.items()) doc[key] = value;
  return doc;
}

}  // namespace kvmsim

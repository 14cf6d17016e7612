// JUnit XML for CI dashboards: a test suite per scenario, a test case per
// variant, a failure where the verdict was not the expected one.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace kvmsim {

// `reports` is what `kvmsim sweep --json` prints: an array of
// {"scenario", "variants": [row...]} objects, or one such object. Written
// atomically; the same reports always give the same bytes (every time="0").
// InputError naming the JSON path if a report lacks what the XML needs.
void write_junit(const nlohmann::json& reports, const std::string& path);

// The XML text write_junit writes.
std::string junit_xml(const nlohmann::json& reports);

}  // namespace kvmsim

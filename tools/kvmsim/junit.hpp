// SPDX-License-Identifier: GPL-2.0-only
// JUnit XML for CI dashboards: a test suite per scenario, a test case per
// variant with the wall time of its sweep, a failure where the verdict was
// not the expected one.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace kvmsim {

// `sweep` is what `kvmsim sweep --json` prints (format kvmsim-sweep), each
// variant row with its "wall_seconds" too: the times of the test cases,
// which reach no other output. A case fails on an unexpected verdict (its
// message ends with the row's reproducer) or on nondeterministic seeds. A
// row without an expectation ("ok": null) is skipped: it ran, but nothing
// was asked of it, and a pass would count it as checked. Written
// atomically. InputError naming the JSON path if the document lacks what
// the XML needs.
void write_junit(const nlohmann::json& sweep, const std::string& path);

// The XML text write_junit writes.
std::string junit_xml(const nlohmann::json& sweep);

}  // namespace kvmsim

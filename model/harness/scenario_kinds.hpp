// SPDX-License-Identifier: GPL-2.0-only
// The violation kinds the model reports, and what a scenario needs for an
// execution to report each: an expectation naming a kind that no
// execution of its scenario can report could never be met (a typo such as
// "stale_mmio", or an oracle the scenario did not turn on).
#pragma once

#include <string>

namespace model {

struct Scenario;
struct Variant;

bool is_known_kind(const std::string& kind);

// "deadlock, generation-backwards, ...": every kind, in name order.
std::string known_kinds_text();

// Why no execution of `scenario` at `variant` can report the known `kind`
// ("" if one can).
std::string cannot_report(const Scenario& scenario, const Variant& variant,
                          const std::string& kind);

}  // namespace model

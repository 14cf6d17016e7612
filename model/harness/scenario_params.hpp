// SPDX-License-Identifier: GPL-2.0-only
// Scenario parameters: a scenario declares "params": {"pages": 16} (a name
// and its default) and writes "$pages" wherever a value is expected, so one
// file can be run at many sizes (kvmsim sweep --param pages=16,64,256).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace model {

using ParamValues = std::map<std::string, uint64_t>;  // by name, sorted

// `json` with every "$name" string value replaced by the parameter's value
// (the declared default, or `overrides`), and "params" holding the values
// used: a document that no longer depends on parameters, so a trace that
// embeds it replays as it ran. sim::InputError names `path` and the JSON
// path of a bad declaration or an unknown "$name", and an override the
// scenario does not declare.
nlohmann::json apply_params(const nlohmann::json& json, const std::string& path,
                            const ParamValues& overrides);

// The values "params" holds after apply_params (empty if none).
ParamValues declared_params(const nlohmann::json& applied);

}  // namespace model

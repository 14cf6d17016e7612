// SPDX-License-Identifier: GPL-2.0-only
// Where the kernel states come from: the history in
// model/variants/kernel-states.json (built into kvmsim), the states of a
// user's variants files, and --feature overrides. The CLI configures it once
// at start-up, before anything looks a state up; a trace records how its
// state differs from the built-in one it derives from, so that a replay
// needs neither the file nor the options.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/variants/variants.hpp"

namespace model {

// The states of model/variants/kernel-states.json, as built.
const std::vector<Variant>& builtin_variants();

// The states before the --feature overrides: the built-in ones, then the
// user's (all_variants() has them with the overrides).
const std::vector<Variant>& variants_as_defined();

// Adds the states of a variants file (the format of kernel-states.json;
// each names the state it extends in "base"). InputError naming the file
// and JSON path: bad syntax, an unknown base or feature, a value of the
// wrong type, a name already taken.
void load_variants_file(const std::string& path);
// The states of a variants file as load_variants_file reads them, without
// adding them.
std::vector<Variant> read_variants_file(const std::string& path);

// --feature NAME=VALUE, applied to every state. VALUE is JSON (true, 2,
// "bit63") or a bare enumerator name (bit63). InputError naming the option.
void set_feature_overrides(const std::vector<std::string>& specs);

// The overrides in effect, "NAME=VALUE" in the order given.
std::vector<std::string> feature_overrides();

// null for a built-in state as it is; otherwise {"base": the built-in state,
// "features": every value that differs from it}.
nlohmann::json variant_definition(const Variant& v);

// A definition as a heading shows it: "v6.1 with pfncache.active_rules=false".
std::string variant_definition_text(const nlohmann::json& definition);

// The state a trace ran: `name` as recorded, rebuilt from `definition` when
// the trace has one (a user's state or overrides), else the built-in state.
// InputError naming `file`.
const Variant& variant_of_trace(const std::string& name, const nlohmann::json& definition,
                                const std::string& file);

}  // namespace model

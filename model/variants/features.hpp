// SPDX-License-Identifier: GPL-2.0-only
// The features of a kernel state by name, as variants files and --feature
// spell them: "address_spaces", "pfncache.active_rules". Each is a field of
// Variant (variants.hpp), where the comment names the commit behind it; this
// table only reads and writes them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/variants/variants.hpp"
#include "sim/json_input.hpp"

namespace model {

struct Feature {
  std::string name;
  // Sets the field from a JSON value; InputError naming `value`'s file and
  // path when the value has the wrong type or is not one of the enum's.
  void (*set)(Variant& v, const sim::JsonIn& value);
  nlohmann::json (*get)(const Variant& v);
};

// Every feature, in the order of Variant's fields.
const std::vector<Feature>& all_features();

// The feature called `name`; InputError naming `where` (a file and JSON
// path, or the option) and the nearest known name otherwise.
const Feature& find_feature(const std::string& name, const std::string& where);

// A value as --feature and the tables spell it: enumerators and numbers bare.
std::string feature_value_text(const nlohmann::json& value);

// The features whose values differ between `a` and `b`, in table order.
std::vector<const Feature*> differing_features(const Variant& a, const Variant& b);

}  // namespace model

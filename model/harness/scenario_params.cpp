// SPDX-License-Identifier: GPL-2.0-only
#include "model/harness/scenario_params.hpp"

#include "sim/json_input.hpp"

namespace model {

namespace {

bool is_param_name(const std::string& s) {
  return !s.empty() && (s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z')) &&
         s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
}

std::string names(const ParamValues& params) {
  std::string s;
  for (const auto& [name, value] : params) s += (s.empty() ? "" : ", ") + name;
  return s.empty() ? "none" : s;
}

// Replaces "$name" strings below `j` (at JSON pointer `at`).
void substitute(nlohmann::json& j, const std::string& at, const std::string& path,
                const ParamValues& values) {
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s.size() < 2 || s[0] != '$' || !is_param_name(s.substr(1))) return;
    auto it = values.find(s.substr(1));
    if (it == values.end())
      sim::JsonIn(j, path, at).error("unknown parameter '" + s + "' (declared: " + names(values) +
                                     ")");
    j = it->second;
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) substitute(j[i], at + "/" + std::to_string(i), path, values);
  } else if (j.is_object()) {
    for (auto& [key, value] : j.items()) substitute(value, at + "/" + key, path, values);
  }
}

}  // namespace

nlohmann::json apply_params(const nlohmann::json& json, const std::string& path,
                            const ParamValues& overrides) {
  ParamValues values;
  if (json.is_object() && json.contains("params")) {
    const sim::JsonIn params(json.at("params"), path, "/params");
    for (const auto& [name, value] : params.members()) {
      if (!is_param_name(name)) value.error("a parameter name is lower case, digits and '_'");
      values[name] = value.u64();
    }
  }
  for (const auto& [name, value] : overrides) {
    auto it = values.find(name);
    if (it == values.end())
      throw sim::InputError(path + ": --param " + name + ": the scenario declares no parameter '" +
                            name + "' (declared: " + names(values) + ")");
    it->second = value;
  }
  nlohmann::json applied = json;
  if (!applied.is_object()) return applied;  // the scenario parser reports it
  for (auto& [key, value] : applied.items())
    if (key != "params") substitute(value, "/" + key, path, values);
  if (!values.empty()) applied["params"] = values;
  return applied;
}

ParamValues declared_params(const nlohmann::json& applied) {
  ParamValues values;
  if (applied.is_object() && applied.contains("params"))
    for (const auto& [name, value] : applied.at("params").items()) values[name] = value.get<uint64_t>();
  return values;
}

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
// The kernel states as model/variants/kernel-states.json in the source tree
// has them, for tests that cover every state: they read the list from the
// data, so that appending a state does not mean editing them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_util.hpp"

namespace testutil {

inline std::string kernel_states_path() {
  return source_root() + "/model/variants/kernel-states.json";
}

// The file's "variants" array.
inline nlohmann::json kernel_states() {
  return nlohmann::json::parse(read_file(kernel_states_path())).at("variants");
}

inline std::vector<std::string> kernel_state_names() {
  std::vector<std::string> names;
  for (const auto& s : kernel_states()) names.push_back(s.at("name").get<std::string>());
  return names;
}

}  // namespace testutil

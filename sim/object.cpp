// SPDX-License-Identifier: GPL-2.0-only
#include "sim/object.hpp"

#include <functional>
#include <unordered_set>

namespace sim {

namespace {

struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

const std::string& Object::intern(std::string_view name) {
  // Per OS thread, like the executions that use the objects, so no lock is
  // needed. Rehashing moves nodes, not the strings in them. Only lookups
  // happen here: nothing iterates this set.
  thread_local std::unordered_set<std::string, NameHash, std::equal_to<>> names;
  auto it = names.find(name);
  if (it == names.end()) it = names.emplace(name).first;
  return *it;
}

}  // namespace sim

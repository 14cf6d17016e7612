// SPDX-License-Identifier: GPL-2.0-only
// Per-execution metrics: named counters the modeled code bumps (pages
// zapped, memslot installs, ...). A sorted map, so iteration order (and
// anything printed from it) does not depend on insertion order.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace sim {

class Metrics {
 public:
  void add(std::string_view name, uint64_t n = 1) { find(name) += n; }
  // Records `value` unless the metric already has one: "when did X first happen".
  void set_first(std::string_view name, uint64_t value) {
    if (values_.find(name) == values_.end()) values_.emplace(name, value);
  }
  // Keeps the largest value recorded: "how long was the longest X".
  void set_max(std::string_view name, uint64_t value) {
    uint64_t& v = find(name);
    if (value > v) v = value;
  }
  uint64_t get(std::string_view name) const {
    auto it = values_.find(name);
    return it == values_.end() ? 0 : it->second;
  }
  const std::map<std::string, uint64_t, std::less<>>& values() const { return values_; }
  void clear() { values_.clear(); }

 private:
  uint64_t& find(std::string_view name) {
    auto it = values_.find(name);
    if (it == values_.end()) it = values_.emplace(name, 0).first;
    return it->second;
  }
  std::map<std::string, uint64_t, std::less<>> values_;
};

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
#include "sim/parse_int.hpp"

#include <charconv>
#include <limits>

namespace sim {

std::optional<uint64_t> parse_u64(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty() || text[0] == '+' || text[0] == '-') return std::nullopt;
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int64_t> parse_i64(std::string_view text) {
  const bool negative = !text.empty() && text[0] == '-';
  const auto magnitude = parse_u64(negative ? text.substr(1) : text);
  if (!magnitude) return std::nullopt;
  constexpr uint64_t max = std::numeric_limits<int64_t>::max();
  if (!negative) {
    if (*magnitude > max) return std::nullopt;
    return static_cast<int64_t>(*magnitude);
  }
  if (*magnitude > max + 1) return std::nullopt;
  return static_cast<int64_t>(0 - *magnitude);
}

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
// Strict integer parsing for user input: decimal ("4096", "-150") or hex
// ("0x1000"); no octal, no leading '+' or spaces, no overflow.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sim {

std::optional<uint64_t> parse_u64(std::string_view text);
std::optional<int64_t> parse_i64(std::string_view text);

}  // namespace sim

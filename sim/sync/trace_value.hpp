// SPDX-License-Identifier: GPL-2.0-only
// How a traced value is written in a trace: integers in hex (the way kernel
// developers read generations and SPTEs), booleans as words, pointers to
// named objects by name.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include <fmt/format.h>

#include "sim/object.hpp"

namespace sim {

template <class T>
std::string trace_value(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    // A reference count below zero reads as one.
    return v < 0 ? fmt::format("-{:#x}", -static_cast<int64_t>(v)) : fmt::format("{:#x}", v);
  } else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
    return fmt::format("{:#x}", static_cast<std::make_unsigned_t<
                                    std::conditional_t<std::is_enum_v<T>, uint64_t, T>>>(v));
  } else if constexpr (std::is_pointer_v<T>) {
    static_assert(std::is_base_of_v<Object, std::remove_cv_t<std::remove_pointer_t<T>>>,
                  "a traced pointer must point to a named sim::Object");
    return v ? v->name() : std::string("NULL");
  } else {
    static_assert(sizeof(T) == 0, "no trace_value for this type");
  }
}

}  // namespace sim

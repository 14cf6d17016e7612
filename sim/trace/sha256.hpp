#pragma once

#include <string>
#include <string_view>

namespace sim {

// Lower-case hex SHA-256 of `data` (OpenSSL's implementation).
std::string sha256_hex(std::string_view data);

}  // namespace sim

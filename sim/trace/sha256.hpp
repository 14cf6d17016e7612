// SPDX-License-Identifier: GPL-2.0-only
#pragma once

#include <string>
#include <string_view>

namespace sim {

// SHA-256 fed in pieces (OpenSSL's implementation): the digest of their
// concatenation, without keeping it.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data);
  // Lower-case hex digest of everything fed since construction or the last
  // hex(); starts over.
  std::string hex();

 private:
  struct Context;
  Context* ctx_;
};

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace sim

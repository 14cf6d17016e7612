// SPDX-License-Identifier: GPL-2.0-only
#include "sim/trace/sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace sim {

struct Sha256::Context {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
};

namespace {

void init(EVP_MD_CTX* md) {
  if (!md || EVP_DigestInit_ex(md, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
}

}  // namespace

Sha256::Sha256() : ctx_(new Context) { init(ctx_->md); }

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_->md);
  delete ctx_;
}

void Sha256::update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_->md, data.data(), data.size()) != 1)
    throw std::runtime_error("SHA-256 failed");
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_->md, digest, &len) != 1) throw std::runtime_error("SHA-256 failed");
  init(ctx_->md);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 sha;
  sha.update(data);
  return sha.hex();
}

}  // namespace sim

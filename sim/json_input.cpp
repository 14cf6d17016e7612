// SPDX-License-Identifier: GPL-2.0-only
#include "sim/json_input.hpp"

#include "sim/parse_int.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace sim {

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open file");
  std::stringstream buf;
  buf << in.rdbuf();
  try {
    return nlohmann::json::parse(buf.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path + ": invalid JSON: " + e.what());
  }
}

void JsonIn::error(const std::string& what) const {
  throw InputError(file_ + ": " + (ptr_.empty() ? "/" : ptr_) + ": " + what);
}

static std::string escape_pointer(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

bool JsonIn::has(const char* key) const { return v_->is_object() && v_->contains(key); }

JsonIn JsonIn::at(const char* key) const {
  if (!v_->is_object()) error("expected an object");
  auto it = v_->find(key);
  if (it == v_->end()) error(std::string("missing required member \"") + key + "\"");
  return JsonIn(*it, file_, ptr_ + "/" + escape_pointer(key));
}

JsonIn JsonIn::at(size_t i) const {
  if (!v_->is_array()) error("expected an array");
  if (i >= v_->size()) error("index " + std::to_string(i) + " out of range");
  return JsonIn((*v_)[i], file_, ptr_ + "/" + std::to_string(i));
}

std::vector<JsonIn> JsonIn::items() const {
  if (!v_->is_array()) error("expected an array");
  std::vector<JsonIn> out;
  for (size_t i = 0; i < v_->size(); ++i) out.push_back(at(i));
  return out;
}

std::vector<std::pair<std::string, JsonIn>> JsonIn::members() const {
  if (!v_->is_object()) error("expected an object");
  std::vector<std::pair<std::string, JsonIn>> out;
  for (auto it = v_->begin(); it != v_->end(); ++it)  // nlohmann objects iterate in key order
    out.emplace_back(it.key(), JsonIn(it.value(), file_, ptr_ + "/" + escape_pointer(it.key())));
  return out;
}

std::string JsonIn::str() const {
  if (!v_->is_string()) error("expected a string");
  return v_->get<std::string>();
}

uint64_t JsonIn::u64() const {
  if (v_->is_number_unsigned()) return v_->get<uint64_t>();
  if (v_->is_number_integer() && v_->get<int64_t>() >= 0) return v_->get<uint64_t>();
  if (v_->is_string())
    if (const auto v = parse_u64(v_->get<std::string>())) return *v;
  error("expected an unsigned 64-bit integer (a number, or a string such as \"0x1000\")");
}

int64_t JsonIn::i64() const {
  if (v_->is_number_unsigned()) {
    if (v_->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) return v_->get<int64_t>();
  } else if (v_->is_number_integer()) {
    return v_->get<int64_t>();
  }
  if (v_->is_string())
    if (const auto v = parse_i64(v_->get<std::string>())) return *v;
  error("expected a signed 64-bit integer (a number, or a string such as \"-150\")");
}

bool JsonIn::boolean() const {
  if (!v_->is_boolean()) error("expected true or false");
  return v_->get<bool>();
}

double JsonIn::seconds() const {
  if (!v_->is_number() || v_->get<double>() < 0) error("expected seconds, a number >= 0");
  return v_->get<double>();
}

void JsonIn::expect_object(std::initializer_list<const char*> allowed) const {
  if (!v_->is_object()) error("expected an object");
  for (auto it = v_->begin(); it != v_->end(); ++it) {
    const bool known = std::any_of(allowed.begin(), allowed.end(),
                                   [&](const char* k) { return it.key() == k; });
    if (!known) {
      std::string list;
      for (const char* k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
      JsonIn(it.value(), file_, ptr_ + "/" + escape_pointer(it.key()))
          .error("unknown member (allowed: " + list + ")");
    }
  }
}

}  // namespace sim

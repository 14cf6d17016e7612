#include "sim/json_input.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
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

static bool parse_int(const std::string& s, bool allow_negative, long long& out_signed,
                      unsigned long long& out_unsigned) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  if (s[0] == '-') {
    if (!allow_negative) return false;
    out_signed = std::strtoll(s.c_str(), &end, 0);
  } else {
    out_unsigned = std::strtoull(s.c_str(), &end, 0);
    out_signed = static_cast<long long>(out_unsigned);
  }
  return errno == 0 && end && *end == '\0';
}

uint64_t JsonIn::u64() const {
  if (v_->is_number_unsigned()) return v_->get<uint64_t>();
  if (v_->is_string()) {
    long long s = 0;
    unsigned long long u = 0;
    if (parse_int(v_->get<std::string>(), false, s, u)) return u;
  }
  error("expected an unsigned integer (a number, or a string such as \"0x1000\")");
}

int64_t JsonIn::i64() const {
  if (v_->is_number_integer()) return v_->get<int64_t>();
  if (v_->is_string()) {
    long long s = 0;
    unsigned long long u = 0;
    if (parse_int(v_->get<std::string>(), true, s, u)) return s;
  }
  error("expected an integer (a number, or a string such as \"-150\")");
}

bool JsonIn::boolean() const {
  if (!v_->is_boolean()) error("expected true or false");
  return v_->get<bool>();
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

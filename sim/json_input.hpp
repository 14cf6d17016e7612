// SPDX-License-Identifier: GPL-2.0-only
// Reading JSON input with errors that name the file and the JSON path of the
// offending value (RFC 6901 pointer), e.g.
//   scenarios/x.json: /threads/1/program/0/gfn: expected an unsigned integer
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sim {

// Bad input (a file the user gave us): the CLI prints it and exits 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses `path` as JSON; InputError on a missing file or a syntax error.
nlohmann::json read_json_file(const std::string& path);

// A JSON value together with where it came from.
class JsonIn {
 public:
  JsonIn(const nlohmann::json& value, std::string file, std::string pointer = "")
      : v_(&value), file_(std::move(file)), ptr_(std::move(pointer)) {}

  [[noreturn]] void error(const std::string& what) const;

  bool has(const char* key) const;
  JsonIn at(const char* key) const;  // required member
  JsonIn at(size_t i) const;
  std::vector<JsonIn> items() const;  // elements of an array
  std::vector<std::pair<std::string, JsonIn>> members() const;  // of an object, in key order

  std::string str() const;
  uint64_t u64() const;  // a JSON unsigned integer, or a string "0x..." / decimal
  int64_t i64() const;   // also accepts "-150"-style strings
  bool boolean() const;
  double seconds() const;  // a duration: a JSON number >= 0
  void expect_object(std::initializer_list<const char*> allowed) const;  // rejects unknown keys

  const nlohmann::json& raw() const { return *v_; }
  const std::string& file() const { return file_; }
  const std::string& pointer() const { return ptr_; }

 private:
  const nlohmann::json* v_;
  std::string file_;
  std::string ptr_;
};

}  // namespace sim

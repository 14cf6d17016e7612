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

// How much kvmsim reads of one kind of input file: far above anything it
// ships or writes, low enough that a wrong file (a disk image, a log) is
// refused before it is parsed into memory many times its size.
struct InputLimit {
  const char* kind;  // "a scenario": named in the error
  uint64_t bytes;
};
inline constexpr InputLimit kScenarioInput{"a scenario", uint64_t{4} << 20};
inline constexpr InputLimit kVariantsInput{"a variants file", uint64_t{4} << 20};
// A trace of an execution at the largest step_bound (10^7 steps).
inline constexpr InputLimit kTraceInput{"a trace", uint64_t{1} << 30};
inline constexpr InputLimit kReportInput{"a sweep report", uint64_t{256} << 20};
// explore's checkpoint and a report directory's index.json: a few counts and
// one entry per violation signature.
inline constexpr InputLimit kCheckpointInput{"an explore checkpoint", uint64_t{16} << 20};
inline constexpr InputLimit kIndexInput{"a report directory's index", uint64_t{64} << 20};

// Deeper nesting is refused while parsing: nothing kvmsim reads nests more
// than a few levels, and walking (or destroying) a value nested 100,000 deep
// recurses once per level, past the end of the stack.
inline constexpr int kMaxJsonDepth = 64;

// Parses the regular file `path` as JSON. InputError (naming the file, and
// the JSON pointer where there is one) if it cannot be opened, is no regular
// file, is larger than `limit`, is not JSON, nests deeper than kMaxJsonDepth,
// or names a member twice in one object (JSON leaves it open which counts).
nlohmann::json read_json_file(const std::string& path, InputLimit limit);

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

// SPDX-License-Identifier: GPL-2.0-only
#include "output_paths.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "sim/file_output.hpp"
#include "sim/json_input.hpp"

namespace kvmsim {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void cannot(const OutputPath& o, int error) {
  throw sim::OutputError(fmt::format("{}: {}: cannot write: {}", o.option, o.path,
                                     std::strerror(error)));
}

// The errno of what stops creating entries in `dir` (one that exists), or 0.
int cannot_create_in(const fs::path& dir) {
  return ::access(dir.empty() ? "." : dir.c_str(), W_OK | X_OK) == 0 ? 0 : errno;
}

// What write_file_atomically needs: a directory to put its temporary file
// in, or, for a device or FIFO, the right to write it.
void check_file(const OutputPath& o) {
  struct stat st;
  if (::stat(o.path.c_str(), &st) != 0) {
    if (errno != ENOENT) cannot(o, errno);
    // ENOENT or ENOTDIR for a missing or non-directory parent.
    if (const int e = cannot_create_in(fs::path(o.path).parent_path())) cannot(o, e);
    return;
  }
  if (S_ISDIR(st.st_mode)) cannot(o, EISDIR);
  const int e = S_ISREG(st.st_mode)
                    ? cannot_create_in(fs::path(o.path).parent_path())
                    : (::access(o.path.c_str(), W_OK) == 0 ? 0 : errno);
  if (e) cannot(o, e);
}

// A directory the command creates (with its parents) or writes into.
void check_directory(const OutputPath& o) {
  fs::path existing = o.path;
  std::error_code ec;
  while (!existing.empty() && !fs::exists(existing, ec)) existing = existing.parent_path();
  if (!existing.empty() && !fs::is_directory(existing, ec)) cannot(o, ENOTDIR);
  if (const int e = cannot_create_in(existing)) cannot(o, e);
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec);  // false (with ec) when either does not exist
}

// Two outputs that would replace one another: the same file, or, when
// neither exists yet, the same name. A device (--report /dev/null --junit
// /dev/null) is written in place: it takes both.
bool same_output(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && !fs::is_regular_file(a, ec)) return false;
  if (same_file(a, b)) return true;
  const fs::path ca = fs::weakly_canonical(a, ec);
  if (ec) return false;
  const fs::path cb = fs::weakly_canonical(b, ec);
  return !ec && ca == cb;
}

}  // namespace

Outputs& Outputs::file(const std::string& option, const std::optional<std::string>& path,
                       const std::optional<std::string>& updates) {
  if (path) outputs_.push_back({option, *path, false, updates});
  return *this;
}

Outputs& Outputs::directory(const std::string& option, const std::optional<std::string>& path) {
  if (path) outputs_.push_back({option, *path, true, std::nullopt});
  return *this;
}

void Outputs::check(const std::vector<std::string>& inputs) const {
  for (size_t i = 0; i < outputs_.size(); ++i) {
    const OutputPath& o = outputs_[i];
    if (o.directory) {
      check_directory(o);
      continue;
    }
    for (const std::string& input : inputs)
      if (same_file(o.path, input) && !(o.updates && same_file(input, *o.updates)))
        throw sim::InputError(fmt::format("{}: {}: is the input {}: writing it would replace it",
                                          o.option, o.path, input));
    for (size_t j = 0; j < i; ++j)
      if (!outputs_[j].directory && same_output(o.path, outputs_[j].path))
        throw sim::InputError(fmt::format("{}: {}: is also the output of {}", o.option, o.path,
                                          outputs_[j].option));
    check_file(o);
  }
}

}  // namespace kvmsim

// SPDX-License-Identifier: GPL-2.0-only
// The fuzzer's bytes as a file: kvmsim's loaders take paths, and going
// through them keeps every check they make on the file itself (what it is,
// its size) in what is fuzzed. An anonymous memory file, rewritten for each
// input, so nothing is left on disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace fuzz {

class InputFile {
 public:
  InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // Replaces the file's contents with `data`.
  void write(const uint8_t* data, size_t size);
  // Where the loaders open it: /proc/self/fd/N.
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
};

}  // namespace fuzz

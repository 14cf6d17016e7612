// SPDX-License-Identifier: GPL-2.0-only
// Writing an output file so that a reader never sees a partial one: the text
// goes to a temporary file of its own beside PATH, which is renamed over PATH
// once complete and on disk.
#pragma once

#include <stdexcept>
#include <string>

namespace sim {

// An output that could not be written (the file system's fault, not the
// input's): kvmsim exits 3 on it.
struct OutputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Replaces the regular file `path` (or creates it) atomically: two writers
// each use their own temporary file, so the one renamed last wins whole, and
// a failure leaves `path` as it was and no temporary behind. Anything else
// at `path` (a device such as /dev/null, a FIFO) is written in place: a
// rename would replace the device node itself. Throws OutputError naming
// `path` and the system's reason.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace sim

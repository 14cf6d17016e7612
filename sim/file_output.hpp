// SPDX-License-Identifier: GPL-2.0-only
// Writing an output file so that a reader never sees a partial one: the text
// goes to PATH.tmp, which is renamed over PATH once complete.
#pragma once

#include <string>

namespace sim {

// Throws InputError naming `path` if it cannot be written.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
#include "sim/file_output.hpp"

#include <cstdio>
#include <fstream>

#include "sim/json_input.hpp"

namespace sim {

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path + ": cannot write");
    out << text;
    if (!out.flush()) {
      std::remove(tmp.c_str());
      throw InputError(path + ": cannot write");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw InputError(path + ": cannot write");
  }
}

}  // namespace sim

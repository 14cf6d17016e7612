// SPDX-License-Identifier: GPL-2.0-only
// A command's outputs, checked before it runs anything: an hour-long sweep
// must not end in "cannot write", nor write its report over its scenario.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kvmsim {

struct OutputPath {
  std::string option;  // "--report", "-o"
  std::string path;
  bool directory = false;  // created if missing (--report-dir, --traces)
  // The one input it may be: the file it updates (sweep --resume R --report R).
  std::optional<std::string> updates;
};

// The outputs given, in the order listed (an absent option is skipped).
class Outputs {
 public:
  Outputs& file(const std::string& option, const std::optional<std::string>& path,
                const std::optional<std::string>& updates = std::nullopt);
  Outputs& directory(const std::string& option, const std::optional<std::string>& path);

  // Throws sim::OutputError (exit 3) for an output that cannot be written,
  // with the system's reason, and sim::InputError (exit 2) for a file
  // output that is one of `inputs` (the same file, under any name) or
  // that two options name.
  void check(const std::vector<std::string>& inputs) const;

 private:
  std::vector<OutputPath> outputs_;
};

}  // namespace kvmsim

// SPDX-License-Identifier: GPL-2.0-only
// The kvmsim command line as data: the CLI11 App with every subcommand, and
// what each subcommand runs once parsed. main() parses and runs it; the man
// page and the bash completion are written from the same App (man_page.hpp,
// completion.hpp), so none of them can describe another command line.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <vector>

namespace kvmsim {

struct Cli {
  CLI::App app{"kvmsim: deterministic simulator of KVM vCPU and memslot races", "kvmsim"};
  struct Command {
    CLI::App* app;
    std::function<int()> run;  // the exit status (commands.hpp)
  };
  std::vector<Command> commands;  // in the order of `kvmsim help`
};

std::unique_ptr<Cli> make_cli();

// An option that takes no value (--json); CLI11 makes a flag expect 0 values.
inline bool is_flag(const CLI::Option& opt) { return opt.get_expected_max() == 0; }

}  // namespace kvmsim

// The kvmsim command line as data: the CLI11 App with every subcommand, and
// what each subcommand runs once parsed. main() parses and runs it.
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

}  // namespace kvmsim

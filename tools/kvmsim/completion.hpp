// SPDX-License-Identifier: GPL-2.0-only
// Bash completion for kvmsim, written from the command line's CLI11 App:
// subcommands, each subcommand's options, the values of options that take
// one of a set, and file names for arguments and other option values.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace kvmsim {

std::string bash_completion(const CLI::App& app);

}  // namespace kvmsim

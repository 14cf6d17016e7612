// SPDX-License-Identifier: GPL-2.0-only
// kvmsim(1), written from the command line's CLI11 App: every subcommand
// with its arguments, options and descriptions, as man(7) roff.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace kvmsim {

std::string man_page(const CLI::App& app);

}  // namespace kvmsim

// SPDX-License-Identifier: GPL-2.0-only
// --variants-file and --feature: the kernel states a command runs beyond the
// built-in history, configured before the command looks any state up.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "model/variants/variants.hpp"

namespace kvmsim {

struct VariantOptions {
  std::vector<std::string> files;     // --variants-file, repeatable
  std::vector<std::string> features;  // --feature NAME=VALUE, repeatable
};

// Adds --variants-file to `sub`, and --feature when `features` (the
// commands that run a state; those that only list or check states take the
// file alone).
void add_variant_options(CLI::App* sub, VariantOptions& options, bool features);

// Loads the files and sets the overrides (model/variants/registry.hpp).
void configure_variants(const VariantOptions& options);

// The options that select `v` again on another command line: its
// --variants-file, every --feature in effect (" --feature a=b ..."; "" for a
// built-in state as it is).
std::string variant_options_text(const model::Variant& v);

// A heading's note of the overrides in effect: "every state with a=b c=d"
// ("" without any).
std::string overrides_heading();

}  // namespace kvmsim

// SPDX-License-Identifier: GPL-2.0-only
#include "variant_options.hpp"

#include <fmt/format.h>

#include "model/variants/registry.hpp"

namespace kvmsim {

void add_variant_options(CLI::App* sub, VariantOptions& options, bool features) {
  sub->add_option("--variants-file", options.files,
                  "add the kernel states of this variants file (repeatable; format: "
                  "model/variants/kernel-states.json)");
  if (features)
    sub->add_option("--feature", options.features,
                    "NAME=VALUE: override a feature of every state (repeatable; 'kvmsim variants "
                    "--features' lists them)");
}

void configure_variants(const VariantOptions& options) {
  for (const std::string& file : options.files) model::load_variants_file(file);
  if (!options.features.empty()) model::set_feature_overrides(options.features);
}

std::string variant_options_text(const model::Variant& v) {
  std::string out = v.file.empty() ? "" : " --variants-file " + v.file;
  for (const std::string& o : model::feature_overrides()) out += " --feature " + o;
  return out;
}

std::string overrides_heading() {
  const std::vector<std::string> o = model::feature_overrides();
  return o.empty() ? "" : fmt::format("every state with {}", fmt::join(o, " "));
}

}  // namespace kvmsim

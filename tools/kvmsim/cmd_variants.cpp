// SPDX-License-Identifier: GPL-2.0-only
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "output_format.hpp"
#include "model/variants/variants.hpp"

namespace kvmsim {

namespace {

// `text` in lines of at most `width` columns, each indented by `indent`.
std::string wrap(const std::string& text, size_t indent, size_t width) {
  std::string out, line;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      out += std::string(indent, ' ') + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  if (!line.empty()) out += std::string(indent, ' ') + line + "\n";
  return out;
}

}  // namespace

int cmd_variants(bool json, bool notes) {
  if (json) {
    nlohmann::json variants = nlohmann::json::array();
    for (const auto& v : model::all_variants()) {
      nlohmann::json commits = nlohmann::json::array();
      for (const auto& c : v.commits) commits.push_back({{"id", c.id}, {"title", c.title}});
      variants.push_back({{"name", v.name}, {"version", v.version}, {"commits", commits},
                          {"notes", v.notes}});
    }
    // scenarios/output-schemas/kvmsim-variants.schema.json
    fmt::print("{}\n", output_document("kvmsim-variants", 1, {{"variants", variants}}).dump(2));
    return 0;
  }
  size_t w = 0;
  for (const auto& v : model::all_variants()) w = std::max(w, v.name.size());
  fmt::print("{:<{}} {:<7} {}\n", "VARIANT", w, "BASE", "COMMITS");
  for (const auto& v : model::all_variants()) {
    bool first = true;
    for (const auto& c : v.commits) {
      fmt::print("{:<{}} {:<7} {:<13} {}\n", first ? v.name : "", w, first ? v.version : "", c.id,
                 c.title);
      first = false;
    }
    if (notes) fmt::print("{}\n", wrap(v.notes, w + 9, 100));
  }
  return 0;
}

}  // namespace kvmsim

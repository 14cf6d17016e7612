// SPDX-License-Identifier: GPL-2.0-only
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "output_format.hpp"
#include "variant_options.hpp"
#include "model/variants/features.hpp"
#include "model/variants/registry.hpp"

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

nlohmann::json variant_json(const model::Variant& v, bool features) {
  nlohmann::json commits = nlohmann::json::array();
  for (const auto& c : v.commits) commits.push_back({{"id", c.id}, {"title", c.title}});
  nlohmann::json j = {
      {"name", v.name}, {"version", v.version}, {"commits", commits}, {"notes", v.notes}};
  // A user's state names the one it extends; the built-in ones follow each
  // other.
  if (v.builtin != v.name) j["base"] = v.base;
  if (v.proposed) j["proposed"] = true;
  if (features) {
    j["features"] = nlohmann::json::object();
    for (const model::Feature& f : model::all_features()) j["features"][f.name] = f.get(v);
  }
  return j;
}

// Every feature, and for each value it takes the states that have it, in
// history order: "v3.17 .. v5.0+cae7ed3c2cb0" for a run of neighbours.
void print_features() {
  const auto& states = model::all_variants();
  size_t w = 7, wv = 5;
  for (const model::Feature& f : model::all_features()) {
    w = std::max(w, f.name.size());
    for (const model::Variant& v : states) wv = std::max(wv, model::feature_value_text(f.get(v)).size());
  }
  fmt::print("{:<{}}  {:<{}}  {}\n", "FEATURE", w, "VALUE", wv, "STATES");
  for (const model::Feature& f : model::all_features()) {
    bool first = true;
    for (size_t i = 0; i < states.size();) {
      size_t j = i;
      while (j + 1 < states.size() && f.get(states[j + 1]) == f.get(states[i])) ++j;
      const std::string run =
          i == j ? states[i].name : fmt::format("{} .. {}", states[i].name, states[j].name);
      fmt::print("{:<{}}  {:<{}}  {}\n", first ? f.name : "", w, model::feature_value_text(f.get(states[i])), wv,
                 run);
      first = false;
      i = j + 1;
    }
  }
}

int print_diff(const model::Variant& a, const model::Variant& b, bool json) {
  const std::vector<const model::Feature*> diff = model::differing_features(a, b);
  if (json) {
    nlohmann::json features = nlohmann::json::array();
    for (const model::Feature* f : diff)
      features.push_back({{"name", f->name}, {"a", f->get(a)}, {"b", f->get(b)}});
    // scenarios/output-schemas/kvmsim-variants-diff.schema.json
    fmt::print("{}\n", output_document("kvmsim-variants-diff", 1,
                                        {{"a", a.name}, {"b", b.name}, {"features", features}})
                            .dump(2));
    return 0;
  }
  if (diff.empty()) {
    fmt::print("{} and {} set every feature alike\n", a.name, b.name);
    return 0;
  }
  size_t w = 7, wa = a.name.size();
  for (const model::Feature* f : diff) {
    w = std::max(w, f->name.size());
    wa = std::max(wa, model::feature_value_text(f->get(a)).size());
  }
  fmt::print("{:<{}}  {:<{}}  {}\n", "FEATURE", w, a.name, wa, b.name);
  for (const model::Feature* f : diff)
    fmt::print("{:<{}}  {:<{}}  {}\n", f->name, w, model::feature_value_text(f->get(a)), wa,
               model::feature_value_text(f->get(b)));
  return 0;
}

}  // namespace

int cmd_variants(const VariantsArgs& args) {
  if (!args.diff.empty())
    return print_diff(model::find_variant(args.diff[0]), model::find_variant(args.diff[1]),
                      args.json);
  if (args.json) {
    nlohmann::json variants = nlohmann::json::array();
    for (const auto& v : model::all_variants()) variants.push_back(variant_json(v, args.features));
    // scenarios/output-schemas/kvmsim-variants.schema.json
    fmt::print("{}\n", output_document("kvmsim-variants", 1, {{"variants", variants}}).dump(2));
    return 0;
  }
  if (args.features) {
    print_features();
    return 0;
  }
  if (const std::string o = overrides_heading(); !o.empty()) fmt::print("{}\n", o);
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
    if (first) fmt::print("{:<{}} {:<7} (no commits of its own)\n", v.name, w, v.version);
    if (v.builtin != v.name)
      fmt::print("{:<{}} extends {}{}\n", "", w, v.base, v.proposed ? "; proposed, not merged" : "");
    else if (v.proposed)
      fmt::print("{:<{}} proposed, not merged\n", "", w);
    if (args.notes) fmt::print("{}\n", wrap(v.notes, w + 9, 100));
  }
  return 0;
}

}  // namespace kvmsim

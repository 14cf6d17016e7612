// SPDX-License-Identifier: GPL-2.0-only
#include <algorithm>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "args.hpp"
#include "commands.hpp"
#include "output_format.hpp"
#include "variant_options.hpp"
#include "model/harness/bisect.hpp"
#include "model/harness/scenario.hpp"
#include "model/variants/registry.hpp"
#include "sim/json_input.hpp"

namespace kvmsim {

namespace {

nlohmann::json commits_json(const model::Variant& v) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& c : v.commits) j.push_back({{"id", c.id}, {"title", c.title}});
  return j;
}

nlohmann::ordered_json to_json(const model::Bisection& b, const model::Scenario& scenario,
                               uint64_t begin, uint64_t end) {
  nlohmann::json variants = nlohmann::json::array();
  for (const model::BisectStep& s : b.steps) {
    nlohmann::json row = {{"variant", s.variant->name},
                          {"commits", commits_json(*s.variant)},
                          {"modeled", s.not_modeled.empty()}};
    if (s.not_modeled.empty()) {
      row["executions"] = s.result.executions;
      row["violations"] = s.result.violations;
      row["first_failing_seed"] = s.result.first_failing_seed
                                      ? nlohmann::json(*s.result.first_failing_seed)
                                      : nlohmann::json(nullptr);
    } else {
      row["why"] = s.not_modeled;
    }
    variants.push_back(std::move(row));
  }
  nlohmann::json transitions = nlohmann::json::array();
  for (const model::Transition& t : b.transitions)
    transitions.push_back({{"kind", t.kind},
                           {"change", t.appears ? "appears" : "disappears"},
                           {"variant", t.at->name},
                           {"commits", commits_json(*t.at)},
                           {"previous", t.before ? nlohmann::json(t.before->name)
                                                 : nlohmann::json(nullptr)}});
  // scenarios/output-schemas/kvmsim-bisect.schema.json
  return output_document("kvmsim-bisect", 1,
                         {{"scenario", scenario.name},
                          {"path", scenario.path},
                          {"params", scenario.params},
                          {"strategy", scenario.exploration.strategy},
                          {"seeds", {{"begin", begin}, {"end", end}}},
                          {"variants", variants},
                          {"transitions", transitions}});
}

// The table: a row per state that ran the scenario; a stretch of states
// that cannot run it is one "(not modeled)" row, with the first one's reason.
void print_table(const model::Bisection& b) {
  size_t w = 17;
  for (const auto& s : b.steps) w = std::max(w, s.variant->name.size());
  fmt::print("{:<{}} {:>10}  {}\n", "VARIANT", w, "EXECUTIONS", "VIOLATIONS");
  for (size_t i = 0; i < b.steps.size();) {
    const model::BisectStep& s = b.steps[i];
    if (s.not_modeled.empty()) {
      fmt::print("{:<{}} {:>10}  {}\n", s.variant->name, w, s.result.executions,
                 model::violations_text(s.result));
      ++i;
      continue;
    }
    size_t j = i;
    while (j + 1 < b.steps.size() && !b.steps[j + 1].not_modeled.empty()) ++j;
    const std::string names =
        i == j ? s.variant->name : s.variant->name + " .. " + b.steps[j].variant->name;
    fmt::print("{} (not modeled): {}\n", names, s.not_modeled);
    i = j + 1;
  }
}

void print_commits(const model::Variant& v) {
  for (const auto& c : v.commits) fmt::print("      {:<13} {}\n", c.id, c.title);
}

void print_transitions(const model::Bisection& b) {
  if (b.transitions.empty()) {
    fmt::print("no violation at any kernel state that runs the scenario\n");
    return;
  }
  for (size_t i = 0; i < b.transitions.size(); ++i) {
    const model::Transition& t = b.transitions[i];
    if (i == 0 || b.transitions[i - 1].kind != t.kind) fmt::print("{}\n", t.kind);
    if (t.appears && !t.before)
      fmt::print("  present from {} (the first state that runs the scenario)\n", t.at->name);
    else
      fmt::print("  {} at {} (after {})\n", t.appears ? "appears" : "disappears", t.at->name,
                 t.before->name);
    print_commits(*t.at);
    const bool last_of_kind = i + 1 == b.transitions.size() || b.transitions[i + 1].kind != t.kind;
    if (last_of_kind && t.appears) fmt::print("  still there at the last state that runs it\n");
  }
}

// The modeled states whose violation kinds the overrides change, and the
// kinds each shows without them.
std::vector<std::pair<const model::BisectStep*, const model::BisectStep*>> changes(
    const model::Bisection& with, const model::Bisection& without) {
  const auto kinds = [](const model::BisectStep& s) {
    std::set<std::string> k;
    for (const auto& [kind, n] : s.result.violations) k.insert(kind);
    return k;
  };
  std::vector<std::pair<const model::BisectStep*, const model::BisectStep*>> out;
  for (size_t i = 0; i < with.steps.size(); ++i) {
    const model::BisectStep& a = with.steps[i];
    const model::BisectStep& d = without.steps[i];
    if (a.not_modeled != d.not_modeled || kinds(a) != kinds(d)) out.emplace_back(&a, &d);
  }
  return out;
}

std::string verdicts_text(const model::BisectStep& s) {
  return s.not_modeled.empty() ? model::violations_text(s.result) : "(not modeled)";
}

void print_changes(const model::Bisection& with, const model::Bisection& without) {
  const auto c = changes(with, without);
  const std::string overrides = fmt::format("{}", fmt::join(model::feature_overrides(), " "));
  if (c.empty()) {
    fmt::print("\n{} changes no violation kind at any state\n", overrides);
    return;
  }
  fmt::print("\nwhere {} changes the violation kinds (with it, then without):\n", overrides);
  for (const auto& [a, d] : c)
    fmt::print("  {}: {}\n  {:<{}}  without: {}\n", a->variant->name, verdicts_text(*a), "",
               a->variant->name.size(), verdicts_text(*d));
}

void add_changes(nlohmann::ordered_json& j, const model::Bisection& with,
                 const model::Bisection& without) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [a, d] : changes(with, without))
    rows.push_back({{"variant", a->variant->name},
                    {"with", a->result.violations},
                    {"without", d->result.violations}});
  j["features"] = model::feature_overrides();
  j["changed_by_features"] = rows;
}

}  // namespace

int cmd_bisect(const BisectArgs& args) {
  const std::vector<model::ParamValues> params = param_grid(args.params);
  if (params.size() != 1) throw sim::InputError("--param: bisect takes one value per parameter");
  model::Scenario scenario = model::load_scenario(args.scenario, params.front());
  if (args.strategy) scenario.exploration.strategy = *args.strategy;
  const auto [begin, end] = seed_range(args.seeds, scenario);
  const model::Bisection b = model::bisect(scenario, model::all_variants(), begin, end);
  // With --feature, the states as defined too: what the overrides change.
  std::optional<model::Bisection> as_defined;
  if (!model::feature_overrides().empty())
    as_defined = model::bisect(scenario, model::variants_as_defined(), begin, end);
  if (args.json) {
    nlohmann::ordered_json j = to_json(b, scenario, begin, end);
    if (as_defined) add_changes(j, b, *as_defined);
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  if (const std::string o = overrides_heading(); !o.empty()) fmt::print("{}\n", o);
  fmt::print("scenario {} ({}){}: seeds {}..{} ({}), kernel states in history order\n",
             scenario.name, args.scenario,
             scenario.params.empty() ? "" : " [" + params_text(scenario.params) + "]", begin, end,
             scenario.exploration.strategy);
  print_table(b);
  fmt::print("\n");
  print_transitions(b);
  if (as_defined) print_changes(b, *as_defined);
  return 0;
}

}  // namespace kvmsim

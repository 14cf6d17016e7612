// SPDX-License-Identifier: GPL-2.0-only
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "args.hpp"
#include "commands.hpp"
#include "output_format.hpp"
#include "model/harness/bisect.hpp"
#include "model/harness/scenario.hpp"
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

}  // namespace

int cmd_bisect(const BisectArgs& args) {
  const std::vector<model::ParamValues> params = param_grid(args.params);
  if (params.size() != 1) throw sim::InputError("--param: bisect takes one value per parameter");
  model::Scenario scenario = model::load_scenario(args.scenario, params.front());
  if (args.strategy) scenario.exploration.strategy = *args.strategy;
  const auto [begin, end] = seed_range(args.seeds, scenario);
  const model::Bisection b = model::bisect(scenario, begin, end);
  if (args.json) {
    fmt::print("{}\n", to_json(b, scenario, begin, end).dump(2));
    return 0;
  }
  fmt::print("scenario {} ({}){}: seeds {}..{} ({}), kernel states in history order\n",
             scenario.name, args.scenario,
             scenario.params.empty() ? "" : " [" + params_text(scenario.params) + "]", begin, end,
             scenario.exploration.strategy);
  print_table(b);
  fmt::print("\n");
  print_transitions(b);
  return 0;
}

}  // namespace kvmsim

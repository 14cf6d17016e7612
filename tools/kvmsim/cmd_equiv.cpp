// SPDX-License-Identifier: GPL-2.0-only
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "args.hpp"
#include "commands.hpp"
#include "output_format.hpp"
#include "variant_options.hpp"
#include "model/harness/equiv.hpp"
#include "model/harness/scenario.hpp"
#include "sim/json_input.hpp"
#include "sim/trace/timeline.hpp"
#include "sim/trace/trace.hpp"

namespace kvmsim {

namespace {

// "A,B": exactly two non-empty names (the same name twice is allowed: it
// checks that the model is deterministic).
std::pair<std::string, std::string> split_variants(const std::string& text) {
  const auto comma = text.find(',');
  const std::string a = text.substr(0, comma);
  const std::string b = comma == std::string::npos ? "" : text.substr(comma + 1);
  if (comma == std::string::npos || a.empty() || b.empty() || b.find(',') != std::string::npos)
    throw sim::InputError(
        "--variants: expected exactly two comma-separated variant names (A,B), got '" + text +
        "'");
  return {a, b};
}

const model::Variant& variant_arg(const std::string& name) {
  try {
    return model::find_variant(name);
  } catch (const sim::InputError& e) {
    throw sim::InputError(std::string("--variants: ") + e.what());
  }
}

// What the side's execution does at the difference, as the timeline shows it.
std::string side_text(const model::EquivSide& s) {
  if (s.event) return sim::event_text(*s.event);
  if (s.thread == sim::kNoThread) return fmt::format("(execution ended after step {})", s.step);
  return fmt::format("(the scheduler runs {}; no event)", s.thread_name);
}

nlohmann::json side_json(const model::EquivSide& s) {
  using nlohmann::json;
  return {{"step", s.step},
          {"thread", s.thread_name.empty() ? json(nullptr) : json(s.thread_name)},
          {"text", side_text(s)},
          {"event", s.event ? sim::event_to_json(*s.event) : json(nullptr)}};
}

nlohmann::ordered_json to_json(const model::Scenario& scenario, const std::string& a,
                               const std::string& b, uint64_t begin, uint64_t end,
                               const model::EquivResult& r) {
  nlohmann::json diff = nullptr;
  if (const auto& d = r.first_difference)
    diff = {{"seed", d->seed}, {"step", d->step}, {"a", side_json(d->a)}, {"b", side_json(d->b)}};
  // scenarios/output-schemas/kvmsim-equiv.schema.json
  return output_document("kvmsim-equiv", 1,
                         {{"scenario", scenario.name},
                          {"path", scenario.path},
                          {"variants", {a, b}},
                          {"strategy", scenario.exploration.strategy},
                          {"seeds", {{"begin", begin}, {"end", end}}},
                          {"compared", r.seeds},
                          {"equivalent", r.equivalent()},
                          {"first_difference", diff}});
}

void print_difference(const std::string& path, const std::string& a, const std::string& b,
                      const model::EquivDifference& d) {
  fmt::print("first difference at seed {}, step {}:\n", d.seed, d.step);
  const size_t w = std::max(a.size(), b.size()) + 1;
  for (const auto& [name, side] : {std::pair{a, &d.a}, std::pair{b, &d.b}}) {
    if (!side->event)  // the text names the thread, if any
      fmt::print("  {:<{}} step {}  {}\n", name + ":", w, side->step, side_text(*side));
    else
      fmt::print("  {:<{}} step {}  {}: {}\n", name + ":", w, side->step, side->thread_name,
                 side_text(*side));
  }
  fmt::print("both executions:\n");
  for (const auto& name : {a, b})
    fmt::print("  kvmsim run {} --variant {} --seed {}{}\n", path, name, d.seed,
               variant_options_text(model::find_variant(name)));
}

}  // namespace

int cmd_equiv(const EquivArgs& args) {
  const auto [a, b] = split_variants(args.variants);
  const model::Variant& va = variant_arg(a);
  const model::Variant& vb = variant_arg(b);
  const model::Scenario scenario = model::load_scenario(args.scenario);
  const auto [begin, end] = seed_range(args.seeds, scenario);
  const model::EquivResult r = model::compare_variants(scenario, va, vb, begin, end);
  if (args.json) {
    fmt::print("{}\n", to_json(scenario, a, b, begin, end, r).dump(2));
  } else {
    if (const std::string o = overrides_heading(); !o.empty()) fmt::print("{}\n", o);
    fmt::print("scenario {} ({}): {} vs {}, seeds {}..{} ({})\n", scenario.name, args.scenario, a,
               b, begin, end, scenario.exploration.strategy);
    if (r.first_difference)
      print_difference(args.scenario, a, b, *r.first_difference);
    else
      fmt::print("equivalent on {} seeds\n", r.seeds);
  }
  return r.equivalent() ? 0 : 1;
}

}  // namespace kvmsim

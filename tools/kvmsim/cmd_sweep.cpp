#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "model/scenario.hpp"
#include "model/sweep.hpp"
#include "sim/json_input.hpp"

namespace kvmsim {

namespace {

std::string violations_text(const model::SweepResult& r) {
  if (r.violations.empty()) return "-";
  std::string s;
  for (const auto& [kind, n] : r.violations) s += fmt::format("{}{}: {}", s.empty() ? "" : ", ", kind, n);
  return s;
}

}  // namespace

int cmd_sweep(const SweepArgs& args) {
  const model::Scenario scenario = model::load_scenario(args.scenario);
  uint64_t begin = scenario.exploration.seed_begin, end = scenario.exploration.seed_end;
  if (args.seeds) {
    try {
      std::tie(begin, end) = model::parse_seed_range(*args.seeds);
    } catch (const std::invalid_argument& e) {
      throw sim::InputError(std::string("--seeds: ") + e.what());
    }
  }
  std::vector<const model::Expectation*> todo;
  for (const auto& e : scenario.expect)
    if (!args.variant || e.variant == *args.variant) todo.push_back(&e);
  if (todo.empty())
    throw sim::InputError(args.scenario + ": expects nothing of variant '" + *args.variant + "'");

  if (!args.json) {
    fmt::print("scenario {}: seeds {}..{} ({})\n", scenario.name, begin, end,
               scenario.exploration.strategy);
    fmt::print("{:<10} {:>10}  {:<24} {:>18}  {:<14} {}\n", "VARIANT", "EXECUTIONS", "VIOLATIONS",
               "FIRST FAILING SEED", "EXPECTED", "OK");
  }
  nlohmann::json variants = nlohmann::json::array();
  bool all_ok = true;
  std::vector<std::string> repro;
  for (const model::Expectation* e : todo) {
    const model::SweepResult r = model::sweep_variant(scenario, *e, begin, end);
    all_ok = all_ok && r.ok;
    if (args.json) {
      variants.push_back({{"variant", r.variant},
                          {"executions", r.executions},
                          {"violations", r.violations},
                          {"first_failing_seed", r.first_failing_seed
                                                     ? nlohmann::json(*r.first_failing_seed)
                                                     : nlohmann::json(nullptr)},
                          {"expected", r.expected},
                          {"ok", r.ok}});
    } else {
      fmt::print("{:<10} {:>10}  {:<24} {:>18}  {:<14} {}\n", r.variant, r.executions,
                 violations_text(r),
                 r.first_failing_seed ? std::to_string(*r.first_failing_seed) : "-", r.expected,
                 r.ok ? "yes" : "NO");
      std::fflush(stdout);
      if (r.first_failing_seed)
        repro.push_back(fmt::format("  kvmsim run {} --variant {} --seed {}", args.scenario,
                                    r.variant, *r.first_failing_seed));
    }
  }
  if (args.json) {
    fmt::print("{}\n", nlohmann::json{{"scenario", scenario.name}, {"variants", variants}}.dump(2));
  } else {
    if (!repro.empty()) {
      fmt::print("\nsee the first failure of each variant:\n");
      for (const auto& line : repro) fmt::print("{}\n", line);
    }
    fmt::print("\n{}\n", all_ok ? "all variants as expected" : "UNEXPECTED verdict");
  }
  return all_ok ? 0 : 1;
}

}  // namespace kvmsim

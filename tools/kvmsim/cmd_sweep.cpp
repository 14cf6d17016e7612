#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "args.hpp"
#include "commands.hpp"
#include "report_dir.hpp"
#include "model/scenario.hpp"
#include "model/simulation.hpp"
#include "model/sweep.hpp"
#include "model/variants.hpp"
#include "sim/json_input.hpp"

namespace kvmsim {

namespace {

namespace fs = std::filesystem;

// Directories stand for the scenario files in them, in name order
// (schema.json is the format, not a scenario).
std::vector<std::string> expand(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  for (const auto& a : args) {
    std::error_code ec;
    if (!fs::is_directory(a, ec)) {
      files.push_back(a);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(a))
      if (entry.path().extension() == ".json" && entry.path().filename() != "schema.json")
        found.push_back(entry.path().string());
    if (found.empty()) throw sim::InputError(a + ": no scenario files (*.json) in directory");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

std::string violations_text(const model::SweepResult& r) {
  if (r.violations.empty()) return "-";
  std::string s;
  for (const auto& [kind, n] : r.violations)
    s += fmt::format("{}{}: {}", s.empty() ? "" : ", ", kind, n);
  return s;
}

nlohmann::json metrics_json(const std::map<std::string, model::MetricRange>& metrics) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, range] : metrics) j[name] = {{"min", range.min}, {"max", range.max}};
  return j;
}

nlohmann::json to_json(const model::SweepResult& r) {
  return {{"variant", r.variant},
          {"executions", r.executions},
          {"violations", r.violations},
          {"metrics", metrics_json(r.metrics)},
          {"first_failing_seed",
           r.first_failing_seed ? nlohmann::json(*r.first_failing_seed) : nlohmann::json(nullptr)},
          {"expected", r.expected},
          {"expected_metrics", r.expected_metrics},
          {"broken_relations", r.broken_relations},
          {"ok", r.ok}};
}

// " --param a=1 --param b=2" for a kvmsim run command line.
std::string param_options(const model::ParamValues& params) {
  std::string s;
  for (const auto& [name, value] : params) s += fmt::format(" --param {}={}", name, value);
  return s;
}

// Sweeps run without recording; the first failing seed is re-run with it
// (determinism makes that the same execution) and its trace written.
std::string write_first_failure(const model::Scenario& scenario, const model::SweepResult& r,
                                const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw sim::InputError(dir + ": cannot create directory: " + ec.message());
  const std::string path = (fs::path(dir) / fmt::format("{}-{}-seed{}.json", scenario.name,
                                                        r.variant, *r.first_failing_seed))
                               .string();
  sim::write_trace(model::record_execution(scenario, model::find_variant(r.variant),
                                           *r.first_failing_seed, kTool),
                   path);
  return path;
}

// Sweeps one scenario; prints its table (text mode) and returns its JSON.
// The verdicts of every scenario at every kernel state, in history order, as
// Markdown tables: where behaviour changes at a glance ("." clean, blank: no
// expectation for that state, so not run). One table for the states of the
// x86 MMU model and one for the gfn_to_pfn_cache states: no scenario runs at
// both, and one table of both would be mostly blank.
void print_matrix(const nlohmann::json& reports) {
  bool first_table = true;
  for (const bool x86_mmu : {true, false}) {
    std::vector<const model::Variant*> columns;
    for (const auto& v : model::all_variants())
      if (v.models_x86_mmu == x86_mmu) columns.push_back(&v);
    std::vector<std::string> lines;
    for (const auto& report : reports) {
      std::map<std::string, std::string> cell;
      for (const auto& row : report.at("variants")) {
        std::string kinds;
        for (const auto& [kind, n] : row.at("violations").items())
          kinds += (kinds.empty() ? "" : "+") + kind;
        if (!row.at("ok").get<bool>()) kinds += " (UNEXPECTED)";
        cell[row.at("variant").get<std::string>()] = kinds.empty() ? "." : kinds;
      }
      std::string line = "| " + report.at("scenario").get<std::string>() + " |";
      bool any = false;
      for (const model::Variant* v : columns) {
        any = any || cell.count(v->name);
        line += " " + cell[v->name] + " |";
      }
      if (any) lines.push_back(line);
    }
    if (lines.empty()) continue;
    std::string header = "| scenario |", rule = "|---|";
    for (const model::Variant* v : columns) {
      header += " " + v->name + " |";
      rule += "---|";
    }
    fmt::print("{}{}\n{}\n", first_table ? "" : "\n", header, rule);
    for (const auto& line : lines) fmt::print("{}\n", line);
    first_table = false;
  }
}

nlohmann::json sweep_one(const std::string& path, const model::ParamValues& params,
                         const SweepArgs& args, bool& all_ok, ReportDir* reports) {
  const bool quiet = args.json || args.matrix;  // only the final output
  const model::Scenario scenario = model::load_scenario(path, params);
  const auto [begin, end] = seed_range(args.seeds, scenario);
  std::vector<const model::Expectation*> todo;
  for (const auto& e : scenario.expect)
    if (!args.variant || e.variant == *args.variant) todo.push_back(&e);
  if (todo.empty())
    throw sim::InputError(path + ": expects nothing of variant '" + *args.variant + "'");

  // The VARIANT column: 17 wide, wider for longer names (pfncache-982ed0de4753).
  size_t w = 17;
  for (const model::Expectation* e : todo) w = std::max(w, e->variant.size());
  if (!quiet) {
    fmt::print("scenario {} ({}){}: seeds {}..{} ({})\n", scenario.name, path,
               scenario.params.empty() ? "" : " [" + params_text(scenario.params) + "]", begin,
               end, scenario.exploration.strategy);
    fmt::print("{:<{}} {:>10}  {:<24} {:>18}  {:<14} {:<3} {}\n", "VARIANT", w, "EXECUTIONS",
               "VIOLATIONS", "FIRST FAILING SEED", "EXPECTED", "OK", "METRICS");
  }
  nlohmann::json variants = nlohmann::json::array();
  std::vector<std::string> repro;
  for (const model::Expectation* e : todo) {
    const model::SweepResult r = model::sweep_variant(scenario, *e, begin, end, reports != nullptr);
    if (reports) reports->add(scenario, r.variant, r.failing_seeds);
    all_ok = all_ok && r.ok;
    nlohmann::json row = to_json(r);
    if (args.traces && r.first_failing_seed)
      row["trace"] = write_first_failure(scenario, r, *args.traces);
    variants.push_back(row);
    if (quiet) continue;
    fmt::print("{:<{}} {:>10}  {:<24} {:>18}  {:<14} {:<3} {}\n", r.variant, w, r.executions,
               violations_text(r),
               r.first_failing_seed ? std::to_string(*r.first_failing_seed) : "-", r.expected,
               r.ok ? "yes" : "NO", model::metrics_text(r.metrics));
    if (!r.ok && !r.expected_metrics.empty())
      fmt::print("{:<{}} expected metrics: {}\n", "", w, r.expected_metrics);
    for (const auto& [relation, executions] : r.broken_relations)
      fmt::print("{:<{}} {} broken in {} execution(s)\n", "", w, relation, executions);
    std::fflush(stdout);
    if (row.contains("trace"))
      repro.push_back(fmt::format("  kvmsim replay {}", row["trace"].get<std::string>()));
    else if (r.first_failing_seed)
      repro.push_back(fmt::format("  kvmsim run {} --variant {} --seed {}{}", path, r.variant,
                                  *r.first_failing_seed, param_options(scenario.params)));
  }
  if (!quiet && !repro.empty()) {
    fmt::print("first failure of each variant:\n");
    for (const auto& line : repro) fmt::print("{}\n", line);
  }
  if (!quiet) fmt::print("\n");
  nlohmann::json report = {{"scenario", scenario.name}, {"variants", variants}};
  if (!scenario.params.empty()) report["params"] = scenario.params;
  return report;
}

// How each metric grew over the parameter values of one scenario: a row per
// variant and metric, a column per combination (its range over the seeds).
void print_growth(const std::vector<model::ParamValues>& grid,
                  const std::vector<nlohmann::json>& reports) {
  std::vector<std::string> columns;
  for (const auto& combination : grid) columns.push_back(params_text(combination));
  // Variants in the sweep's order, each with its metrics by name; a metric
  // a combination never touched is 0 there.
  std::vector<std::string> variants;
  std::map<std::string, std::map<std::string, std::vector<std::string>>> cells;
  for (size_t c = 0; c < reports.size(); ++c)
    for (const auto& row : reports[c].at("variants")) {
      const std::string variant = row.at("variant");
      if (std::find(variants.begin(), variants.end(), variant) == variants.end())
        variants.push_back(variant);
      for (const auto& [metric, range] : row.at("metrics").items()) {
        auto [it, fresh] =
            cells[variant].try_emplace(metric, std::vector<std::string>(reports.size(), "0"));
        const uint64_t lo = range.at("min"), hi = range.at("max");
        it->second[c] = lo == hi ? std::to_string(lo) : fmt::format("{}..{}", lo, hi);
      }
    }
  size_t width = 12;
  for (const auto& col : columns) width = std::max(width, col.size() + 2);
  std::string header = fmt::format("{:<17} {:<24}", "VARIANT", "METRIC");
  for (const auto& col : columns) header += fmt::format(" {:>{}}", col, width);
  fmt::print("metrics by parameter:\n{}\n", header);
  for (const auto& variant : variants)
    for (const auto& [metric, row] : cells[variant]) {
      std::string line = fmt::format("{:<17} {:<24}", variant, metric);
      for (const auto& cell : row) line += fmt::format(" {:>{}}", cell, width);
      fmt::print("{}\n", line);
    }
  fmt::print("\n");
}

}  // namespace

int cmd_sweep(const SweepArgs& args) {
  const std::vector<std::string> files = expand(args.scenarios);
  bool all_ok = true;
  nlohmann::json reports = nlohmann::json::array();
  std::optional<ReportDir> report_dir;
  if (args.report_dir) report_dir.emplace(*args.report_dir);
  const std::vector<model::ParamValues> grid = param_grid(args.params);
  for (const auto& f : files) {
    std::vector<nlohmann::json> by_params;
    for (const auto& params : grid)
      by_params.push_back(sweep_one(f, params, args, all_ok, report_dir ? &*report_dir : nullptr));
    if (grid.size() > 1 && !args.json && !args.matrix) print_growth(grid, by_params);
    for (auto& report : by_params) reports.push_back(std::move(report));
  }
  if (report_dir) {
    const std::string index = report_dir->write_index();
    if (!args.json && !args.matrix) fmt::print("reports: {}\n", index);
  }
  if (args.matrix)
    print_matrix(reports);
  else if (args.json)
    fmt::print("{}\n", (reports.size() == 1 ? reports[0] : reports).dump(2));
  else
    fmt::print("{}\n", all_ok ? "all scenarios as expected" : "UNEXPECTED verdict");
  return all_ok ? 0 : 1;
}

}  // namespace kvmsim

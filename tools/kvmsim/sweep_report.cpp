// SPDX-License-Identifier: GPL-2.0-only
#include "sweep_report.hpp"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "args.hpp"
#include "interrupt.hpp"
#include "junit.hpp"
#include "output_format.hpp"
#include "variant_options.hpp"
#include "model/variants/registry.hpp"
#include "sim/file_output.hpp"
#include "sim/json_input.hpp"
#include "sim/parse_int.hpp"
#include "sim/strategy/pct_coverage.hpp"
#include "sim/strategy/pct_strategy.hpp"
#include "sim/trace/trace.hpp"

namespace kvmsim {

namespace {

using nlohmann::json;

// What --json prints (scenarios/output-schemas/kvmsim-sweep.schema.json).
constexpr const char* kSweepFormat = "kvmsim-sweep";
constexpr int kSweepVersion = 1;
// The report (kvmsim-sweep-report.schema.json). Version 1 named itself with
// a member "kvmsim_sweep_report": 1, and had no wall times; version 2 kept
// of a nondeterministic seed only its number.
constexpr const char* kReportFormat = "kvmsim-sweep-report";
constexpr int kReportVersion = 3;

// --- JSON --------------------------------------------------------------------

json metrics_json(const std::map<std::string, model::MetricRange>& metrics) {
  json j = json::object();
  for (const auto& [name, range] : metrics) j[name] = {{"min", range.min}, {"max", range.max}};
  return j;
}

// The verdict the scenario asks of a variant, as lists: the kinds that must
// show up, and the kinds that may; null if it expects nothing of it.
json expectation_json(const model::Scenario& scenario, const std::string& variant) {
  const model::Expectation* e = model::find_expectation(scenario, variant);
  if (!e) return nullptr;
  return {{"must", e->kinds}, {"may", e->may}};
}

// What --check-determinism checked for a variant (null when it did not run).
json determinism_json(const model::SweepResult& r) {
  if (!r.determinism_checked) return nullptr;
  return {{"seeds_run_twice", r.determinism_checked},
          {"mismatches", r.nondeterministic},
          {"first_mismatch_seed",
           r.first_nondeterministic ? json(r.first_nondeterministic->seed) : json(nullptr)}};
}

// What the sweep of a variant found, as both --json and the report give it.
json result_json(const ScenarioSweep& s, const model::SweepResult& r) {
  const auto trace = s.traces.find(r.variant);
  json row = {{"variant", r.variant},
          {"executions", r.executions},
          {"violations", r.violations},
          {"metrics", metrics_json(r.metrics)},
          {"first_failing_seed",
           r.first_failing_seed ? json(*r.first_failing_seed) : json(nullptr)},
          {"expected", expectation_json(s.scenario, r.variant)},
          {"expected_metrics", r.expected_metrics},
          {"broken_relations", r.broken_relations},
          {"not_seen", r.not_seen},
          // No verdict where nothing was expected: neither ok nor not.
          {"ok", r.has_expectation ? json(r.ok) : json(nullptr)},
          {"determinism", determinism_json(r)},
          {"trace", trace != s.traces.end() ? json(trace->second) : json(nullptr)}};
  // A user's state or --feature overrides: what ran under the name (a
  // report of it combines only with one of the same).
  if (const json d = model::variant_definition(model::find_variant(r.variant)); !d.is_null())
    row["definition"] = d;
  return row;
}

json seeds_json(const model::SeedIntervals& seeds) {
  json j = json::array();
  for (const auto& [a, b] : seeds) j.push_back({a, b});
  return j;
}

// The seeds of `planned` that `r` did not cover.
model::SeedIntervals missing_of(const model::SweepResult& r, const model::SeedIntervals& planned) {
  model::SeedIntervals missing;
  for (const auto& [a, b] : planned)
    for (const auto& gap : model::missing_seeds(r.seeds, a, b)) missing.push_back(gap);
  return missing;
}

// The probability a PCT sweep guarantees (nullopt for other strategies).
std::optional<sim::PctCoverage> pct_guarantee(const model::SweepResult& r) {
  const auto pct = sim::parse_pct_spec(r.strategy);
  if (!pct || !pct->steps) return std::nullopt;
  return sim::pct_coverage(pct->depth, r.threads, *pct->steps, r.max_steps, r.executions);
}

// What a variant covered, as the text's "covered" lines say it.
json coverage_json(const model::SweepResult& r, const model::SeedIntervals& planned) {
  json pct = nullptr;
  if (const auto c = pct_guarantee(r))
    pct = {{"depth", c->depth},
           {"threads", c->threads},
           {"steps", c->steps},
           {"max_steps_seen", c->max_steps_seen},
           {"per_execution", c->per_execution},
           {"over_sweep", c->over_sweep}};
  return {{"strategy", r.strategy},
          {"covered", seeds_json(r.seeds)},
          {"missing", seeds_json(missing_of(r, planned))},
          {"pct", pct}};
}

// A scenario as --json prints it.
json scenario_json(const ScenarioSweep& s, const model::SeedIntervals& planned) {
  json variants = json::array();
  for (const auto& r : s.variants) {
    json row = result_json(s, r);
    row["coverage"] = coverage_json(r, planned);
    const auto command = run_command(s, r);
    row["reproducer"] = command ? json(*command) : json(nullptr);
    variants.push_back(std::move(row));
  }
  return {{"scenario", s.scenario.name},
          {"path", s.scenario.path},
          {"params", s.scenario.params},
          {"strategy", s.strategy},
          {"seeds", {{"begin", s.seed_begin}, {"end", s.seed_end}}},
          {"variants", std::move(variants)}};
}

model::SeedIntervals read_seeds(const sim::JsonIn& in) {
  model::SeedIntervals seeds;
  for (const sim::JsonIn& interval : in.items()) {
    const uint64_t a = interval.at(size_t{0}).u64(), b = interval.at(1).u64();
    if (interval.raw().size() != 2 || a > b) interval.error("expected [first, last] seeds");
    if (!seeds.empty() && a <= seeds.back().second) interval.error("seed intervals out of order");
    model::add_seeds(seeds, a, b);
  }
  return seeds;
}

template <class T>
std::map<std::string, T> read_map(const sim::JsonIn& in, T (*read)(const sim::JsonIn&)) {
  std::map<std::string, T> m;
  for (const auto& [key, value] : in.members()) m.emplace(key, read(value));
  return m;
}

uint64_t read_u64(const sim::JsonIn& in) { return in.u64(); }

model::MetricRange read_range(const sim::JsonIn& in) {
  in.expect_object({"min", "max"});
  return {in.at("min").u64(), in.at("max").u64()};
}

model::SweepResult read_result(const sim::JsonIn& in) {
  in.expect_object({"variant", "executions", "violations", "metrics", "first_failing_seed",
                    "expected", "expected_metrics", "broken_relations", "not_seen", "ok",
                    "determinism", "trace", "covered", "max_steps", "threads", "strategy",
                    "wall_seconds", "definition"});
  model::SweepResult r;
  r.variant = in.at("variant").str();
  r.executions = in.at("executions").u64();
  r.violations = read_map(in.at("violations"), read_u64);
  r.metrics = read_map(in.at("metrics"), read_range);
  if (!in.at("first_failing_seed").raw().is_null())
    r.first_failing_seed = in.at("first_failing_seed").u64();
  r.expected_metrics = in.at("expected_metrics").str();
  r.broken_relations = read_map(in.at("broken_relations"), read_u64);
  for (const sim::JsonIn& kind : in.at("not_seen").items()) kind.str();  // a list of kinds
  if (!in.at("ok").raw().is_null()) in.at("ok").boolean();  // judged again from the content
  r.seeds = read_seeds(in.at("covered"));
  if (model::count_seeds(r.seeds) != r.executions)
    in.at("executions").error("does not match the seeds covered");
  r.max_steps = in.at("max_steps").u64();
  r.threads = static_cast<uint32_t>(in.at("threads").u64());
  r.strategy = in.at("strategy").str();
  if (!in.raw().at("determinism").is_null()) {
    const sim::JsonIn d = in.at("determinism");
    d.expect_object({"seeds_run_twice", "mismatches", "first_mismatch_seed", "first_mismatch"});
    r.determinism_checked = d.at("seeds_run_twice").u64();
    r.nondeterministic = d.at("mismatches").u64();
    if (d.at("first_mismatch_seed").raw().is_null() != (r.nondeterministic == 0))
      d.at("first_mismatch_seed").error("is null exactly when \"mismatches\" is 0");
    if (d.at("first_mismatch").raw().is_null() != (r.nondeterministic == 0))
      d.at("first_mismatch").error("is null exactly when \"mismatches\" is 0");
    if (r.nondeterministic) {
      const sim::JsonIn m = d.at("first_mismatch");
      m.expect_object({"first_hash", "second_hash", "parting"});
      r.first_nondeterministic = model::Nondeterminism{d.at("first_mismatch_seed").u64(),
                                                       m.at("first_hash").str(),
                                                       m.at("second_hash").str(),
                                                       m.at("parting").str()};
    }
  }
  return r;
}

[[noreturn]] void differs(const std::string& path, const std::string& pointer,
                          const std::string& what) {
  sim::JsonIn(json(), path, pointer).error(what);
}

// --- text --------------------------------------------------------------------

// " --param a=1 --param b=2" for a kvmsim run command line.
std::string param_options(const model::ParamValues& params) {
  std::string s;
  for (const auto& [name, value] : params) s += fmt::format(" --param {}={}", name, value);
  return s;
}

// What a variant covered: "seeds 0..999 (1000 executions, random)", the
// seeds of its range it did not, and for PCT the probability the sweep
// guarantees.
std::vector<std::string> coverage_lines(const model::SweepResult& r,
                                        const model::SeedIntervals& planned) {
  std::string line = fmt::format("seeds {} ({} executions, {})", model::seeds_text(r.seeds),
                                 r.executions, r.strategy);
  const model::SeedIntervals missing = missing_of(r, planned);
  if (!missing.empty()) line += "; MISSING: seeds " + model::seeds_text(missing);
  std::vector<std::string> lines = {line};
  if (const auto pct = pct_guarantee(r)) lines.push_back(sim::describe(*pct));
  return lines;
}

// The verdicts of every scenario at every kernel state, in history order, as
// Markdown tables: where behaviour changes at a glance ("." clean, blank: no
// expectation for that state, so not run; "(no expectation)": run because
// --variant named it, its kinds judged by nothing). One table for the
// states of the x86 MMU model and one for the gfn_to_pfn_cache states: no
// scenario runs at both, and one table of both would be mostly blank.
void print_matrix(const json& reports) {
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
        const json& ok = row.at("ok");
        if (ok == false) kinds += " (UNEXPECTED)";
        const auto not_seen = row.at("not_seen").get<std::vector<std::string>>();
        if (kinds.empty()) kinds = ".";
        if (ok.is_null()) kinds += " (no expectation)";
        // An expected kind these seeds did not show (see the text's rule).
        if (!not_seen.empty()) kinds += fmt::format(" (not seen: {})", fmt::join(not_seen, "+"));
        cell[row.at("variant").get<std::string>()] = kinds;
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

// How each metric grew over the parameter values of one scenario: a row per
// variant and metric, a column per combination (its range over the seeds).
void print_growth(const std::vector<model::ParamValues>& grid, const std::vector<json>& reports) {
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

// A seed the determinism check saw run two ways, and where the runs part.
void print_nondeterminism(std::FILE* out, const model::SweepResult& r) {
  const model::Nondeterminism& n = *r.first_nondeterministic;
  fmt::print(out, "NONDETERMINISTIC: {} seed {} ran two different ways ({} seed(s) in all)\n{}",
             r.variant, n.seed, r.nondeterministic, n.parting);
}

// Must-kinds a sweep did not see where the scenario does not promise them:
// "stale-mmio at v3.16, v3.17 not seen in seeds 0..99 (the scenario expects
// it within 0..999)", one line for the variants that covered the same.
std::vector<std::string> not_seen_lines(const ScenarioSweep& s) {
  // By what was covered, then by the kinds missing, each in variant order.
  using Variants = std::vector<std::pair<std::string, std::vector<std::string>>>;
  std::vector<std::pair<std::string, Variants>> groups;
  const auto entry = [](auto& list, const std::string& key) -> auto& {
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& e) { return e.first == key; });
    if (it == list.end()) it = list.insert(list.end(), {key, {}});
    return it->second;
  };
  for (const auto& r : s.variants) {
    if (r.not_seen.empty()) continue;
    const bool same_strategy = r.strategy == r.promised_strategy;
    const std::string where = fmt::format(
        "not seen in seeds {}{} (the scenario expects {{}} within {}..{}{})",
        model::seeds_text(r.seeds), same_strategy ? "" : " under " + r.strategy, r.promised_begin,
        r.promised_end, same_strategy ? "" : " under " + r.promised_strategy);
    entry(entry(groups, where), fmt::format("{}", fmt::join(r.not_seen, "+"))).push_back(r.variant);
  }
  std::vector<std::string> lines;
  for (const auto& [where, by_kinds] : groups) {
    std::vector<std::string> items;
    for (const auto& [kinds, variants] : by_kinds)
      items.push_back(fmt::format("{} at {}", kinds, fmt::join(variants, ", ")));
    const bool one = by_kinds.size() == 1 && by_kinds[0].first.find('+') == std::string::npos;
    lines.push_back(fmt::format("{} {}", fmt::join(items, "; "),
                                fmt::format(fmt::runtime(where), one ? "it" : "them")));
  }
  return lines;
}

void print_table(const ScenarioSweep& s, const model::SeedIntervals& planned) {
  const model::Scenario& sc = s.scenario;
  // The VARIANT column: 17 wide, wider for longer names (pfncache-982ed0de4753).
  size_t w = 17;
  for (const auto& r : s.variants) w = std::max(w, r.variant.size());
  fmt::print("scenario {} ({}){}: seeds {}..{} ({})\n", sc.name, sc.path,
             sc.params.empty() ? "" : " [" + params_text(sc.params) + "]", s.seed_begin,
             s.seed_end, s.strategy);
  fmt::print("{:<{}} {:>10}  {:<24} {:>18}  {:<14} {:<3} {}\n", "VARIANT", w, "EXECUTIONS",
             "VIOLATIONS", "FIRST FAILING SEED", "EXPECTED", "OK", "METRICS");
  std::vector<std::string> repro;
  for (const auto& r : s.variants) {
    fmt::print("{:<{}} {:>10}  {:<24} {:>18}  {:<14} {:<3} {}\n", r.variant, w, r.executions,
               model::violations_text(r),
               r.first_failing_seed ? std::to_string(*r.first_failing_seed) : "-",
               r.has_expectation ? model::expected_text(r.expected, r.may) : "-",
               !r.has_expectation ? "-" : r.ok ? "yes" : "NO", model::metrics_text(r.metrics));
    if (!r.ok && !r.expected_metrics.empty())
      fmt::print("{:<{}} expected metrics: {}\n", "", w, r.expected_metrics);
    for (const auto& [relation, executions] : r.broken_relations)
      fmt::print("{:<{}} {} broken in {} execution(s)\n", "", w, relation, executions);
    if (const auto it = s.traces.find(r.variant); it != s.traces.end())
      repro.push_back(fmt::format("  kvmsim replay {}", it->second));
    else if (const auto command = run_command(s, r))
      repro.push_back("  " + *command);
  }
  for (const auto& line : not_seen_lines(s)) fmt::print("{}\n", line);
  if (!repro.empty()) {
    fmt::print("first failure of each variant:\n");
    for (const auto& line : repro) fmt::print("{}\n", line);
  }
  // Set off by a blank line: the table above is pasted into the README as
  // printed, and stays the same.
  std::vector<std::vector<std::string>> coverage;
  for (const auto& r : s.variants) coverage.push_back(coverage_lines(r, planned));
  // Usually every variant ran the same seeds the same way: say it once.
  if (std::all_of(coverage.begin(), coverage.end(), [&](const auto& c) { return c == coverage[0]; })) {
    fmt::print("\ncovered at every variant: {}\n", coverage[0][0]);
    for (size_t i = 1; i < coverage[0].size(); ++i) fmt::print("  {}\n", coverage[0][i]);
  } else {
    fmt::print("\ncovered:\n");
    for (size_t v = 0; v < coverage.size(); ++v) {
      fmt::print("  {:<{}} {}\n", s.variants[v].variant, w, coverage[v][0]);
      for (size_t i = 1; i < coverage[v].size(); ++i) fmt::print("  {:<{}} {}\n", "", w, coverage[v][i]);
    }
  }
  for (const auto& r : s.variants)
    if (r.first_nondeterministic) print_nondeterminism(stdout, r);
  fmt::print("\n");
}

}  // namespace

std::optional<std::string> run_command(const ScenarioSweep& s, const model::SweepResult& r) {
  if (!r.first_failing_seed) return std::nullopt;
  const model::Scenario& sc = s.scenario;
  return fmt::format("kvmsim run {} --variant {} --seed {}{}{}{}", sc.path, r.variant,
                     *r.first_failing_seed,
                     s.strategy == sc.exploration.strategy ? "" : " --strategy " + r.strategy,
                     param_options(sc.params), variant_options_text(model::find_variant(r.variant)));
}

std::pair<uint64_t, uint64_t> parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  const auto k = sim::parse_u64(text.substr(0, slash));
  const auto n = slash == std::string::npos ? std::nullopt : sim::parse_u64(text.substr(slash + 1));
  if (!k || !n || *k < 1 || *k > *n)
    throw sim::InputError("--shard: expected K/N with 1 <= K <= N, got '" + text + "'");
  return {*k, *n};
}

model::SeedIntervals planned_seeds(const ScenarioSweep& s, const std::optional<std::string>& shard) {
  if (!shard) return {{s.seed_begin, s.seed_end}};
  const auto [k, n] = parse_shard(*shard);
  const auto part = model::shard_seeds(s.seed_begin, s.seed_end, k, n);
  return part ? model::SeedIntervals{*part} : model::SeedIntervals{};
}

nlohmann::ordered_json report_json(const SweepReport& report) {
  json scenarios = json::array();
  for (const ScenarioSweep& s : report.scenarios) {
    json variants = json::array();
    for (const auto& r : s.variants) {
      json row = result_json(s, r);
      row["covered"] = seeds_json(r.seeds);
      row["max_steps"] = r.max_steps;
      row["threads"] = r.threads;
      row["strategy"] = r.strategy;
      const auto seconds = s.wall_seconds.find(r.variant);
      row["wall_seconds"] = seconds == s.wall_seconds.end() ? 0.0 : seconds->second;
      // Where the first nondeterministic seed's runs part: what a resumed
      // or merged sweep prints of it (the check does not run it again).
      if (const auto& n = r.first_nondeterministic)
        row["determinism"]["first_mismatch"] = {
            {"first_hash", n->first_hash}, {"second_hash", n->second_hash}, {"parting", n->parting}};
      else if (r.determinism_checked)
        row["determinism"]["first_mismatch"] = nullptr;
      variants.push_back(std::move(row));
    }
    scenarios.push_back({{"scenario", s.scenario.name},
                         {"path", s.scenario.path},
                         {"params", s.scenario.params},
                         {"sha256", s.sha256},
                         {"content", s.scenario.json},
                         {"strategy", s.strategy},
                         {"seeds", {s.seed_begin, s.seed_end}},
                         {"variants", std::move(variants)}});
  }
  return output_document(kReportFormat, kReportVersion,
                         {{"tool", report.tool},
                          {"params", report.param_specs},
                          {"shard", report.shard ? json(*report.shard) : json(nullptr)},
                          {"partial", report.partial},
                          {"scenarios", std::move(scenarios)}});
}

void write_report(const SweepReport& report, const std::string& path) {
  sim::write_file_atomically(path, report_json(report).dump(2) + "\n");
}

SweepReport read_report(const std::string& path) {
  const json doc = sim::read_json_file(path, sim::kReportInput);
  const sim::JsonIn in(doc, path);
  if (doc.is_object() && doc.contains("kvmsim_sweep_report"))
    in.error(fmt::format("a sweep report of format version 1, which this kvmsim does not read "
                         "(it reads {} version {}): run the sweep again",
                         kReportFormat, kReportVersion));
  if (!doc.is_object() || doc.value("format", json()) != kReportFormat)
    in.error(fmt::format("not a kvmsim sweep report (\"format\" is not \"{}\"; write one "
                         "with kvmsim sweep --report)",
                         kReportFormat));
  in.expect_object({"format", "version", "tool", "params", "shard", "partial", "scenarios"});
  if (in.at("version").u64() != kReportVersion)
    in.at("version").error(fmt::format("format version {} is not the one this kvmsim reads ({})",
                                       in.at("version").u64(), kReportVersion));
  SweepReport report;
  report.tool = in.at("tool").str();
  for (const auto& spec : in.at("params").items()) report.param_specs.push_back(spec.str());
  if (!doc.at("shard").is_null()) {
    report.shard = in.at("shard").str();
    try {
      parse_shard(*report.shard);
    } catch (const sim::InputError& e) {
      in.at("shard").error(e.what());
    }
  }
  report.partial = in.at("partial").boolean();
  for (const sim::JsonIn& sc : in.at("scenarios").items()) {
    sc.expect_object({"scenario", "path", "params", "sha256", "content", "strategy", "seeds",
                      "variants"});
    ScenarioSweep s;
    const sim::JsonIn content = sc.at("content");
    s.scenario = model::parse_scenario(content.raw(), path + "#" + content.pointer());
    s.scenario.path = sc.at("path").str();
    s.sha256 = sc.at("sha256").str();
    if (s.sha256 != sim::scenario_sha256(content.raw()))
      sc.at("sha256").error("is not the SHA-256 of the scenario content");
    if (sc.at("scenario").str() != s.scenario.name)
      sc.at("scenario").error("is not the name in the scenario content");
    s.strategy = sc.at("strategy").str();
    const sim::JsonIn seeds = sc.at("seeds");
    s.seed_begin = seeds.at(size_t{0}).u64();
    s.seed_end = seeds.at(1).u64();
    if (seeds.raw().size() != 2 || s.seed_begin > s.seed_end)
      seeds.error("expected [first, last] seeds");
    for (const sim::JsonIn& v : sc.at("variants").items()) {
      s.variants.push_back(read_result(v));
      model::SweepResult& r = s.variants.back();
      json definition;
      try {
        definition = model::variant_definition(model::find_variant(r.variant));
      } catch (const sim::InputError& e) {
        v.at("variant").error(e.what());
      }
      const json recorded = v.has("definition") ? v.at("definition").raw() : json();
      if (recorded != definition)
        v.error(fmt::format("ran {} as {}, but this kvmsim runs it as {} (--variants-file, "
                            "--feature)",
                            r.variant,
                            recorded.is_null() ? "built" : model::variant_definition_text(recorded),
                            definition.is_null() ? "built" : model::variant_definition_text(definition)));
      const json expected = expectation_json(s.scenario, r.variant);
      if (v.at("expected").raw() != expected)
        v.at("expected").error(expected.is_null()
                                   ? "the scenario content expects nothing of " + r.variant
                                   : "is not what the scenario content expects");
      if (v.at("ok").raw().is_null() != expected.is_null())
        v.at("ok").error("is null exactly when \"expected\" is");
      const model::Expectation e = model::expectation_for(s.scenario, r.variant);
      r.has_expectation = !expected.is_null();
      if (r.has_expectation) r.expected = e.verdict();
      model::promise(r, s.scenario, e);
      for (const auto& [a, b] : r.seeds)
        if (a < s.seed_begin || b > s.seed_end) v.at("covered").error("seeds outside \"seeds\"");
      if (!v.at("trace").raw().is_null()) s.traces[r.variant] = v.at("trace").str();
      s.wall_seconds[r.variant] = v.at("wall_seconds").seconds();
    }
    report.scenarios.push_back(std::move(s));
  }
  return report;
}

void check_same_sweep(const SweepReport& report, const SweepReport& other,
                      const std::string& path) {
  const auto check = [&](bool same, const std::string& pointer, const std::string& what) {
    if (!same) differs(path, pointer, what);
  };
  check(other.tool == report.tool, "/tool",
        fmt::format("'{}', not '{}' as the sweep it is combined with", other.tool, report.tool));
  check(other.param_specs == report.param_specs, "/params",
        "other --param options than the sweep it is combined with");
  check(other.scenarios.size() == report.scenarios.size(), "/scenarios",
        fmt::format("{} scenario runs, not {} as the sweep it is combined with",
                    other.scenarios.size(), report.scenarios.size()));
  for (size_t i = 0; i < report.scenarios.size(); ++i) {
    const ScenarioSweep& a = report.scenarios[i];
    const ScenarioSweep& b = other.scenarios[i];
    const std::string at = fmt::format("/scenarios/{}", i);
    check(a.scenario.name == b.scenario.name && a.scenario.params == b.scenario.params,
          at + "/scenario",
          fmt::format("scenario {} [{}], not {} [{}]", b.scenario.name,
                      params_text(b.scenario.params), a.scenario.name,
                      params_text(a.scenario.params)));
    check(a.sha256 == b.sha256, at + "/sha256",
          "the scenario " + a.scenario.name + " has other content (file changed?)");
    check(a.strategy == b.strategy, at + "/strategy",
          fmt::format("strategy '{}', not '{}'", b.strategy, a.strategy));
    check(a.seed_begin == b.seed_begin && a.seed_end == b.seed_end, at + "/seeds",
          fmt::format("seeds {}..{}, not {}..{}", b.seed_begin, b.seed_end, a.seed_begin,
                      a.seed_end));
    check(a.variants.size() == b.variants.size(), at + "/variants",
          fmt::format("{} variants, not {}", b.variants.size(), a.variants.size()));
    for (size_t j = 0; j < a.variants.size(); ++j) {
      const std::string row = fmt::format("{}/variants/{}", at, j);
      check(a.variants[j].variant == b.variants[j].variant, row + "/variant",
            fmt::format("variant {}, not {}", b.variants[j].variant, a.variants[j].variant));
      check(a.variants[j].strategy == b.variants[j].strategy, row + "/strategy",
            fmt::format("strategy '{}', not '{}'", b.variants[j].strategy,
                        a.variants[j].strategy));
    }
  }
}

void merge_reports(SweepReport& report, const SweepReport& other, const std::string& path) {
  check_same_sweep(report, other, path);
  for (size_t i = 0; i < report.scenarios.size(); ++i) {
    ScenarioSweep& a = report.scenarios[i];
    const ScenarioSweep& b = other.scenarios[i];
    for (size_t j = 0; j < a.variants.size(); ++j) {
      model::SweepResult& r = a.variants[j];
      const model::SweepResult& more = b.variants[j];
      model::SeedIntervals both = r.seeds;
      for (const auto& [lo, hi] : more.seeds)
        if (!model::add_seeds(both, lo, hi))
          differs(path, fmt::format("/scenarios/{}/variants/{}/covered", i, j),
                  fmt::format("seeds {} of {} at {} are in another report too",
                              model::seeds_text({{lo, hi}}), a.scenario.name, r.variant));
      // The first failure's trace comes from the report that found it.
      const auto trace = b.traces.find(r.variant);
      if (more.first_failing_seed && trace != b.traces.end() &&
          *more.first_failing_seed < r.first_failing_seed.value_or(UINT64_MAX))
        a.traces[r.variant] = trace->second;
      model::merge(r, more, model::expectation_for(a.scenario, r.variant));
      if (const auto seconds = b.wall_seconds.find(r.variant); seconds != b.wall_seconds.end())
        a.wall_seconds[r.variant] += seconds->second;
    }
  }
  report.partial = report.partial || other.partial;
}

SweepPrinter::SweepPrinter(OutputFormat format, const std::vector<std::string>& param_specs,
                           std::optional<std::string> shard)
    : format_(format), shard_(std::move(shard)), grid_(param_grid(param_specs)) {}

void SweepPrinter::add(const ScenarioSweep& s) {
  json j = scenario_json(s, planned_seeds(s, shard_));
  // A nondeterministic seed fails a variant whose verdict was as expected.
  std::vector<std::string> failed;
  for (const auto& r : s.variants) {
    if (!r.ok || r.nondeterministic != 0) failed.push_back(r.variant);
    not_seen_ += r.not_seen.size();
    ++(r.has_expectation ? judged_ : unjudged_);
  }
  if (!failed.empty()) {
    const model::Scenario& sc = s.scenario;
    failed_.push_back(fmt::format("{}{} at {}", sc.name,
                                  sc.params.empty() ? "" : " [" + params_text(sc.params) + "]",
                                  fmt::join(failed, ", ")));
    failed_json_.push_back({{"scenario", sc.name}, {"params", sc.params}, {"variants", failed}});
  }
  if (format_ == OutputFormat::text) {
    print_table(s, planned_seeds(s, shard_));
    std::fflush(stdout);
  } else {
    for (const auto& r : s.variants)
      if (r.first_nondeterministic) print_nondeterminism(stderr, r);
  }
  group_.push_back(j);
  if (group_.size() == grid_.size()) {
    if (grid_.size() > 1 && format_ == OutputFormat::text) print_growth(grid_, group_);
    group_.clear();
  }
  json timed = j;
  for (auto& row : timed.at("variants")) {
    const auto seconds = s.wall_seconds.find(row.at("variant").get<std::string>());
    row["wall_seconds"] = seconds == s.wall_seconds.end() ? 0.0 : seconds->second;
  }
  junit_.push_back(std::move(timed));
  reports_.push_back(std::move(j));
}

std::string SweepPrinter::verdict_line() const {
  if (!failed_.empty()) return fmt::format("FAILED: {}", fmt::join(failed_, "; "));
  if (!unjudged_) return "all scenarios as expected";
  // Claim nothing of the variants --variant ran without an expectation.
  if (!judged_) return fmt::format("{} variant(s) run without an expectation, none judged", unjudged_);
  return fmt::format("{} variant(s) as expected, {} run without an expectation", judged_,
                     unjudged_);
}

int SweepPrinter::finish(const SweepReport& report, bool interrupted,
                         const std::optional<std::string>& junit) {
  uint64_t done = 0, planned = 0, run_twice = 0, mismatches = 0;
  for (const ScenarioSweep& s : report.scenarios)
    for (const auto& r : s.variants) {
      done += r.executions;
      planned += model::count_seeds(planned_seeds(s, report.shard));
      run_twice += r.determinism_checked;
      mismatches += r.nondeterministic;
    }
  // Instead of the verdict line: the verdict of a part is no verdict.
  std::string unfinished;
  if (interrupted)
    unfinished = fmt::format("INTERRUPTED: partial report ({} of {} executions)", done, planned);
  else if (done < planned)
    unfinished = fmt::format("INCOMPLETE: {} of {} executions (see MISSING above)", done, planned);
  const auto document = [&](const json& scenarios) {
    return output_document(
        kSweepFormat, kSweepVersion,
        {{"params", report.param_specs},
         {"shard", report.shard ? json(*report.shard) : json(nullptr)},
         {"scenarios", scenarios},
         {"ok", failed_.empty()},
         {"complete", unfinished.empty()},
         {"failed", failed_json_}});
  };
  // The rule, once, where it excused something; the verdict line stays last.
  if (format_ == OutputFormat::text && not_seen_)
    fmt::print("{} expected kind(s) not seen: a scenario requires its kinds only over its own "
               "seeds under its own strategy (\"exploration\"); elsewhere a missing one is "
               "reported, not failed\n",
               not_seen_);
  if (format_ == OutputFormat::matrix)
    print_matrix(reports_);
  else if (format_ == OutputFormat::json)
    fmt::print("{}\n", document(reports_).dump(2));
  else if (unfinished.empty())
    fmt::print("{}\n", verdict_line());
  if (!unfinished.empty())
    fmt::print(format_ == OutputFormat::text ? stdout : stderr, "{}\n", unfinished);
  // What --check-determinism checked (the details of a mismatch are above).
  if (run_twice)
    fmt::print(format_ == OutputFormat::text ? stdout : stderr,
               "determinism: {} seeds run twice, {} mismatch{}{}\n", run_twice, mismatches,
               mismatches == 1 ? "" : "es", mismatches ? " (NONDETERMINISTIC above)" : "");
  if (junit) write_junit(json(document(junit_)), *junit);
  if (interrupted) return interrupted_exit();
  return failed_.empty() && unfinished.empty() ? 0 : 1;
}

}  // namespace kvmsim

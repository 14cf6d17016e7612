// SPDX-License-Identifier: GPL-2.0-only
// What sweep, merge and resume share: the results of a sweep over scenarios,
// the JSON report that carries them from one run to another (shards, an
// interrupted run), folding reports together, and printing results the one
// way a sweep prints them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/harness/scenario.hpp"
#include "model/harness/sweep.hpp"

namespace kvmsim {

// One scenario, at one combination of its parameters, swept at its variants.
struct ScenarioSweep {
  model::Scenario scenario;
  std::string sha256;    // sim::scenario_sha256 of scenario.json
  std::string strategy;  // the spec it ran under: --strategy, or the scenario's
  uint64_t seed_begin = 0, seed_end = 0;  // the whole range, over every shard
  std::vector<model::SweepResult> variants;   // in the scenario's order
  std::map<std::string, std::string> traces;  // variant -> its first failure's trace file
  // variant -> the wall time its sweep took, over every shard and resumption:
  // JUnit's test case times, carried by the report, printed nowhere else.
  std::map<std::string, double> wall_seconds;
};

struct SweepReport {
  std::string tool;
  std::vector<std::string> param_specs;  // --param NAME=V1,V2: scenarios come in groups
  // "K/N": the shard of every seed range the report is about; absent: all of it.
  std::optional<std::string> shard;
  bool partial = false;  // interrupted before it covered its seeds
  std::vector<ScenarioSweep> scenarios;
};

// --shard K/N as {K, N}; InputError naming --shard unless 1 <= K <= N.
std::pair<uint64_t, uint64_t> parse_shard(const std::string& text);

// The seeds of the scenario's range that `shard` ("K/N" or none) covers.
model::SeedIntervals planned_seeds(const ScenarioSweep& s, const std::optional<std::string>& shard);

// The `kvmsim run` command line that runs `r`'s first failing seed as the
// sweep ran it; nullopt if `r` has none.
std::optional<std::string> run_command(const ScenarioSweep& s, const model::SweepResult& r);

nlohmann::ordered_json report_json(const SweepReport& report);
void write_report(const SweepReport& report, const std::string& path);  // atomically
// InputError naming the file and the JSON path of what is wrong.
SweepReport read_report(const std::string& path);

// Does `other` (read from `path`) report on the same sweep as `report`: tool,
// parameters, scenarios (by name, parameters and content hash), their seed
// ranges and strategies, and variants with the same strategies? InputError
// naming `path` and the JSON path of the first difference otherwise.
void check_same_sweep(const SweepReport& report, const SweepReport& other,
                      const std::string& path);

// Folds `other` (read from `path`) into `report`: check_same_sweep, and
// seeds swept in both are an InputError naming them.
void merge_reports(SweepReport& report, const SweepReport& other, const std::string& path);

enum class OutputFormat { text, json, matrix };

// Prints results as a sweep does. In text, each scenario's table (with what
// each variant covered) as it comes, and how the metrics grew after the
// last parameter combination of each file; --json and --matrix at the end.
class SweepPrinter {
 public:
  // `shard` as in SweepReport: what each scenario's coverage is measured against.
  SweepPrinter(OutputFormat format, const std::vector<std::string>& param_specs,
               std::optional<std::string> shard);

  void add(const ScenarioSweep& s);

  // The --json or --matrix output, or the verdict line; then whether the
  // results cover their seeds. Writes JUnit XML to `junit` if given.
  // Returns the exit status: 0 as expected (a variant run without an
  // expectation is no failure), 1 an unexpected verdict, a
  // nondeterministic seed or seeds not covered, 130 if `interrupted`.
  int finish(const SweepReport& report, bool interrupted,
             const std::optional<std::string>& junit);

 private:
  OutputFormat format_;
  std::optional<std::string> shard_;
  std::vector<model::ParamValues> grid_;
  std::vector<nlohmann::json> group_;  // the current file's parameter combinations
  nlohmann::json reports_ = nlohmann::json::array();  // the scenarios --json prints
  nlohmann::json junit_ = nlohmann::json::array();    // the same, with wall times
  // "name [params] at v1, v2" of each scenario with a variant not as expected
  // or nondeterministic: what the FAILED line names.
  std::vector<std::string> failed_;
  nlohmann::json failed_json_ = nlohmann::json::array();
  uint64_t not_seen_ = 0;  // must-kinds excused over all scenarios and variants
  // Variants swept against an expectation, and without one (--variant of
  // a state the scenario expects nothing of).
  uint64_t judged_ = 0, unjudged_ = 0;

  // The text's last line: FAILED, or what was as expected and what was
  // run without an expectation.
  std::string verdict_line() const;
};

}  // namespace kvmsim

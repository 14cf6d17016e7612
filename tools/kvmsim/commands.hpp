// SPDX-License-Identifier: GPL-2.0-only
// The kvmsim subcommands. Each returns the process exit status:
// 0 as expected / no violation, 1 unexpected verdict / violation / replay
// mismatch or divergence, 2 bad input; explore: 4 when --max-schedules
// stopped it before it was complete; sweep: 130 when interrupted (the
// partial report is written). main() turns any other failure into 3.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kvmsim {

inline constexpr const char* kTool = "kvmsim " KVMSIM_VERSION;

struct SweepArgs {
  std::vector<std::string> scenarios;  // files, or directories of *.json
  std::optional<std::string> seeds;
  std::optional<std::string> variant;
  std::optional<std::string> strategy;  // overrides each scenario's ("random", "pct:3")
  unsigned jobs = 1;                    // OS threads running seeds
  std::optional<std::string> shard;     // "K/N": run shard K of N of every seed range
  std::optional<std::string> report;    // write the JSON report here (mergeable)
  std::optional<std::string> resume;    // a partial report to continue from
  double checkpoint_interval = 30;      // seconds between partial reports written to `report`
  std::optional<std::string> junit;     // JUnit XML here
  bool check_determinism = false;       // run every seed twice, compare trace hashes
  std::optional<std::string> traces;  // directory for first-failure traces
  std::optional<std::string> report_dir;  // HTML reports by violation signature
  std::vector<std::string> params;        // --param NAME=V1,V2,...
  bool json = false;
  bool matrix = false;
};
int cmd_sweep(const SweepArgs& args);

struct RunArgs {
  std::string scenario;
  std::string variant;
  std::string seed;  // parsed strictly (CLI11 would wrap "-1" around)
  std::optional<std::string> strategy;  // default: the scenario's
  std::optional<std::string> trace;
  std::vector<std::string> params;  // --param NAME=V
  bool focus = false;  // only the steps that matter to the verdict (default if it failed)
  bool full = false;   // every step
};
int cmd_run(const RunArgs& args);

struct ReplayArgs {
  std::string trace;
  // After the first divergence from the recorded labels, finish the
  // execution under this strategy ("random", "pct:2") instead of stopping.
  std::optional<std::string> continue_with;
};
int cmd_replay(const ReplayArgs& args);

// kvmsim merge REPORT...: shard reports combined into the single run's.
struct MergeArgs {
  std::vector<std::string> reports;
  std::optional<std::string> report;  // also write the merged JSON report here
  std::optional<std::string> junit;
  bool json = false;
  bool matrix = false;
};
int cmd_merge(const MergeArgs& args);

// kvmsim explore: every schedule with at most K preemptions.
struct ExploreArgs {
  std::string scenario;
  std::string variant;
  unsigned preemptions = 2;
  std::optional<uint64_t> max_schedules;
  std::string reduction = "sleep-sets";  // or "none"
  std::optional<std::string> trace;      // write the first failing schedule's trace here
  std::vector<std::string> params;
  bool json = false;
  std::optional<std::string> checkpoint;  // written at each completed level and on SIGINT
  std::optional<std::string> resume;      // a checkpoint of the same search to go on from
};
int cmd_explore(const ExploreArgs& args);

// kvmsim minimize TRACE -o MIN.json
struct MinimizeArgs {
  std::string trace;
  std::string output;
};
int cmd_minimize(const MinimizeArgs& args);

// kvmsim bisect SCENARIO: where each violation kind appears and disappears
// in kernel history.
struct BisectArgs {
  std::string scenario;
  std::optional<std::string> seeds;
  std::optional<std::string> strategy;
  std::vector<std::string> params;
  bool json = false;
};
int cmd_bisect(const BisectArgs& args);

// 0 equivalent on every seed, 1 a difference found.
struct EquivArgs {
  std::string scenario;
  std::string variants;  // "A,B", checked by the command
  std::optional<std::string> seeds;
  bool json = false;
};
int cmd_equiv(const EquivArgs& args);

// kvmsim variants: the kernel states in history order; with --features the
// value of every feature per state, with --diff the features two differ in.
struct VariantsArgs {
  bool json = false;
  bool notes = false;
  bool features = false;
  std::vector<std::string> diff;  // two states
};
int cmd_variants(const VariantsArgs& args);

// kvmsim check FILE...: what the loader checks, and whether each scenario
// can do what it says (model::check_scenario); 0 all fine (warnings
// allowed), 2 a problem.
struct CheckArgs {
  std::vector<std::string> scenarios;  // files, or directories of *.json
};
int cmd_check(const CheckArgs& args);

struct RenderArgs {
  std::string trace;
  std::string format = "timeline";
  std::optional<std::string> output;  // stdout when absent
  bool focus = false;  // only the steps that matter to the verdict (default if it failed)
  bool full = false;   // every step
};
int cmd_render(const RenderArgs& args);

}  // namespace kvmsim

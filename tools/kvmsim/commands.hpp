// The kvmsim subcommands. Each returns the process exit status:
// 0 as expected / no violation, 1 unexpected verdict / violation / replay
// mismatch, 2 bad input.
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
  std::optional<std::string> trace;
  std::vector<std::string> params;  // --param NAME=V
};
int cmd_run(const RunArgs& args);

int cmd_replay(const std::string& trace_path);

// 0 equivalent on every seed, 1 a difference found.
struct EquivArgs {
  std::string scenario;
  std::string variants;  // "A,B", checked by the command
  std::optional<std::string> seeds;
  bool json = false;
};
int cmd_equiv(const EquivArgs& args);

int cmd_variants(bool json, bool notes);

struct RenderArgs {
  std::string trace;
  std::string format = "timeline";
  std::optional<std::string> output;  // stdout when absent
  bool focus = false;  // only the steps that matter to the verdict (default if it failed)
  bool full = false;   // every step
};
int cmd_render(const RenderArgs& args);

}  // namespace kvmsim

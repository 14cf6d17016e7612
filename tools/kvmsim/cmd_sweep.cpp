// SPDX-License-Identifier: GPL-2.0-only
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "args.hpp"
#include "commands.hpp"
#include "interrupt.hpp"
#include "output_paths.hpp"
#include "progress.hpp"
#include "report_dir.hpp"
#include "sweep_report.hpp"
#include "model/harness/scenario.hpp"
#include "model/harness/scenario_check.hpp"
#include "model/harness/simulation.hpp"
#include "model/harness/sweep.hpp"
#include "model/variants/variants.hpp"
#include "variant_options.hpp"
#include "sim/json_input.hpp"

namespace kvmsim {

namespace {

namespace fs = std::filesystem;

// Seeds per job between two chances to checkpoint: about 0.1 s of the
// fastest scenarios, so that starting the jobs again costs nothing worth
// measuring.
constexpr uint64_t kPieceSeeds = 16384;

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
                                           *r.first_failing_seed, kTool, r.strategy),
                   path);
  return path;
}

// A scenario at one parameter combination, with nothing swept yet: its seed
// range, the variants to run, and each one's strategy (a calibrated PCT K
// fixed here, once, for every job).
ScenarioSweep plan(const std::string& path, const model::ParamValues& params,
                   const SweepArgs& args) {
  ScenarioSweep s;
  s.scenario = model::load_scenario(path, params);
  // A scenario that cannot mean what its verdicts say is no regression test:
  // refuse it as `kvmsim check` does, and say its warnings.
  for (const model::ScenarioProblem& p : model::check_scenario(s.scenario)) {
    if (p.error) throw sim::InputError(path + ": " + p.pointer + ": " + p.message);
    fmt::print(stderr, "kvmsim: warning: {}: {}: {}\n", path, p.pointer, p.message);
  }
  s.sha256 = sim::scenario_sha256(s.scenario.json);
  s.strategy = args.strategy.value_or(s.scenario.exploration.strategy);
  std::tie(s.seed_begin, s.seed_end) = seed_range(args.seeds, s.scenario);
  model::SweepOptions options;
  options.strategy = s.strategy;
  for (const auto& e : s.scenario.expect)
    if (!args.variant || e.variant == *args.variant)
      s.variants.push_back(model::sweep_seeds(s.scenario, e, {}, options));
  if (s.variants.empty() && args.variant) {
    // A kernel state asked for by name that the scenario expects nothing
    // of: what it shows there is worth seeing (a state before the fix, one
    // the scenario was not written for), reported and judged by nothing.
    if (const std::string why = model::cannot_run_at(s.scenario, model::find_variant(*args.variant));
        !why.empty())
      throw sim::InputError(path + ": " + why);
    options.has_expectation = false;
    s.variants.push_back(
        model::sweep_seeds(s.scenario, model::expectation_for(s.scenario, *args.variant), {}, options));
  }
  return s;
}

// The seeds of `s`'s shard that `r` has not covered yet.
model::SeedIntervals to_run(const ScenarioSweep& s, const model::SweepResult& r,
                            const std::optional<std::string>& shard) {
  model::SeedIntervals todo;
  for (const auto& [a, b] : planned_seeds(s, shard))
    for (const auto& gap : model::missing_seeds(r.seeds, a, b)) todo.push_back(gap);
  return todo;
}

// The first `n` seeds of `rest`, taken off it: a sweep with --report runs
// its seeds in such pieces and writes its partial report between two. Taken
// one at a time, as 2^63 seeds are too many pieces to list.
model::SeedIntervals take_piece(model::SeedIntervals& rest, uint64_t n) {
  model::SeedIntervals piece;
  while (n > 0 && !rest.empty()) {
    auto& [a, b] = rest.front();
    const uint64_t last = b - a < n ? b : a + n - 1;
    piece.emplace_back(a, last);
    n -= last - a + 1;
    if (last == b) rest.erase(rest.begin());
    else a = last + 1;
  }
  return piece;
}

// Writes the report of what ran so far. A sweep killed (SIGKILL, a power
// cut) loses at most what ran since, and --resume continues from it.
void checkpoint(SweepReport& report, const std::string& path) {
  const HoldInterrupts writing;
  report.partial = true;
  write_report(report, path);
}

// Continues the partial report at `path`: the same sweep, with what it ran.
void resume_from(SweepReport& report, const std::string& path) {
  SweepReport before = read_report(path);
  check_same_sweep(report, before, path);
  if (before.shard != report.shard)
    sim::JsonIn(nlohmann::json(), path, "/shard")
        .error(fmt::format("shard {}, not --shard {}", before.shard.value_or("(none)"),
                           report.shard.value_or("(none)")));
  for (size_t i = 0; i < report.scenarios.size(); ++i) {
    report.scenarios[i].variants = std::move(before.scenarios[i].variants);
    report.scenarios[i].traces = std::move(before.scenarios[i].traces);
    report.scenarios[i].wall_seconds = std::move(before.scenarios[i].wall_seconds);
  }
}

}  // namespace

int cmd_sweep(const SweepArgs& args) {
  const OutputFormat format = args.json     ? OutputFormat::json
                              : args.matrix ? OutputFormat::matrix
                                            : OutputFormat::text;
  if (args.shard) parse_shard(*args.shard);  // a bad one fails before any work
  if (args.variant) model::find_variant(*args.variant);  // an unknown one too, naming the known
  SweepReport report;
  report.tool = kTool;
  report.param_specs = args.params;
  report.shard = args.shard;
  const std::vector<model::ParamValues> grid = param_grid(args.params);
  const std::vector<std::string> files = model::scenario_files(args.scenarios);
  std::vector<std::string> inputs = files;
  if (args.resume) inputs.push_back(*args.resume);
  // --resume R --report R updates R: it is read whole before the sweep
  // starts, and each write of it (checkpoints too) replaces it atomically,
  // so R is always the old report or a newer one.
  Outputs()
      .file("--report", args.report, args.resume)
      .file("--junit", args.junit)
      .directory("--report-dir", args.report_dir)
      .directory("--traces", args.traces)
      .check(inputs);
  for (const auto& f : files)
    for (const auto& params : grid) report.scenarios.push_back(plan(f, params, args));
  if (args.resume) resume_from(report, *args.resume);

  uint64_t total = 0;
  for (const ScenarioSweep& s : report.scenarios)
    for (const auto& r : s.variants) total += model::count_seeds(to_run(s, r, report.shard));
  catch_interrupt();
  Progress progress(total);
  model::SweepOptions options;
  options.jobs = args.jobs;
  options.keep_failing_seeds = args.report_dir.has_value();
  options.check_determinism = args.check_determinism;
  options.stop = &interrupted();
  options.progress = [&progress](uint64_t executions, uint64_t violations) {
    progress.add(executions, violations);
  };
  std::optional<ReportDir> report_dir;
  if (args.report_dir) report_dir.emplace(*args.report_dir, args.resume.has_value());
  SweepPrinter printer(format, args.params, args.shard);
  // Without --report a sweep runs each variant's seeds in one piece.
  const uint64_t piece_seeds = args.report ? kPieceSeeds * args.jobs : UINT64_MAX;
  const auto checkpoint_interval = std::chrono::duration<double>(args.checkpoint_interval);
  auto last_checkpoint = std::chrono::steady_clock::now();
  if (const std::string o = overrides_heading(); !o.empty() && format == OutputFormat::text)
    fmt::print("{}\n", o);
  for (ScenarioSweep& s : report.scenarios) {
    for (model::SweepResult& r : s.variants) {
      const model::Expectation e = model::expectation_for(s.scenario, r.variant);
      options.strategy = r.strategy;
      options.has_expectation = r.has_expectation;
      // At least one piece, empty if nothing is left: each variant is swept
      // (and judged) as before.
      model::SeedIntervals rest = to_run(s, r, report.shard);
      do {
        const model::SeedIntervals piece = take_piece(rest, piece_seeds);
        // Wall time, for JUnit only: the one output that may hold it. And
        // when to checkpoint, never what.
        const auto start = std::chrono::steady_clock::now();
        model::merge(r, model::sweep_seeds(s.scenario, e, piece, options), e);
        s.wall_seconds[r.variant] +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (args.report && !interrupted() &&
            std::chrono::steady_clock::now() - last_checkpoint >= checkpoint_interval) {
          checkpoint(report, *args.report);
          last_checkpoint = std::chrono::steady_clock::now();
        }
      } while (!rest.empty() && !interrupted());
      const HoldInterrupts writing;
      if (report_dir) report_dir->add(s.scenario, r);
      if (args.traces && r.first_failing_seed)
        s.traces[r.variant] = write_first_failure(s.scenario, r, *args.traces);
    }
    printer.add(s);
  }
  // What ran is written whole, whatever signal comes now.
  const HoldInterrupts writing;
  progress.finish();
  // Stopped by a signal before it covered its seeds (a Ctrl-C after the last
  // execution leaves nothing to resume).
  report.partial = false;
  for (const ScenarioSweep& s : report.scenarios)
    for (const auto& r : s.variants)
      report.partial = report.partial || !to_run(s, r, report.shard).empty();
  if (report_dir) {
    const std::string index = report_dir->write_index();
    if (format == OutputFormat::text) fmt::print("reports: {}\n", index);
  }
  if (args.report) write_report(report, *args.report);
  return printer.finish(report, report.partial, args.junit);
}

}  // namespace kvmsim

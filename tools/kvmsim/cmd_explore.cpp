// SPDX-License-Identifier: GPL-2.0-only
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "args.hpp"
#include "commands.hpp"
#include "explore_checkpoint.hpp"
#include "interrupt.hpp"
#include "output_format.hpp"
#include "output_paths.hpp"
#include "variant_options.hpp"
#include "model/harness/explore.hpp"
#include "model/harness/scenario.hpp"
#include "sim/json_input.hpp"

namespace kvmsim {

namespace {

struct Run {
  std::string thread;
  uint64_t count;
};

// The schedule as runs of one thread: "updater x12, vcpu0 x3, ...".
std::vector<Run> thread_runs(const std::vector<sim::ThreadId>& schedule,
                             const model::Scenario& scenario) {
  std::vector<Run> runs;
  for (size_t i = 0; i < schedule.size(); ++i) {
    if (i > 0 && schedule[i] == schedule[i - 1]) {
      ++runs.back().count;
    } else {
      runs.push_back(Run{scenario.threads.at(schedule[i]).name, 1});
    }
  }
  return runs;
}

std::string runs_text(const std::vector<Run>& runs) {
  std::string s;
  for (const Run& r : runs) s += fmt::format("{}{} x{}", s.empty() ? "" : ", ", r.thread, r.count);
  return s;
}

std::string plural(uint64_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

nlohmann::ordered_json to_json(const ExploreArgs& args, const model::Scenario& scenario,
                               const model::ExploreResult& r) {
  const sim::SearchResult& s = r.search;
  nlohmann::json j{{"scenario", scenario.name},
                   {"path", scenario.path},
                   {"variant", args.variant},
                   {"preemption_bound", args.preemptions},
                   {"reduction", args.reduction},
                   {"schedules", s.schedules},
                   {"pruned", s.pruned},
                   {"reexecuted", s.reexecuted},
                   {"executions", s.executions()},
                   {"complete", s.complete},
                   {"max_depth", s.max_depth},
                   {"params", scenario.params}};
  nlohmann::json levels = nlohmann::json::array();
  for (const sim::LevelCount& l : s.levels)
    levels.push_back({{"schedules", l.schedules}, {"pruned", l.pruned}});
  j["levels"] = levels;
  j["max_schedules"] = args.max_schedules ? nlohmann::json(*args.max_schedules) : nlohmann::json();
  j["verdict"] = sim::violation_to_json(s.failing ? s.failing->violation : std::nullopt);
  if (s.failing) {
    j["preemptions"] = s.failing->preemptions;
    j["steps"] = s.failing->steps;
    j["schedule"] = s.failing_schedule;
    nlohmann::json runs = nlohmann::json::array();
    for (const Run& run : thread_runs(s.failing_schedule, scenario))
      runs.push_back({{"thread", run.thread}, {"count", run.count}});
    j["runs"] = runs;
    if (args.trace) j["trace"] = *args.trace;
  }
  // scenarios/output-schemas/kvmsim-explore.schema.json
  return output_document("kvmsim-explore", 1, j);
}

// What each iteration added: "K=0: 12 schedules, K=1: 71 (+40 pruned), ...";
// the last one "so far" when the search stopped in it.
std::string levels_text(const sim::SearchResult& s) {
  std::string text;
  for (size_t c = 0; c < s.levels.size(); ++c) {
    const sim::LevelCount& l = s.levels[c];
    text += fmt::format("{}K={}: {}", c ? ", " : "", c,
                        c ? std::to_string(l.schedules) : plural(l.schedules, "schedule"));
    if (l.pruned) text += fmt::format(" (+{} pruned)", l.pruned);
    if (c + 1 == s.levels.size() && !s.complete) text += " so far";
  }
  if (s.complete && s.levels.size() > 1 && s.levels.back().schedules + s.levels.back().pruned == 0)
    text += fmt::format(": no schedule takes more than {}",
                        plural(s.levels.size() - 2, "preemption"));
  return text;
}

// How a stopped search can go on: the line after INTERRUPTED.
std::string resume_hint(const ExploreArgs& args) {
  return args.checkpoint
             ? fmt::format("checkpoint written to {}: go on with --resume {} (the level under "
                           "way runs again)",
                           *args.checkpoint, *args.checkpoint)
             : std::string("no --checkpoint: nothing kept to resume from");
}

void print_human(const ExploreArgs& args, const model::Scenario& scenario,
                 const model::ExploreResult& r, double seconds, const std::string& resumed) {
  const sim::SearchResult& s = r.search;
  const bool reduced = args.reduction != "none";
  const std::string pruned =
      reduced ? fmt::format("{} pruned as equivalent by sleep sets", s.pruned) : "no reduction";
  const std::string bound = fmt::format("at most {}", plural(args.preemptions, "preemption"));
  if (const std::string o = overrides_heading(); !o.empty()) fmt::print("{}\n", o);
  fmt::print("scenario {}  variant {}{}{}  explore: {}, reduction {}\n", scenario.name,
             args.variant, scenario.params.empty() ? "" : "  ", params_text(scenario.params), bound,
             args.reduction);
  if (!resumed.empty()) fmt::print("{}\n", resumed);
  if (s.failing) {
    const sim::Violation& v = *s.failing->violation;
    fmt::print("verdict: VIOLATION {} at step {} in {}: {}\n", v.kind, v.step,
               v.thread < scenario.threads.size() ? scenario.threads[v.thread].name : "-",
               v.message);
    fmt::print("found after {} ({}) in {:.1f} s\n", plural(s.schedules, "schedule"), pruned,
               seconds);
    fmt::print("covered: {}\n", levels_text(s));
    fmt::print("re-executed: {} from lower levels\n", plural(s.reexecuted, "execution"));
    fmt::print("preemptions: {}  steps: {}\n", s.failing->preemptions, s.failing->steps);
    fmt::print("schedule: {}\n", runs_text(thread_runs(s.failing_schedule, scenario)));
    if (args.trace) fmt::print("\ntrace written to {}\nreplay it: kvmsim replay {}\n", *args.trace,
                               *args.trace);
    return;
  }
  if (s.complete) {
    fmt::print("no violation in all {} with {} ({})\n", plural(s.schedules, "schedule"), bound,
               pruned);
  } else {
    fmt::print("no violation in the {} explored ({})\n", plural(s.schedules, "schedule"), pruned);
  }
  fmt::print("covered: {}\n", levels_text(s));
  fmt::print("re-executed: {} from lower levels\n", plural(s.reexecuted, "execution"));
  fmt::print("in {:.1f} s (deepest schedule: {} decisions)\n", seconds, s.max_depth);
  if (s.interrupted)
    fmt::print("INTERRUPTED: stopped after {}; schedules with {} remain unexplored\n{}\n",
               plural(s.schedules, "schedule"), bound, resume_hint(args));
  else if (!s.complete)
    fmt::print("INCOMPLETE: stopped after {} (--max-schedules); schedules with {} remain "
               "unexplored\n",
               plural(s.schedules, "schedule"), bound);
}

}  // namespace

// Exit status: 0 every schedule within the bound ran clean, 1 a violation,
// 4 stopped by --max-schedules before any violation, 130 by Ctrl-C.
int cmd_explore(const ExploreArgs& args) {
  if (args.max_schedules && *args.max_schedules == 0)
    throw sim::InputError("--max-schedules: must be at least 1");
  Outputs().file("--trace", args.trace).check({args.scenario});
  const std::vector<model::ParamValues> params = param_grid(args.params);
  if (params.size() != 1) throw sim::InputError("--param: explore takes one value per parameter");
  const model::Scenario scenario = model::load_scenario(args.scenario, params.front());
  const model::Variant& variant = model::find_variant(args.variant);
  sim::SearchOptions options;
  options.preemption_bound = args.preemptions;
  options.max_schedules = args.max_schedules;
  options.reduction = args.reduction != "none";
  const ExploreSetting setting{&scenario, &variant, options.preemption_bound, args.reduction};

  // The result as of the last completed level: what a checkpoint keeps.
  sim::SearchResult completed;
  std::string resumed;
  if (args.resume) {
    const ExploreCheckpoint c = read_checkpoint(setting, *args.resume);
    completed = c.done;
    options.resume = &completed;
    resumed = fmt::format("resumed from {} at level {} ({} of the levels before it)",
                          *args.resume, completed.levels.size(),
                          plural(completed.schedules, "schedule"));
    if (c.stopped_in)
      resumed += fmt::format(": {} of level {} run again", plural(c.stopped_in->schedules, "schedule"),
                             completed.levels.size());
  }
  options.level_done = [&](const sim::SearchResult& r) {
    completed = r;
    if (args.checkpoint) write_checkpoint(setting, {r, std::nullopt}, *args.checkpoint);
  };
  catch_interrupt();
  options.stop = &interrupted();

  const auto start = std::chrono::steady_clock::now();
  const model::ExploreResult r = model::explore(scenario, variant, options, kTool);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (r.search.interrupted && args.checkpoint)
    write_checkpoint(setting, {completed, r.search.levels.back()}, *args.checkpoint);
  if (r.trace && args.trace) sim::write_trace(*r.trace, *args.trace);
  if (args.json) {
    if (!resumed.empty()) fmt::print(stderr, "{}\n", resumed);
    fmt::print("{}\n", to_json(args, scenario, r).dump(2));
    if (r.search.interrupted)
      fmt::print(stderr, "INTERRUPTED: stopped after {}\n{}\n",
                 plural(r.search.schedules, "schedule"), resume_hint(args));
  } else {
    print_human(args, scenario, r, seconds, resumed);
  }
  if (r.search.failing) return 1;
  if (r.search.interrupted) return interrupted_exit();
  return r.search.complete ? 0 : 4;
}

}  // namespace kvmsim

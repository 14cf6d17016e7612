// SPDX-License-Identifier: GPL-2.0-only
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "commands.hpp"
#include "model/harness/exploration.hpp"
#include "model/harness/scenario.hpp"
#include "model/harness/simulation.hpp"
#include "report.hpp"
#include "sim/json_input.hpp"
#include "sim/strategy/replay_strategy.hpp"
#include "sim/trace/trace_diff.hpp"

namespace kvmsim {

namespace {

std::string thread_name(sim::ThreadId t, const std::vector<sim::ThreadInfo>& threads) {
  if (t < threads.size()) return threads[t].name;
  return fmt::format("thread {}", t);
}

std::string operation(const sim::StepLabel& l) {
  return l.object.empty() ? l.function : fmt::format("{} on {}", l.function, l.object);
}

// Both sides of the first decision that no longer fits, and how far the
// recording was followed.
void print_divergence(const sim::Divergence& d, const sim::Trace& recorded,
                      const sim::Trace& now) {
  using Found = sim::Divergence::Found;
  // "replay MISMATCH" starts every replay failure. The operation chosen at
  // decision i is traced at step i + 1.
  fmt::print("\nreplay MISMATCH: DIVERGED at decision {} (step {} of the recorded timeline):\n",
             d.decision, d.decision + 1);
  if (d.found == Found::schedule_ran_out) {
    fmt::print("  recorded:  the schedule ends after {} decisions\n", recorded.schedule.size());
    fmt::print("  model now: asks for decision {}\n", d.decision);
  } else {
    const std::string name = thread_name(d.thread, recorded.threads);
    fmt::print("  recorded:  {} next: {}\n", name,
               d.recorded ? operation(*d.recorded) : "(a format-1 trace records no operation)");
    if (d.found == Found::other_operation)
      fmt::print("  model now: {} next: {}\n", thread_name(d.thread, now.threads),
                 operation(d.now));
    else
      fmt::print("  model now: {} is not runnable\n", thread_name(d.thread, now.threads));
  }
  const char* what = recorded.labels.empty() ? "their recorded threads" : "their labels";
  if (d.decision == 0)
    fmt::print("  no decision before it\n");
  else
    fmt::print("  the {} decisions before it followed {}\n", d.decision, what);
}

// What else the trace says defines its run, beyond the schedule and events
// the replay checked: the step bound (the embedded scenario's), and for a
// strategy a seed drives, that the seed chooses the recorded schedule again.
// The mismatch, or "" (then `unchecked` says what could not be checked).
std::string check_recorded_run(const sim::Trace& recorded, const model::Scenario& scenario,
                               const model::Variant& variant, std::string& unchecked) {
  if (recorded.step_bound != scenario.exploration.step_bound)
    return fmt::format("step_bound is {}, but the embedded scenario's is {}", recorded.step_bound,
                       scenario.exploration.step_bound);
  sim::Trace again;
  try {
    again = model::record_execution(scenario, variant, recorded.seed, kTool, recorded.strategy);
  } catch (const std::invalid_argument&) {
    // explore:K, minimized: the search chose the schedule, not a seed.
    unchecked = fmt::format("seed {} not checked: the schedule comes from {}", recorded.seed,
                            recorded.strategy);
    return "";
  }
  // The schedule is what the seed chooses; the replay checked the rest.
  if (again.schedule != recorded.schedule)
    return fmt::format("seed {} under {} runs another execution (trace hash {}), not the recorded "
                       "one: the trace's seed or strategy was edited",
                       recorded.seed, recorded.strategy, again.hash());
  return "";
}

}  // namespace

int cmd_replay(const ReplayArgs& args) {
  const std::string& trace_path = args.trace;
  const sim::Trace recorded = sim::read_trace(trace_path);
  const auto [scenario, variant] = model::trace_setting(recorded, trace_path);
  std::unique_ptr<sim::Strategy> continuation;
  if (args.continue_with) {
    try {
      continuation = model::make_scenario_strategy(scenario, *variant, *args.continue_with);
    } catch (const std::invalid_argument& e) {
      throw sim::InputError(fmt::format("--continue {}: {}", *args.continue_with, e.what()));
    }
  }
  sim::ReplayStrategy replay(recorded.schedule, recorded.labels, continuation.get());
  model::Simulation simulation(scenario, *variant, replay, true);
  simulation.run(recorded.seed);
  sim::Trace now = simulation.trace(recorded.seed, kTool);
  now.strategy = recorded.strategy;

  if (const auto& divergence = replay.divergence()) {
    if (!continuation) {
      print_execution(now, false);
      print_divergence(*divergence, recorded, now);
      return 1;
    }
    print_divergence(*divergence, recorded, now);
    now.strategy = fmt::format("{}, replayed to decision {}, then {}", recorded.strategy,
                               divergence->decision, continuation->name());
    fmt::print("\ncontinued under {} from decision {}:\n", continuation->name(),
               divergence->decision);
    print_execution(now, false);
    return now.violation ? 1 : 0;
  }

  print_execution(now, false);
  if (const auto difference = sim::first_difference(recorded, now)) {
    fmt::print("\nreplay MISMATCH: {}", sim::describe(*difference, "recorded", "replayed"));
    return 1;
  }
  std::string unchecked;
  if (const std::string wrong = check_recorded_run(recorded, scenario, *variant, unchecked);
      !wrong.empty()) {
    fmt::print("\nreplay MISMATCH: {}\n", wrong);
    return 1;
  }
  fmt::print("\nreplay matches the recording: {} events, trace hash {}\n", now.events.size(),
             now.hash());
  if (!unchecked.empty()) fmt::print("({})\n", unchecked);
  return now.violation ? 1 : 0;
}

}  // namespace kvmsim

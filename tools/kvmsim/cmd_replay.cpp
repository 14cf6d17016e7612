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
      print_execution(now);
      print_divergence(*divergence, recorded, now);
      return 1;
    }
    print_divergence(*divergence, recorded, now);
    now.strategy = fmt::format("{}, replayed to decision {}, then {}", recorded.strategy,
                               divergence->decision, continuation->name());
    fmt::print("\ncontinued under {} from decision {}:\n", continuation->name(),
               divergence->decision);
    print_execution(now);
    return now.violation ? 1 : 0;
  }

  print_execution(now);
  if (const auto difference = sim::first_difference(recorded, now)) {
    fmt::print("\nreplay MISMATCH: {}", sim::describe(*difference, "recorded", "replayed"));
    return 1;
  }
  fmt::print("\nreplay matches the recording: {} events, trace hash {}\n", now.events.size(),
             now.hash());
  return now.violation ? 1 : 0;
}

}  // namespace kvmsim

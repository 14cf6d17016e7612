#include <fmt/format.h>

#include "commands.hpp"
#include "model/scenario.hpp"
#include "model/simulation.hpp"
#include "report.hpp"
#include "sim/json_input.hpp"
#include "sim/strategy/replay_strategy.hpp"

namespace kvmsim {

namespace {

std::string describe(const sim::Event& e, const sim::Trace& t) {
  return fmt::format("{} {} {} {} in {}", t.threads.at(e.thread).name, e.op, e.object, e.value,
                     e.function);
}

}  // namespace

int cmd_replay(const ReplayArgs& args) {
  const std::string& trace_path = args.trace;
  const sim::Trace recorded = sim::read_trace(trace_path);
  const model::Scenario scenario =
      model::parse_scenario(recorded.scenario, trace_path + "#/scenario/content");
  const model::Variant* variant = nullptr;
  try {
    variant = &model::find_variant(recorded.variant);
  } catch (const sim::InputError& e) {
    throw sim::InputError(trace_path + ": /variant: " + e.what());
  }
  sim::ReplayStrategy replay(recorded.schedule);
  model::Simulation simulation(scenario, *variant, replay, true);
  simulation.run(recorded.seed);
  sim::Trace now = simulation.trace(recorded.seed, kTool);
  now.strategy = recorded.strategy;
  print_execution(now);

  const auto& a = recorded.events;
  const auto& b = now.events;
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  if (i < a.size() || i < b.size()) {
    const uint64_t step = i < a.size() ? a[i].step : b[i].step;
    fmt::print("\nreplay MISMATCH at event {} (step {}):\n  recorded: {}\n  replayed: {}\n", i,
               step, i < a.size() ? describe(a[i], recorded) : "(nothing)",
               i < b.size() ? describe(b[i], now) : "(nothing)");
    return 1;
  }
  if (replay.diverged_at() || now.violation != recorded.violation) {
    fmt::print("\nreplay MISMATCH: the schedule no longer fits the model at decision {}\n",
               replay.diverged_at().value_or(now.schedule.size()));
    return 1;
  }
  fmt::print("\nreplay matches the recording: {} events, trace hash {}\n", b.size(), now.hash());
  return now.violation ? 1 : 0;
}

}  // namespace kvmsim

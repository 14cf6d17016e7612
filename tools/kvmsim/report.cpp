// SPDX-License-Identifier: GPL-2.0-only
#include "report.hpp"

#include <fmt/format.h>

#include "model/variants/registry.hpp"
#include "sim/trace/focus.hpp"
#include "sim/trace/timeline.hpp"

namespace kvmsim {

bool focused(const sim::Trace& t, bool focus, bool full) {
  return focus || (!full && t.violation);
}

void print_execution(const sim::Trace& t, bool focus) {
  fmt::print("scenario {}  variant {}  strategy {}  seed {}\n",
             t.scenario.value("name", std::string("?")), t.variant, t.strategy, t.seed);
  if (!t.variant_definition.is_null())
    fmt::print("variant {} is {}\n", t.variant, model::variant_definition_text(t.variant_definition));
  if (t.violation)
    fmt::print("verdict: VIOLATION {} at step {} in {}: {}\n", t.violation->kind,
               t.violation->step, t.threads.at(t.violation->thread).name, t.violation->message);
  else
    fmt::print("verdict: clean\n");
  fmt::print("steps: {}  trace hash: {}\n", t.schedule.size(), t.hash());
  const std::vector<sim::Event> events = focus ? sim::focus_events(t) : t.events;
  if (events != t.events)
    fmt::print("focused on the steps that matter to the verdict (\"...\": steps left out); "
               "--full shows every step\n");
  fmt::print("\n{}", sim::render_timeline(t.threads, events));
}

}  // namespace kvmsim

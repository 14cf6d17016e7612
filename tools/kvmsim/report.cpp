// SPDX-License-Identifier: GPL-2.0-only
#include "report.hpp"

#include <fmt/format.h>

#include "model/variants/registry.hpp"
#include "sim/trace/timeline.hpp"

namespace kvmsim {

void print_execution(const sim::Trace& t) {
  fmt::print("scenario {}  variant {}  strategy {}  seed {}\n",
             t.scenario.value("name", std::string("?")), t.variant, t.strategy, t.seed);
  if (!t.variant_definition.is_null())
    fmt::print("variant {} is {}\n", t.variant, model::variant_definition_text(t.variant_definition));
  if (t.violation)
    fmt::print("verdict: VIOLATION {} at step {} in {}: {}\n", t.violation->kind,
               t.violation->step, t.threads.at(t.violation->thread).name, t.violation->message);
  else
    fmt::print("verdict: clean\n");
  fmt::print("steps: {}  trace hash: {}\n\n", t.schedule.size(), t.hash());
  fmt::print("{}", sim::render_timeline(t.threads, t.events));
}

}  // namespace kvmsim

// SPDX-License-Identifier: GPL-2.0-only
// Hand-built traces for the renderer tests: a header like a recorded trace's,
// and events added one line each.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "sim/trace/trace.hpp"

namespace testutil {

struct SyntheticTrace {
  sim::Trace t;

  explicit SyntheticTrace(std::vector<sim::ThreadInfo> threads) {
    t.tool = "test";
    t.scenario = {{"name", "synthetic"}};
    t.scenario_path = "synthetic.json";
    t.variant = "vtest";
    t.strategy = "random";
    t.threads = std::move(threads);
  }

  void ev(uint64_t step, sim::ThreadId th, const char* op, const char* object, const char* value,
          const char* function) {
    t.events.push_back(sim::Event{step, th, op, object, value, function});
  }
};

}  // namespace testutil

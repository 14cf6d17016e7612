// SPDX-License-Identifier: GPL-2.0-only
// The versioned trace format: everything needed to replay one execution and
// to check the replay event by event.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/check.hpp"
#include "sim/trace/event.hpp"

namespace sim {

// Version 2 added the labels; version 1 traces still read (and replay by
// decision index only).
inline constexpr int kTraceFormatVersion = 2;

struct Trace {
  std::string tool;                // "kvmsim <version>"
  nlohmann::json scenario;         // embedded, as loaded
  std::string scenario_path;       // where it was loaded from (informative)
  std::string variant;
  // What the model needs besides the variant's name to run it again (for
  // kvmsim: how a user's state or --feature overrides differ from the
  // built-in state); null when the name says it all. Opaque to sim.
  nlohmann::json variant_definition;
  std::string strategy;
  uint64_t seed = 0;
  uint64_t step_bound = 0;
  std::vector<ThreadInfo> threads;
  std::vector<ThreadId> schedule;  // the thread chosen at each decision
  std::vector<StepLabel> labels;   // its next operation, per decision (empty: version 1)
  std::vector<Event> events;
  std::optional<Violation> violation;

  // SHA-256 of what the execution did: threads, schedule (with the labels
  // when recorded), events, verdict.
  // Equal hashes mean the same execution, byte for byte.
  std::string hash() const;
};

nlohmann::json to_json(const Trace& t);
std::string scenario_sha256(const nlohmann::json& scenario);

// Reads a trace file; InputError naming the file and JSON path on bad input.
// It is trace_from_json, then check_trace_hashes.
Trace read_trace(const std::string& path);
// A trace document's fields, each checked for form (the hashes are left to
// check_trace_hashes); `path` names it in errors.
Trace trace_from_json(const nlohmann::json& doc, const std::string& path);
// InputError unless the scenario's sha256 and the trace's hash that `doc`
// records are those of `t`: the trace was not edited. (Anyone can edit a
// trace and record the new hashes, so nothing after this check may rely on
// it for more than a clear error.)
void check_trace_hashes(const Trace& t, const nlohmann::json& doc, const std::string& path);
void write_trace(const Trace& t, const std::string& path);  // atomically (temp + rename)

nlohmann::json event_to_json(const Event& e);
nlohmann::json threads_to_json(const std::vector<ThreadInfo>& threads);
nlohmann::json labels_to_json(const std::vector<StepLabel>& labels);
nlohmann::json violation_to_json(const std::optional<Violation>& v);

}  // namespace sim

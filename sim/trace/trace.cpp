// SPDX-License-Identifier: GPL-2.0-only
#include "sim/trace/trace.hpp"

#include "sim/file_output.hpp"
#include "sim/json_input.hpp"
#include "sim/trace/sha256.hpp"
#include "sim/trace/trace_hash.hpp"

namespace sim {

using nlohmann::json;

json event_to_json(const Event& e) {
  return json{{"step", e.step},   {"thread", e.thread}, {"op", e.op},
              {"object", e.object}, {"value", e.value},  {"function", e.function}};
}

json violation_to_json(const std::optional<Violation>& v) {
  if (!v) return json{{"outcome", "clean"}};
  return json{{"outcome", "violation"}, {"kind", v->kind}, {"message", v->message},
              {"step", v->step},        {"thread", v->thread}};
}

json threads_to_json(const std::vector<ThreadInfo>& threads) {
  json j = json::array();
  for (const auto& th : threads) j.push_back({{"name", th.name}, {"cpu", th.cpu}});
  return j;
}

json labels_to_json(const std::vector<StepLabel>& labels) {
  json j = json::array();
  for (const auto& l : labels) j.push_back(json::array({l.function, l.object}));
  return j;
}

static json execution_json(const Trace& t) {
  json events = json::array();
  for (const auto& e : t.events) events.push_back(event_to_json(e));
  json j{{"threads", threads_to_json(t.threads)},
         {"schedule", t.schedule},
         {"events", events},
         {"verdict", violation_to_json(t.violation)}};
  if (!t.labels.empty()) j["labels"] = labels_to_json(t.labels);
  return j;
}

// The same text as execution_json(*this).dump(), written piece by piece.
std::string Trace::hash() const {
  TraceHasher h;
  for (const Event& e : events) h.event(e);
  for (const StepLabel& l : labels) h.label(l.function, l.object);
  return h.finish(threads, schedule, violation);
}

std::string scenario_sha256(const json& scenario) { return sha256_hex(scenario.dump()); }

json to_json(const Trace& t) {
  json j = execution_json(t);
  j["format"] = "kvmsim-trace";
  j["version"] = kTraceFormatVersion;
  j["tool"] = t.tool;
  j["scenario"] = {{"path", t.scenario_path},
                   {"sha256", scenario_sha256(t.scenario)},
                   {"content", t.scenario}};
  j["variant"] = t.variant;
  if (!t.variant_definition.is_null()) j["variant_definition"] = t.variant_definition;
  j["strategy"] = t.strategy;
  j["seed"] = t.seed;
  j["step_bound"] = t.step_bound;
  if (!j.contains("labels")) j["labels"] = json::array();  // not recorded
  j["hash"] = t.hash();
  return j;
}

void write_trace(const Trace& t, const std::string& path) {
  write_file_atomically(path, to_json(t).dump(1) + "\n");
}

// A thread id that names one of the trace's `n` threads.
static ThreadId thread_id(const JsonIn& j, size_t n) {
  const uint64_t id = j.u64();
  if (id >= n)
    j.error("names thread " + std::to_string(id) + " but the trace has " + std::to_string(n) +
            " threads");
  return static_cast<ThreadId>(id);
}

static Event event_from(const JsonIn& j, size_t threads) {
  j.expect_object({"step", "thread", "op", "object", "value", "function"});
  Event e;
  e.step = j.at("step").u64();
  e.thread = thread_id(j.at("thread"), threads);
  e.op = j.at("op").str();
  e.object = j.at("object").str();
  e.value = j.at("value").str();
  e.function = j.at("function").str();
  return e;
}

Trace read_trace(const std::string& path) {
  const json doc = read_json_file(path, kTraceInput);
  Trace t = trace_from_json(doc, path);
  check_trace_hashes(t, doc, path);
  return t;
}

Trace trace_from_json(const json& doc, const std::string& path) {
  const JsonIn root(doc, path);
  const uint64_t version = root.at("version").u64();
  if (version != 1 && version != kTraceFormatVersion)
    root.at("version").error("unsupported trace version (this kvmsim reads versions 1 to " +
                             std::to_string(kTraceFormatVersion) + ")");
  if (version >= 2)
    root.expect_object({"format", "version", "tool", "scenario", "variant", "variant_definition",
                        "strategy", "seed", "step_bound", "threads", "schedule", "labels",
                        "events", "verdict", "hash"});
  else
    root.expect_object({"format", "version", "tool", "scenario", "variant", "strategy", "seed",
                        "step_bound", "threads", "schedule", "events", "verdict", "hash"});
  if (root.at("format").str() != "kvmsim-trace")
    root.at("format").error("not a kvmsim trace (expected \"kvmsim-trace\")");
  Trace t;
  t.tool = root.at("tool").str();
  const JsonIn sc = root.at("scenario");
  sc.expect_object({"path", "sha256", "content"});
  t.scenario_path = sc.at("path").str();
  t.scenario = sc.at("content").raw();
  t.variant = root.at("variant").str();
  if (root.has("variant_definition")) {
    const JsonIn def = root.at("variant_definition");
    if (!def.raw().is_object()) def.error("expected an object");
    t.variant_definition = def.raw();
  }
  t.strategy = root.at("strategy").str();
  t.seed = root.at("seed").u64();
  t.step_bound = root.at("step_bound").u64();
  for (const auto& th : root.at("threads").items()) {
    th.expect_object({"name", "cpu"});
    const uint64_t cpu = th.at("cpu").u64();
    if (cpu >= kMaxCpus) th.at("cpu").error("must be below " + std::to_string(kMaxCpus));
    t.threads.push_back(ThreadInfo{th.at("name").str(), static_cast<int>(cpu)});
  }
  if (t.threads.empty()) root.at("threads").error("a trace has at least one thread");
  for (const auto& s : root.at("schedule").items())
    t.schedule.push_back(thread_id(s, t.threads.size()));
  if (version >= 2) {
    for (const auto& l : root.at("labels").items()) {
      const auto pair = l.items();
      if (pair.size() != 2) l.error("expected [function, object]");
      t.labels.push_back(StepLabel{pair[0].str(), pair[1].str()});
    }
    if (!t.labels.empty() && t.labels.size() != t.schedule.size())
      root.at("labels").error("has " + std::to_string(t.labels.size()) +
                              " entries but the schedule has " +
                              std::to_string(t.schedule.size()) + " decisions");
  }
  for (const auto& e : root.at("events").items())
    t.events.push_back(event_from(e, t.threads.size()));
  const JsonIn verdict = root.at("verdict");
  const std::string outcome = verdict.at("outcome").str();
  if (outcome == "violation") {
    verdict.expect_object({"outcome", "kind", "message", "step", "thread"});
    t.violation = Violation{verdict.at("kind").str(), verdict.at("message").str(),
                            verdict.at("step").u64(),
                            thread_id(verdict.at("thread"), t.threads.size())};
  } else if (outcome != "clean") {
    verdict.at("outcome").error("expected \"clean\" or \"violation\"");
  }
  return t;
}

void check_trace_hashes(const Trace& t, const json& doc, const std::string& path) {
  const JsonIn root(doc, path);
  const JsonIn sha256 = root.at("scenario").at("sha256");
  if (sha256.str() != scenario_sha256(t.scenario))
    sha256.error("does not match the embedded scenario (the trace was edited)");
  if (root.at("hash").str() != t.hash())
    root.at("hash").error("does not match the recorded execution (the trace was edited)");
}

}  // namespace sim

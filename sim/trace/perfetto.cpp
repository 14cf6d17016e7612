// SPDX-License-Identifier: GPL-2.0-only
#include "sim/trace/perfetto.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/trace/happens_before.hpp"

namespace sim {

namespace {

using ojson = nlohmann::ordered_json;

constexpr int kPid = 1;  // the whole execution is one process

// 1-based: viewers treat tid 0 as "no thread".
int64_t tid_of(ThreadId t) { return int64_t{t} + 1; }

struct Slot {
  uint64_t ts = 0;
  uint64_t dur = 0;
  // Flow arrows bind to the slice enclosing their timestamp; the middle of a
  // slot is inside the event's own slice, never on a boundary it shares with
  // its neighbour or its function slice.
  uint64_t mid() const { return ts + dur / 2; }
};

// By step, trace order within a step. Recorded traces already are; the
// stable sort keeps a hand-built trace from producing overlapping slices or
// arrows that run backwards.
std::vector<const Event*> time_order(const std::vector<Event>& events) {
  std::vector<const Event*> ev;
  for (const Event& e : events) ev.push_back(&e);
  std::stable_sort(ev.begin(), ev.end(),
                   [](const Event* a, const Event* b) { return a->step < b->step; });
  return ev;
}

// 1000 per step unless a step holds so many events that its slots would be
// narrower than 2 (too narrow for a mid-point); then a power of ten more.
uint64_t step_width(const std::vector<const Event*>& ev) {
  size_t most = 1, run = 0;
  for (size_t i = 0; i < ev.size(); ++i) {
    run = i > 0 && ev[i]->step == ev[i - 1]->step ? run + 1 : 1;
    most = std::max(most, run);
  }
  uint64_t width = 1000;
  while (width / most < 2) width *= 10;
  return width;
}

// The events of one step share it in equal parts, in trace order, across
// threads: a flow between two events of one step still points forward.
std::vector<Slot> slots(const std::vector<const Event*>& ev, uint64_t width) {
  std::vector<Slot> s(ev.size());
  for (size_t i = 0; i < ev.size();) {
    size_t j = i;
    while (j < ev.size() && ev[j]->step == ev[i]->step) ++j;
    const uint64_t part = width / (j - i);
    for (size_t k = i; k < j; ++k) s[k] = Slot{ev[i]->step * width + (k - i) * part, part};
    i = j;
  }
  return s;
}

// Arrow names double as their v1 flow key (id, cat, name), so start and
// finish must carry the same ones.
const char* flow_name(HbEdge::Kind k) {
  switch (k) {
    case HbEdge::Kind::data: return "store -> load";
    case HbEdge::Kind::lock: return "unlock -> lock";
    case HbEdge::Kind::srcu: return "srcu_read_unlock -> synchronize_srcu return";
    case HbEdge::Kind::completion: return "complete_all -> wait_for_completion";
  }
  return "?";
}

// Short enough to read on a narrow slice; the value is in args.
std::string label(const Event& e) {
  if (e.op == "note" && !e.value.empty()) return e.value;
  return e.object.empty() ? e.op : e.op + " " + e.object;
}

ojson metadata(const char* name, std::optional<int64_t> tid, ojson args) {
  ojson j{{"name", name}, {"ph", "M"}, {"pid", kPid}};
  if (tid) j["tid"] = *tid;
  j["args"] = std::move(args);
  return j;
}

ojson complete(const std::string& name, const std::string& cat, Slot at, int64_t tid,
               ojson args) {
  return ojson{{"name", name}, {"cat", cat}, {"ph", "X"},  {"ts", at.ts},
               {"dur", at.dur},  {"pid", kPid}, {"tid", tid}, {"args", std::move(args)}};
}

std::string process_name(const Trace& t) {
  std::string name = t.scenario_path;
  if (t.scenario.is_object() && t.scenario.contains("name") && t.scenario["name"].is_string())
    name = t.scenario["name"].get<std::string>();
  if (name.empty()) name = "kvmsim trace";
  return t.variant.empty() ? name : name + " " + t.variant;
}

}  // namespace

std::string render_perfetto(const Trace& t) {
  const std::vector<const Event*> ev = time_order(t.events);
  const uint64_t width = step_width(ev);
  const std::vector<Slot> slot = slots(ev, width);
  std::vector<ojson> out;

  // Thread tracks named like the timeline's columns, kept in trace order.
  out.push_back(metadata("process_name", std::nullopt, {{"name", process_name(t)}}));
  for (size_t i = 0; i < t.threads.size(); ++i) {
    const int64_t tid = tid_of(static_cast<ThreadId>(i));
    out.push_back(metadata("thread_name", tid,
                           {{"name", fmt::format("{} (CPU {})", t.threads[i].name,
                                                 t.threads[i].cpu)}}));
    out.push_back(metadata("thread_sort_index", tid, {{"sort_index", tid}}));
  }

  // Per thread, each run of consecutive events in one function becomes a
  // function slice around the event slices, so slices nest strictly: runs
  // of a thread follow one another, and a thread's events never overlap.
  // The violation event is drawn as the instant below, not as a slice.
  std::map<ThreadId, std::vector<size_t>> by_thread;
  for (size_t i = 0; i < ev.size(); ++i) by_thread[ev[i]->thread].push_back(i);
  for (const auto& [thread, own] : by_thread) {
    const int64_t tid = tid_of(thread);
    for (size_t a = 0; a < own.size();) {
      const Event& first = *ev[own[a]];
      if (first.op == "violation") {
        ++a;
        continue;
      }
      size_t b = a + 1;
      while (b < own.size() && !first.function.empty() &&
             ev[own[b]]->function == first.function && ev[own[b]]->op != "violation")
        ++b;
      if (!first.function.empty()) {
        const Slot& last = slot[own[b - 1]];
        const Slot run{slot[own[a]].ts, last.ts + last.dur - slot[own[a]].ts};
        out.push_back(complete(first.function, "function", run, tid,
                               {{"first_step", first.step}, {"last_step", ev[own[b - 1]]->step}}));
      }
      for (size_t k = a; k < b; ++k) {
        const Event& e = *ev[own[k]];
        out.push_back(complete(label(e), e.op, slot[own[k]], tid,
                               {{"step", e.step},
                                {"object", e.object},
                                {"value", e.value},
                                {"function", e.function}}));
      }
      a = b;
    }
  }

  // The happens-before edges the graph draws, with every store -> load: a
  // timeline has room for all of them. Edges index t.events; slots are in
  // time order.
  std::vector<size_t> position(ev.size());
  for (size_t k = 0; k < ev.size(); ++k) position[static_cast<size_t>(ev[k] - t.events.data())] = k;
  uint64_t id = 0;
  for (const HbEdge& e : happens_before(t, DataEdges::all).edges) {
    ++id;
    const size_t from = position[e.from], to = position[e.to];
    const std::string cat = std::string("flow.") + hb_kind_name(e.kind);
    ojson start{{"name", flow_name(e.kind)}, {"cat", cat},  {"ph", "s"},
                {"id", id},                  {"ts", slot[from].mid()}, {"pid", kPid},
                {"tid", tid_of(ev[from]->thread)}};
    ojson finish{{"name", flow_name(e.kind)}, {"cat", cat},  {"ph", "f"},
                 {"bp", "e"},                 {"id", id},   {"ts", slot[to].mid()},
                 {"pid", kPid},               {"tid", tid_of(ev[to]->thread)}};
    out.push_back(std::move(start));
    out.push_back(std::move(finish));
  }

  if (t.violation) {
    const Violation& v = *t.violation;
    // At the violation event's own slot, after what the thread noted at
    // that step; a trace without one gets the start of the step.
    uint64_t ts = v.step * width;
    for (size_t i = 0; i < ev.size(); ++i)
      if (ev[i]->op == "violation" && ev[i]->thread == v.thread && ev[i]->step == v.step)
        ts = slot[i].ts;
    ojson j{{"name", v.kind}, {"cat", "violation"}, {"ph", "i"}};
    j["s"] = v.thread == kNoThread ? "g" : "t";  // no thread: global
    j["ts"] = ts;
    j["pid"] = kPid;
    if (v.thread != kNoThread) j["tid"] = tid_of(v.thread);
    j["args"] = {{"message", v.message}, {"step", v.step}};
    out.push_back(std::move(j));
  }

  // Chrome's object form, one event a line for diffing and grepping.
  // Invalid UTF-8 in a model's string is replaced, not thrown on.
  const auto dump = [](const ojson& j) {
    return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
  };
  const ojson other{{"tool", t.tool},         {"scenario", t.scenario_path},
                    {"variant", t.variant},   {"strategy", t.strategy},
                    {"seed", t.seed},         {"hash", t.hash()},
                    {"verdict", t.violation ? t.violation->kind : "clean"},
                    {"step_us", width}};
  std::string text = "{\"displayTimeUnit\":\"ms\",\n\"otherData\":" + dump(other) +
                     ",\n\"traceEvents\":[\n";
  for (size_t i = 0; i < out.size(); ++i)
    text += dump(out[i]) + (i + 1 < out.size() ? ",\n" : "\n");
  text += "]}\n";
  return text;
}

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
// Chrome trace-event JSON for Perfetto: every stored trace renders to JSON
// the viewers accept (strictly nested slices per thread, flows that pair up
// and bind to a slice, the violation on its thread), the same bytes every
// time, and exactly the arrows the synchronisation implies.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/trace/perfetto.hpp"
#include "sim/trace/trace.hpp"
#include "synthetic_trace.hpp"
#include "test_util.hpp"

namespace {

using nlohmann::json;

struct Slice {
  int64_t ts = 0;
  int64_t dur = 0;
  json event;
};

// One end of an arrow, as the event slice it binds to: (tid, op, step).
using End = std::tuple<int64_t, std::string, uint64_t>;
// (flow category, from, to)
using Arrow = std::tuple<std::string, End, End>;

// The deepest slice on `tid` whose [ts, ts + dur) holds `ts`: what a viewer
// binds a flow point to. Slices here are strictly nested, so the shortest
// enclosing one is the deepest; a function slice around a single event has
// its child's very interval, and the child (listed after it) is the deeper.
const Slice* enclosing(const std::map<int64_t, std::vector<Slice>>& slices, int64_t tid,
                       int64_t ts) {
  const Slice* best = nullptr;
  auto it = slices.find(tid);
  if (it == slices.end()) return nullptr;
  for (const Slice& s : it->second)
    if (s.ts <= ts && ts < s.ts + s.dur && (!best || s.dur <= best->dur)) best = &s;
  return best;
}

// Checks everything a viewer relies on and returns the arrows drawn.
std::set<Arrow> check_rendering(const sim::Trace& t, const std::string& text) {
  const json doc = json::parse(text);  // throws, failing the test, if not JSON
  REQUIRE(doc.is_object());
  REQUIRE(doc.at("traceEvents").is_array());
  const int64_t step_us = doc.at("otherData").at("step_us").get<int64_t>();

  std::map<int64_t, std::vector<Slice>> slices;  // by tid
  std::map<uint64_t, std::vector<json>> flow_points;
  std::vector<json> instants;
  std::map<int64_t, std::string> thread_names;
  std::map<int64_t, int64_t> sort_index;
  size_t event_slices = 0;
  for (const json& e : doc["traceEvents"]) {
    const std::string ph = e.at("ph");
    CHECK(e.at("pid") == 1);
    if (ph == "X") {
      REQUIRE(e.at("ts").is_number_integer());
      REQUIRE(e.at("dur").is_number_integer());
      const Slice s{e["ts"].get<int64_t>(), e["dur"].get<int64_t>(), e};
      CHECK(s.dur >= 0);
      slices[e.at("tid").get<int64_t>()].push_back(s);
      if (e.at("cat") != "function") ++event_slices;
    } else if (ph == "s" || ph == "f") {
      flow_points[e.at("id").get<uint64_t>()].push_back(e);
    } else if (ph == "i") {
      instants.push_back(e);
    } else if (ph == "M" && e.at("name") == "thread_name") {
      thread_names[e.at("tid").get<int64_t>()] = e.at("args").at("name");
    } else if (ph == "M" && e.at("name") == "thread_sort_index") {
      sort_index[e.at("tid").get<int64_t>()] = e.at("args").at("sort_index");
    }
  }

  // One track per thread, named like the timeline's columns, in trace order.
  for (size_t i = 0; i < t.threads.size(); ++i) {
    const int64_t tid = static_cast<int64_t>(i) + 1;
    const sim::ThreadInfo& th = t.threads[i];
    CHECK(thread_names[tid] == th.name + " (CPU " + std::to_string(th.cpu) + ")");
    CHECK(sort_index[tid] == tid);
  }
  // Every event but the violation is a slice.
  CHECK(event_slices == static_cast<size_t>(std::count_if(
                            t.events.begin(), t.events.end(),
                            [](const sim::Event& e) { return e.op != "violation"; })));

  // Strict nesting per thread: by start, longest first; a slice starting
  // inside an open one must end inside it too.
  for (auto& [tid, list] : slices) {
    // (A function slice is listed before a child with its very interval.)
    std::stable_sort(list.begin(), list.end(), [](const Slice& a, const Slice& b) {
      return a.ts != b.ts ? a.ts < b.ts : a.dur > b.dur;
    });
    std::vector<int64_t> open_ends;
    for (const Slice& s : list) {
      while (!open_ends.empty() && open_ends.back() <= s.ts) open_ends.pop_back();
      if (!open_ends.empty()) {
        CAPTURE(tid);
        CAPTURE(s.event.dump());
        CHECK(s.ts + s.dur <= open_ends.back());
      }
      open_ends.push_back(s.ts + s.dur);
    }
  }

  // Flows: one start and one finish per id, same key, forward in time, each
  // end inside an event slice of its thread.
  std::set<Arrow> arrows;
  for (const auto& [id, points] : flow_points) {
    CAPTURE(id);
    REQUIRE(points.size() == 2);
    const json& s = points[0]["ph"] == "s" ? points[0] : points[1];
    const json& f = points[0]["ph"] == "s" ? points[1] : points[0];
    REQUIRE(s["ph"] == "s");
    REQUIRE(f["ph"] == "f");
    CHECK(f.at("bp") == "e");
    CHECK(s.at("cat") == f.at("cat"));
    CHECK(s.at("name") == f.at("name"));
    CHECK(f.at("ts").get<int64_t>() >= s.at("ts").get<int64_t>());
    End ends[2];
    for (int k = 0; k < 2; ++k) {
      const json& p = k == 0 ? s : f;
      const Slice* in = enclosing(slices, p.at("tid"), p.at("ts"));
      REQUIRE(in != nullptr);
      CHECK(in->event.at("cat") != "function");
      ends[k] = End{p.at("tid"), in->event.at("cat"), in->event.at("args").at("step")};
    }
    CHECK(std::get<0>(ends[0]) != std::get<0>(ends[1]));  // arrows cross threads
    arrows.emplace(s.at("cat"), ends[0], ends[1]);
  }
  CHECK(arrows.size() == flow_points.size());

  // The violation: an instant on its thread's track within its step.
  if (t.violation) {
    REQUIRE(instants.size() == 1);
    const json& v = instants[0];
    CHECK(v.at("name") == t.violation->kind);
    CHECK(v.at("s") == "t");
    CHECK(v.at("tid") == int64_t{t.violation->thread} + 1);
    const int64_t ts = v.at("ts");
    CHECK(ts >= static_cast<int64_t>(t.violation->step) * step_us);
    CHECK(ts < static_cast<int64_t>(t.violation->step + 1) * step_us);
  } else {
    CHECK(instants.empty());
  }
  return arrows;
}

// Three threads with one arrow of each kind, and near misses that must not
// draw one: a load of the thread's own store, a load with another value, a
// reader that entered after synchronize_srcu started, an unlock re-acquired
// by its own thread.
sim::Trace synthetic() {
  testutil::SyntheticTrace b({{"alpha", 0}, {"beta", 1}, {"gamma", 2}});
  sim::Trace& t = b.t;
  auto ev = [&b](auto... args) { b.ev(args...); };
  ev(1, 0, "srcu_read_lock", "S", "", "reader");
  ev(2, 1, "synchronize_srcu", "S", "waits for 1 reader(s)", "sync");
  ev(3, 2, "srcu_read_lock", "S", "", "late_reader");
  ev(4, 0, "store", "x", "0x1", "writer");
  ev(5, 2, "load", "x", "0x1", "late_reader");           // data arrow
  ev(5, 2, "note", "", "same step", "late_reader");
  ev(6, 0, "load", "x", "0x1", "writer");                // its own store
  ev(7, 2, "srcu_read_unlock", "S", "", "late_reader");  // not waited for
  ev(8, 0, "srcu_read_unlock", "S", "", "reader");       // srcu arrow
  ev(9, 1, "synchronize_srcu_return", "S", "", "sync");
  ev(10, 0, "mutex_lock", "L", "", "locker");
  ev(11, 0, "mutex_unlock", "L", "", "locker");          // lock arrow
  ev(12, 2, "mutex_lock", "L", "", "locker");
  ev(13, 2, "mutex_unlock", "L", "", "locker");
  ev(14, 2, "mutex_lock", "L", "", "locker");            // its own unlock
  ev(15, 2, "mutex_unlock", "L", "", "locker");
  ev(16, 1, "store", "y", "0x2", "writer");
  ev(17, 2, "load", "y", "0x3", "reader");               // not that value
  ev(18, 0, "complete_all", "done", "", "exit");         // completion arrow
  ev(19, 2, "wait_for_completion", "done", "", "exit");
  ev(20, 2, "note", "", "bad", "check");
  ev(20, 2, "violation", "", "oops: bad", "");
  t.violation = sim::Violation{"oops", "bad", 20, 2};
  return t;
}

}  // namespace

TEST_CASE("perfetto: a synthetic trace draws exactly the arrows its synchronisation implies") {
  const sim::Trace t = synthetic();
  const std::string text = sim::render_perfetto(t);
  CAPTURE(text);
  const std::set<Arrow> arrows = check_rendering(t, text);
  CHECK(arrows == std::set<Arrow>{
                      {"flow.data", {1, "store", 4}, {3, "load", 5}},
                      {"flow.srcu", {1, "srcu_read_unlock", 8}, {2, "synchronize_srcu_return", 9}},
                      {"flow.lock", {1, "mutex_unlock", 11}, {3, "mutex_lock", 12}},
                      {"flow.completion", {1, "complete_all", 18}, {3, "wait_for_completion", 19}},
                  });

  // gamma's read-side section is one function slice around its four events,
  // the two at step 5 splitting the step.
  const json doc = json::parse(text);
  std::vector<json> late, step5;
  for (const json& e : doc["traceEvents"]) {
    if (e["ph"] != "X") continue;
    if (e["name"] == "late_reader") late.push_back(e);
    if (e["cat"] != "function" && e["args"]["step"] == 5) step5.push_back(e);
  }
  REQUIRE(late.size() == 1);
  CHECK(late[0]["cat"] == "function");
  CHECK(late[0]["tid"] == 3);
  CHECK(late[0]["ts"] == 3000);
  CHECK(late[0]["dur"] == 5000);  // steps 3 to 7 inclusive
  REQUIRE(step5.size() == 2);
  CHECK(step5[0]["name"] == "load x");
  CHECK(step5[1]["name"] == "same step");
  CHECK(step5[0]["ts"].get<int64_t>() + step5[0]["dur"].get<int64_t>() <=
        step5[1]["ts"].get<int64_t>());
}

TEST_CASE("perfetto: every stored trace renders to well-formed, deterministic trace-event JSON") {
  const auto traces = testutil::stored_traces();
  REQUIRE(!traces.empty());
  for (const std::string& path : traces) {
    CAPTURE(path);
    const sim::Trace t = sim::read_trace(path);
    const std::string text = sim::render_perfetto(t);
    check_rendering(t, text);
    CHECK(sim::render_perfetto(t) == text);
    CHECK(sim::render_perfetto(sim::read_trace(path)) == text);
  }
}

TEST_CASE("perfetto: the worked example's arrows") {
  // vcpu0 = tid 1, updater = tid 2, vcpu1 = tid 3 (README's table).
  const sim::Trace t = sim::read_trace(testutil::trace_path());
  const std::set<Arrow> arrows = check_rendering(t, sim::render_perfetto(t));
  CHECK(arrows == std::set<Arrow>{
                      // update_memslots' new generation, read by mark_mmio_spte and check_mmio_spte
                      {"flow.data", {2, "store", 10}, {1, "load", 18}},
                      {"flow.data", {2, "store", 10}, {3, "load", 32}},
                      // the published memslots
                      {"flow.data", {2, "store", 14}, {1, "load", 16}},
                      {"flow.data", {2, "store", 14}, {3, "load", 31}},
                      // the MMIO SPTE vcpu1 then trusts: one arrow per store and
                      // reading thread, to the load the violation conflicts with
                      {"flow.data", {1, "store", 19}, {3, "load", 30}},
                      // the grace period waits for vcpu0's exit
                      {"flow.srcu", {1, "srcu_read_unlock", 21},
                       {2, "synchronize_srcu_return", 22}},
                      {"flow.completion", {2, "complete_all", 26}, {3, "wait_for_completion", 27}},
                  });
}

TEST_CASE("perfetto: a violation without a thread is a global instant") {
  sim::Trace t = synthetic();
  t.events.pop_back();
  t.violation->thread = sim::kNoThread;
  const json doc = json::parse(sim::render_perfetto(t));
  size_t found = 0;
  for (const json& e : doc["traceEvents"])
    if (e["ph"] == "i") {
      ++found;
      CHECK(e["s"] == "g");
      CHECK_FALSE(e.contains("tid"));
      CHECK(e["ts"] == 20000);
    }
  CHECK(found == 1);
}

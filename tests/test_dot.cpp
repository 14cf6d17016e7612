// SPDX-License-Identifier: GPL-2.0-only
// The happens-before graph of a trace: DOT text that Graphviz accepts, the
// same bytes every time, and exactly the edges the synchronisation implies.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "sim/trace/dot.hpp"
#include "sim/trace/focus.hpp"
#include "sim/trace/graphviz.hpp"
#include "sim/trace/happens_before.hpp"
#include "sim/trace/trace.hpp"
#include "synthetic_trace.hpp"
#include "test_util.hpp"

namespace {

// The happens-before edges in DOT text: (kind, from event, to event), from
// lines "  eA:p -> eB:q [id="hb-KIND-eA-eB", ...".
using DotEdge = std::tuple<std::string, size_t, size_t>;
std::set<DotEdge> hb_edges(const std::string& dot) {
  std::set<DotEdge> edges;
  std::istringstream lines(dot);
  std::string line;
  while (std::getline(lines, line)) {
    static const std::string marker = " [id=\"hb-";
    const size_t id = line.find(marker);
    if (id == std::string::npos) continue;
    std::istringstream head(line.substr(0, id));
    std::string from, arrow, to;
    head >> from >> arrow >> to;
    const size_t kind_at = id + marker.size();
    const size_t kind_end = line.find('-', kind_at);
    const std::string kind = line.substr(kind_at, kind_end - kind_at);
    size_t a = 0, b = 0;
    REQUIRE(std::sscanf(line.c_str() + kind_end, "-e%zu-e%zu\"", &a, &b) == 2);
    // The id names the edge's own endpoints, attached at a side.
    CHECK(arrow == "->");
    CHECK((from == "e" + std::to_string(a) + ":e" || from == "e" + std::to_string(a) + ":w"));
    CHECK((to == "e" + std::to_string(b) + ":e" || to == "e" + std::to_string(b) + ":w"));
    edges.emplace(kind, a, b);
  }
  return edges;
}

// The cluster titles in the order the DOT text lists the clusters.
std::vector<std::string> cluster_titles(const std::string& dot) {
  std::vector<std::string> titles;
  std::istringstream lines(dot);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t at = line.find("    label=\"");
    if (at != 0) continue;
    titles.push_back(line.substr(11, line.find('"', 11) - 11));
  }
  return titles;
}

// The x coordinate of the SVG text element that reads exactly `text`.
double svg_text_x(const std::string& svg, const std::string& text) {
  const size_t end = svg.find(">" + text + "</text>");
  REQUIRE(end != std::string::npos);
  const size_t x = svg.rfind(" x=\"", end);
  return std::stod(svg.substr(x + 4));
}

// The attribute list of node `id` ("e12"), from its definition line.
std::string node_line(const std::string& dot, const std::string& id) {
  const std::string key = "    " + id + " [label=";
  const size_t at = dot.find(key);
  if (at == std::string::npos) return "";
  return dot.substr(at, dot.find('\n', at) - at);
}

// The index of the first event of thread `thread` (by name) with this op
// and object; fails the test if there is none.
size_t find_event(const sim::Trace& t, const std::string& thread, const std::string& op,
                  const std::string& object) {
  for (size_t i = 0; i < t.events.size(); ++i) {
    const sim::Event& e = t.events[i];
    if (e.thread < t.threads.size() && t.threads[e.thread].name == thread && e.op == op &&
        e.object == object)
      return i;
  }
  FAIL("no " << op << " of " << object << " by " << thread);
  return 0;
}

// A small two-thread trace with one of each edge, and things that must not
// make one:
//  - alpha's mutex_unlock(L) -> beta's mutex_lock(L) (beta's unlock has no
//    later acquire);
//  - alpha's srcu_read_unlock -> beta's synchronize_srcu_return (beta's own
//    read-side section starts after the grace period);
//  - alpha's store to x -> beta's load of x in its final section (alpha's
//    own load of x is program order; beta's load of z comes before its
//    final section, so z is not involved).
sim::Trace synthetic() {
  testutil::SyntheticTrace b({{"alpha", 0}, {"beta", 1}});
  sim::Trace& t = b.t;
  t.seed = 7;
  auto ev = [&b](auto... args) { b.ev(args...); };
  ev(1, 0, "mutex_lock", "L", "", "a_lock");                       // 0
  ev(2, 0, "store", "x", "0x1", "writer");                         // 1
  ev(2, 0, "load", "x", "0x1", "writer");                          // 2
  ev(3, 0, "store", "z", "0x5", "writer");                         // 3
  ev(4, 0, "mutex_unlock", "L", "", "a_lock");                     // 4
  ev(5, 1, "mutex_lock", "L", "", "b_lock");                       // 5
  ev(6, 1, "mutex_unlock", "L", "", "b_lock");                     // 6
  ev(7, 0, "srcu_read_lock", "S", "", "reader");                   // 7
  ev(8, 1, "synchronize_srcu", "S", "waits for 1 reader(s)", "updater");  // 8
  ev(9, 0, "srcu_read_unlock", "S", "", "reader");                 // 9
  ev(10, 1, "synchronize_srcu_return", "S", "", "updater");        // 10
  ev(11, 1, "load", "z", "0x5", "before");                         // 11
  ev(12, 1, "srcu_read_lock", "S", "", "check");                   // 12
  ev(12, 1, "note", "", "checking \"x\" <&>", "check");          // 13
  ev(13, 1, "load", "x", "0x1", "check");                          // 14
  ev(13, 1, "violation", "", "check: x is stale", "");             // 15
  t.violation = sim::Violation{"check", "x is stale", 13, 1};
  return t;
}

bool is_svg(const std::string& s) { return s.rfind("<?xml", 0) == 0 || testutil::contains(s, "<svg"); }

}  // namespace

TEST_CASE("dot: a synthetic trace has exactly the happens-before edges it implies") {
  const sim::Trace t = synthetic();
  const std::string dot = sim::render_dot(t);
  CAPTURE(dot);
  CHECK(hb_edges(dot) == std::set<DotEdge>{{"lock", 4, 5}, {"srcu", 9, 10}, {"data", 1, 14}});

  const sim::HbGraph g = sim::happens_before(t);
  CHECK(g.involved == std::set<std::string>{"x"});
  CHECK_FALSE(g.all_objects);
  CHECK(g.violation_event == std::optional<size_t>(15));
  CHECK(g.conflict_stores == std::set<size_t>{1});
  REQUIRE(g.edges.size() == 3);
  CHECK(g.edges[2].conflict);

  // The violation red and bold, the store it conflicts with orange.
  const std::string bad = node_line(dot, "e15");
  CHECK(testutil::contains(bad, "color=\"#d00000\""));
  CHECK(testutil::contains(bad, "penwidth=3"));
  CHECK(testutil::contains(bad, "VIOLATION"));
  CHECK(testutil::contains(node_line(dot, "e1"), "color=\"#e67e00\""));
  CHECK_FALSE(testutil::contains(node_line(dot, "e3"), "#e67e00"));
  // The note is folded into the srcu_read_lock at its step, escaped.
  CHECK(node_line(dot, "e13").empty());
  CHECK(testutil::contains(node_line(dot, "e12"), "checking &quot;x&quot; &lt;&amp;&gt;"));
  // Clusters in thread order; the legend names scenario, variant, seed, verdict.
  CHECK(dot.find("label=\"alpha (CPU 0)\"") < dot.find("label=\"beta (CPU 1)\""));
  CHECK(testutil::contains(dot, "<B>synthetic</B>"));
  CHECK(testutil::contains(dot, "variant <B>vtest</B>"));
  CHECK(testutil::contains(dot, "seed <B>7</B>"));
  CHECK(testutil::contains(dot, "VIOLATION check</B> at step 13 in beta"));

  const std::string svg = sim::dot_to_svg(dot);
  CHECK(is_svg(svg));
}

TEST_CASE("dot: a clean trace draws store -> load edges on every object") {
  sim::Trace t = synthetic();
  t.violation.reset();
  t.events.pop_back();
  const sim::HbGraph g = sim::happens_before(t);
  CHECK(g.all_objects);
  CHECK(g.conflict_stores.empty());
  CHECK_FALSE(g.violation_event.has_value());
  const std::string dot = sim::render_dot(t);
  CHECK(hb_edges(dot) == std::set<DotEdge>{
                             {"lock", 4, 5}, {"srcu", 9, 10}, {"data", 3, 11}, {"data", 1, 14}});
  CHECK(testutil::contains(dot, "verdict: <B>clean</B>"));
  CHECK_FALSE(testutil::contains(dot, "penwidth=3"));
}

TEST_CASE("dot: a trace without events, and odd text, still makes a graph dot accepts") {
  sim::Trace t;
  t.scenario = {{"name", "odd\nname \"<&>\" \\N"}};
  t.variant = "v\\1";
  t.threads = {{"t \"0\"\n", 0}};
  const std::string dot = sim::render_dot(t);
  CHECK(hb_edges(dot).empty());
  CHECK(is_svg(sim::dot_to_svg(dot)));
  t.events.push_back(sim::Event{1, 0, "note", "", "a \"note\" \\ <b>&", "f<>"});
  t.events.push_back(sim::Event{2, 0, "store", "x[\"k\"]", "a\tb", "g"});
  CHECK(is_svg(sim::dot_to_svg(sim::render_dot(t))));
}

TEST_CASE("dot: a clean trace's store -> load edges are capped") {
  sim::Trace t;
  t.threads = {{"w", 0}, {"r", 1}};
  for (uint64_t k = 0; k < 2 * sim::kMaxDataEdges; ++k) {
    std::string obj = "o";  // "o" + std::to_string(k) trips GCC 12's -Wrestrict false positive
    obj += std::to_string(k);
    t.events.push_back(sim::Event{2 * k + 1, 0, "store", obj, "0x1", "w"});
    t.events.push_back(sim::Event{2 * k + 2, 1, "load", obj, "0x1", "r"});
  }
  const sim::HbGraph g = sim::happens_before(t);
  CHECK(g.data_edges_found == 2 * sim::kMaxDataEdges);
  CHECK(g.edges.size() == sim::kMaxDataEdges);
  CHECK(hb_edges(sim::render_dot(t)).size() == sim::kMaxDataEdges);
}

TEST_CASE("dot: every stored trace renders, deterministically, and dot accepts it") {
  for (const auto& path : testutil::stored_traces()) {
    CAPTURE(path);
    const sim::Trace t = sim::read_trace(path);
    const std::string dot = sim::render_dot(t);
    CHECK(dot == sim::render_dot(t));
    CHECK(dot == sim::render_dot(sim::read_trace(path)));
    CHECK(testutil::contains(dot, "digraph"));
    for (const auto& th : t.threads)
      CHECK(testutil::contains(dot, th.name + " (CPU " + std::to_string(th.cpu) + ")"));
    const sim::HbGraph g = sim::happens_before(t);
    CHECK(hb_edges(dot).size() == g.edges.size());
    if (t.violation) {
      REQUIRE(g.violation_event.has_value());
      std::string id = "e";
      id += std::to_string(*g.violation_event);
      CHECK(testutil::contains(node_line(dot, id), "penwidth=3"));
    }
    const std::string svg = sim::dot_to_svg(dot);
    CHECK(is_svg(svg));
  }
}

TEST_CASE("dot: ee3d1570b586 at v3.16 shows the SPTE read and the grace period") {
  const sim::Trace t = sim::read_trace(testutil::trace_path());
  const std::string dot = sim::render_dot(t);
  const auto edges = hb_edges(dot);
  // vcpu0 stores the MMIO SPTE tagged with the new generation; vcpu1, after
  // the ioctl returned, loads it.
  const size_t store = find_event(t, "vcpu0", "store", "spte[gfn 0x10]");
  const bool spte_read = std::any_of(edges.begin(), edges.end(), [&](const DotEdge& e) {
    const auto& [kind, from, to] = e;
    const sim::Event& load = t.events[to];
    return kind == "data" && from == store && load.op == "load" &&
           load.object == "spte[gfn 0x10]" && t.threads[load.thread].name == "vcpu1";
  });
  CHECK(spte_read);
  CHECK(sim::happens_before(t).conflict_stores.count(store) == 1);
  // synchronize_srcu waited for vcpu0's read-side section.
  const size_t unlock = find_event(t, "vcpu0", "srcu_read_unlock", "kvm->srcu");
  const size_t ret = find_event(t, "updater", "synchronize_srcu_return", "kvm->srcu");
  CHECK(edges.count({"srcu", unlock, ret}) == 1);
  // complete_all -> wait_for_completion.
  CHECK(edges.count({"completion", find_event(t, "updater", "complete_all", "updater exited"),
                     find_event(t, "vcpu1", "wait_for_completion", "updater exited")}) == 1);
}

TEST_CASE("dot: a failing trace's focused graph draws the focused events, columns as listed") {
  for (const auto& path : testutil::stored_traces()) {
    CAPTURE(path);
    const sim::Trace t = sim::read_trace(path);
    REQUIRE(t.violation.has_value());
    const sim::Trace focused = sim::focused_trace(t);
    CHECK(focused.events.size() < t.events.size());
    const std::string dot = sim::render_dot(t, true);
    CHECK(dot == sim::render_dot(t, true));
    CHECK(testutil::contains(dot, "focused: " + std::to_string(focused.events.size()) +
                                      " of the trace's " + std::to_string(t.events.size()) +
                                      " events"));
    CHECK(hb_edges(dot).size() == sim::happens_before(focused).edges.size());
    // Edges attach to the side facing their other end, so Graphviz must lay
    // the clusters out left to right in the order the text gives.
    const std::string svg = sim::dot_to_svg(dot);
    const std::vector<std::string> titles = cluster_titles(dot);
    REQUIRE(!titles.empty());
    for (size_t c = 1; c < titles.size(); ++c)
      CHECK(svg_text_x(svg, titles[c - 1]) < svg_text_x(svg, titles[c]));
  }
  // ee3d1570b586: the completion that orders vcpu1 after the ioctl stays,
  // and vcpu1 moves next to vcpu0 so the updater's edges to it cross no
  // node (in trace order the SPTE edge would cut through the updater).
  const sim::Trace t = sim::read_trace(testutil::trace_path());
  const std::string dot = sim::render_dot(t, true);
  CHECK(cluster_titles(dot) ==
        std::vector<std::string>{"vcpu0 (CPU 0)", "vcpu1 (CPU 2)", "updater (CPU 1)"});
  CHECK(testutil::contains(dot, "id=\"hb-completion-"));
  CHECK(cluster_titles(sim::render_dot(sim::Trace{})).empty());
}

TEST_CASE("dot: running Graphviz fails clearly") {
  const std::string dot = sim::render_dot(synthetic());
  try {
    sim::dot_to_svg(dot, "/nonexistent/kvmsim-no-dot");
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK(testutil::contains(e.what(), "cannot run Graphviz"));
  }
  try {
    sim::dot_to_svg("digraph { a -> ", "dot");
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK(testutil::contains(e.what(), "dot -Tsvg"));
  }
}

TEST_CASE("dot: a failed compare-exchange reads, a successful one writes") {
  testutil::SyntheticTrace b({{"alpha", 0}, {"beta", 1}});
  b.ev(1, 0, "store", "m", "0x3", "walker");               // 0
  b.ev(2, 1, "cmpxchg_fail", "m", "0x3", "flusher");       // 1: found 0x3
  b.ev(3, 1, "cmpxchg", "m", "0x0", "flusher");            // 2: wrote 0x0
  b.ev(4, 0, "load", "m", "0x0", "walker");                // 3
  const sim::HbGraph g = sim::happens_before(b.t);
  CHECK(g.edges == std::vector<sim::HbEdge>{{sim::HbEdge::Kind::data, 0, 1, false},
                                            {sim::HbEdge::Kind::data, 2, 3, false}});
  CHECK(hb_edges(sim::render_dot(b.t)) == std::set<DotEdge>{{"data", 0, 1}, {"data", 2, 3}});
}

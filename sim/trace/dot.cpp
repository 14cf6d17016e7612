// SPDX-License-Identifier: GPL-2.0-only
#include "sim/trace/dot.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "sim/trace/focus.hpp"
#include "sim/trace/graphviz.hpp"
#include "sim/trace/happens_before.hpp"
#include "sim/trace/html_escape.hpp"
#include "sim/trace/section.hpp"
#include "sim/trace/wrap.hpp"

namespace sim {

namespace {

// Text inside an HTML-like label: one line, escaped.
std::string html(const std::string& s) {
  std::string out = html_escape(s);
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

// A double-quoted DOT string (an escString: backslashes doubled).
std::string dot_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Label widths in characters, so a node stays narrow enough for three
// clusters side by side.
constexpr size_t kLabelWidth = 34;
constexpr size_t kNoteWidth = 40;

// Colours: one per kind of happens-before edge, red for the violation and
// orange for what it conflicts with.
constexpr const char* kGray = "#555555";
constexpr const char* kViolationColor = "#d00000";
constexpr const char* kConflictColor = "#e67e00";
constexpr const char* kLockColor = "#1f5fbf";
constexpr const char* kSrcuColor = "#1e8449";
constexpr const char* kCompletionColor = "#8e44ad";
constexpr const char* kDataColor = "#a07800";

std::string left_lines(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += html(l) + "<BR ALIGN=\"LEFT\"/>";
  return s;
}

std::string small(const std::string& inner, bool italic = false) {
  return fmt::format("<FONT POINT-SIZE=\"8\" COLOR=\"{}\">{}{}{}</FONT>", kGray,
                     italic ? "<I>" : "", inner, italic ? "</I>" : "");
}

// What an access or synchronisation reads like, without its function.
std::string op_text(const Event& e) {
  if (e.op == "load") return "load " + e.object + " -> " + e.value;
  if (e.op == "store") return "store " + e.object + " = " + e.value;
  std::string s = e.op;
  if (!e.object.empty()) s += "(" + e.object + ")";
  if (!e.value.empty()) s += " " + e.value;
  return s;
}

std::string note_text(const Event& e) {
  return e.function.empty() ? e.value : e.function + ": " + e.value;
}

// The event in one line, for tooltips.
std::string full_text(const Event& e) {
  if (e.op == "note") return note_text(e);
  if (e.op == "violation") return "VIOLATION " + e.value;
  return e.function.empty() ? op_text(e) : e.function + ": " + op_text(e);
}

// A node: one non-note event (its anchor) with the notes folded into it, or
// a run of notes of one thread at one step standing alone.
struct Node {
  size_t anchor = 0;
  ThreadId thread = 0;
  uint64_t step = 0;
  std::vector<size_t> events;  // in trace order
};

std::string node_id(size_t anchor) { return fmt::format("e{}", anchor); }

std::string thread_title(const Trace& t, size_t thread) {
  if (thread < t.threads.size())
    return fmt::format("{} (CPU {})", t.threads[thread].name, t.threads[thread].cpu);
  return thread == kNoThread ? std::string("(no thread)") : fmt::format("thread {}", thread);
}

std::string scenario_name(const Trace& t) {
  if (t.scenario.is_object() && t.scenario.contains("name") && t.scenario["name"].is_string())
    return t.scenario["name"].get<std::string>();
  if (!t.scenario_path.empty()) return std::filesystem::path(t.scenario_path).stem().string();
  return "(unnamed scenario)";
}

std::string legend(const Trace& t, const HbGraph& g, size_t full_events) {
  std::string rows;
  auto row = [&](const std::string& cell) {
    rows += "<TR><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\">" + cell + "</TD></TR>";
  };
  row(fmt::format("<B>{}</B>   variant <B>{}</B>   strategy {}   seed <B>{}</B>",
                  html(scenario_name(t)), html(t.variant), html(t.strategy), t.seed));
  if (t.violation) {
    const Violation& v = *t.violation;
    const std::string who = v.thread < t.threads.size() ? t.threads[v.thread].name
                                                        : std::to_string(v.thread);
    std::string msg;
    for (const auto& l : word_wrap(v.message, 110)) msg += (msg.empty() ? "" : "<BR/>") + html(l);
    row(fmt::format("verdict: <FONT COLOR=\"{}\"><B>VIOLATION {}</B> at step {} in {}</FONT>",
                    kViolationColor, html(v.kind), v.step, html(who)));
    row(small(msg));
  } else {
    row("verdict: <B>clean</B>");
  }
  auto key = [&](const char* color, const std::string& what, const char* style = "") {
    return fmt::format("<FONT COLOR=\"{}\">{}&#8212;&gt;{}</FONT> {}", color,
                       *style ? "<B>" : "", *style ? "</B>" : "", what);
  };
  row(key(kLockColor, "lock release to the next acquire") + "    " +
      key(kSrcuColor, "srcu_read_unlock to the synchronize_srcu it held up") + "    " +
      key(kCompletionColor, "complete_all to wait_for_completion"));
  std::string objects;
  if (g.all_objects) {
    objects = "all objects";
  } else {
    for (const auto& o : g.involved) objects += (objects.empty() ? "" : ", ") + o;
    if (objects.empty()) objects = "none";
    objects = "the objects involved: " + objects;
  }
  std::string data = key(kDataColor, "store to a load of another thread that read it, on " +
                                         html(objects));
  const size_t shown = static_cast<size_t>(std::count_if(
      g.edges.begin(), g.edges.end(), [](const HbEdge& e) { return e.kind == HbEdge::Kind::data; }));
  if (shown < g.data_edges_found)
    data += fmt::format(" ({} of {} shown)", shown, g.data_edges_found);
  row(data);
  if (full_events)
    row(small(fmt::format("focused: {} of the trace's {} events, the steps that matter to the "
                          "verdict (kvmsim render --full draws every step)",
                          t.events.size(), full_events)));
  if (g.violation_event)
    row(fmt::format("<FONT COLOR=\"{}\"><B>red</B></FONT>: the violation   "
                    "<FONT COLOR=\"{}\"><B>orange</B></FONT>: the stores it conflicts with "
                    "(read by its final section), and those reads",
                    kViolationColor, kConflictColor));
  return "<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"2\">" + rows + "</TABLE>>";
}

// A node or an edge end: its thread and its row.
struct Placed {
  ThreadId thread = 0;
  size_t row = 0;
};

// The left-to-right order of the clusters in which the fewest edges pass
// over a node: a straight edge crosses every column between its ends, and a
// line through a label is what makes a graph hard to read. Ties keep trace
// order (the first order tried); beyond 6 clusters (720 orders) trace order.
std::vector<size_t> fewest_crossings(std::vector<size_t> order, const std::vector<Placed>& nodes,
                                     const std::vector<std::pair<Placed, Placed>>& edges) {
  if (order.size() > 6) return order;
  std::map<ThreadId, std::vector<size_t>> rows_of;  // each thread's node rows, ascending
  for (const Placed& n : nodes) rows_of[n.thread].push_back(n.row);
  std::vector<size_t> column(order.size());
  std::vector<size_t> best = order;
  size_t fewest = SIZE_MAX;
  std::vector<size_t> perm(order.size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  do {
    for (size_t c = 0; c < perm.size(); ++c) column[perm[c]] = c;
    auto column_of = [&](ThreadId th) {
      return column[std::find(order.begin(), order.end(), th) - order.begin()];
    };
    size_t crossings = 0;
    for (const auto& [a, b] : edges) {
      // The initializer-list minmax returns values, not references to temporaries.
      const auto [left, right] = std::minmax({column_of(a.thread), column_of(b.thread)});
      const auto [top, bottom] = std::minmax({a.row, b.row});
      for (size_t c = left + 1; c < right; ++c) {
        const std::vector<size_t>& rs = rows_of[order[perm[c]]];
        crossings += static_cast<size_t>(std::upper_bound(rs.begin(), rs.end(), bottom) -
                                         std::lower_bound(rs.begin(), rs.end(), top));
      }
    }
    if (crossings < fewest) {
      fewest = crossings;
      for (size_t c = 0; c < perm.size(); ++c) best[c] = order[perm[c]];
    }
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

// The graph of every event of `t`; `full_events` is how many the trace had
// before focusing (0: not focused).
std::string graph_text(const Trace& t, size_t full_events) {
  const std::vector<Event>& ev = t.events;
  const HbGraph g = happens_before(t);

  // Clusters: the threads with an event to draw (a focused graph may leave
  // one out), by id: the trace's in its order, then any beyond them.
  std::vector<size_t> cluster_threads;
  {
    std::set<size_t> drawn;
    for (const Event& e : ev) drawn.insert(e.thread);
    cluster_threads.assign(drawn.begin(), drawn.end());
  }
  // A note is recorded without a scheduling point, so it shares its step
  // with the access before it, which it usually explains ("load
  // kvm->memslots -> slots#0" then "cache MMIO gfn 0x10"): fold it into its
  // thread's previous event at the same step. After a release (an unlock,
  // srcu_read_unlock, complete_all) a note starts the next thing the thread
  // does ("ioctl KVM_SET_USER_MEMORY_REGION ..."), so it is not folded
  // there; it goes into the thread's next non-note event at the same step if
  // there is one, else it stands alone as a note-shaped node (a run of such
  // notes makes one node).
  auto ends_something = [](const std::string& op) {
    return is_unlock_op(op) || op == "srcu_read_unlock" || op == "complete_all";
  };
  std::vector<size_t> anchor(ev.size());
  {
    std::map<ThreadId, size_t> last;  // a thread's latest event so far
    for (size_t i = 0; i < ev.size(); ++i) {
      anchor[i] = i;
      if (ev[i].op == "note") {
        auto p = last.find(ev[i].thread);
        if (p != last.end() && ev[p->second].step == ev[i].step &&
            !ends_something(ev[p->second].op)) {
          anchor[i] = anchor[p->second];
        } else {
          for (size_t j = i + 1; j < ev.size() && ev[j].step == ev[i].step; ++j)
            if (ev[j].thread == ev[i].thread && ev[j].op != "note") {
              anchor[i] = j;
              break;
            }
        }
      }
      last[ev[i].thread] = i;
    }
  }
  std::vector<Node> nodes;
  std::map<size_t, size_t> node_at;  // anchor -> index into nodes
  for (size_t i = 0; i < ev.size(); ++i)
    if (anchor[i] == i) {
      node_at[i] = nodes.size();
      nodes.push_back(Node{i, ev[i].thread, ev[i].step, {}});
    }
  for (size_t i = 0; i < ev.size(); ++i) nodes[node_at[anchor[i]]].events.push_back(i);

  // Rows, top to bottom: the nodes of one step side by side, a new row when
  // the step changes or a thread has a second node at the same step.
  std::vector<std::vector<size_t>> rows;  // node indices
  std::vector<std::string> row_steps;
  {
    std::set<ThreadId> in_row;
    for (size_t n = 0; n < nodes.size(); ++n) {
      const bool fresh = rows.empty() || nodes[rows.back().front()].step != nodes[n].step;
      if (fresh || in_row.count(nodes[n].thread)) {
        row_steps.push_back(fresh ? std::to_string(nodes[n].step) : "");
        rows.emplace_back();
        in_row.clear();
      }
      rows.back().push_back(n);
      in_row.insert(nodes[n].thread);
    }
  }

  {
    std::vector<size_t> row_of_anchor(ev.size());
    for (size_t r = 0; r < rows.size(); ++r)
      for (size_t n : rows[r]) row_of_anchor[nodes[n].anchor] = r;
    std::vector<Placed> placed;
    for (const Node& n : nodes) placed.push_back({n.thread, row_of_anchor[n.anchor]});
    std::vector<std::pair<Placed, Placed>> edges;
    for (const HbEdge& e : g.edges)
      edges.push_back({{ev[e.from].thread, row_of_anchor[anchor[e.from]]},
                       {ev[e.to].thread, row_of_anchor[anchor[e.to]]}});
    cluster_threads = fewest_crossings(cluster_threads, placed, edges);
  }
  auto column_of = [&](ThreadId th) {
    return std::find(cluster_threads.begin(), cluster_threads.end(), th) - cluster_threads.begin();
  };

  std::string out;
  auto line = [&](const std::string& s) { out += s + '\n'; };
  auto one_line = [](std::string s) {
    for (char& c : s)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    return s;
  };
  line(one_line(fmt::format("// kvmsim happens-before graph: {} variant {} strategy {} seed {}",
                            scenario_name(t), t.variant, t.strategy, t.seed)));
  line("digraph kvmsim {");
  // Straight happens-before edges between the sides of their nodes, as in a
  // Lamport diagram: spline routing sends long cross-cluster edges around the
  // outside of the clusters. Edges first, so nodes cover the lines they cross.
  line("  graph [rankdir=TB, newrank=true, splines=line, nodesep=0.7, ranksep=0.18, "
       "labelloc=t, labeljust=l, fontname=\"Helvetica\", fontsize=11, "
       "outputorder=edgesfirst,");
  line("         label=" + legend(t, g, full_events) + "];");
  line("  node [shape=box, style=\"rounded,filled\", fillcolor=white, color=\"#9a9a9a\", "
       "fontname=\"Helvetica\", fontsize=10, margin=\"0.08,0.03\", height=0.3];");
  line("  edge [arrowsize=0.6];");

  // The time axis: one node per row, down the left.
  line("");
  line("  // time axis: one row per step; a thread with several nodes at one step takes "
       "several rows");
  line("  row0 [shape=plaintext, style=\"\", fontsize=9, fontcolor=\"#777777\", label=\"step\"];");
  for (size_t r = 0; r < rows.size(); ++r)
    line(fmt::format("  row{} [shape=plaintext, style=\"\", fontsize=9, fontcolor=\"#777777\", "
                     "height=0.2, label=\"{}\"];",
                     r + 1, row_steps[r]));
  if (!rows.empty()) {
    std::string chain = "  row0";
    for (size_t r = 0; r < rows.size(); ++r) chain += fmt::format(" -> row{}", r + 1);
    line(chain + " [style=invis];");
  }

  // One cluster per thread, its nodes linked in program order.
  std::set<size_t> conflict_loads;
  for (const HbEdge& e : g.edges)
    if (e.conflict) conflict_loads.insert(e.to);
  for (size_t c = 0; c < cluster_threads.size(); ++c) {
    const size_t th = cluster_threads[c];
    line("");
    line(fmt::format("  subgraph cluster_t{} {{", c));
    line(fmt::format("    label={}; fontname=\"Helvetica-Bold\"; fontsize=12; style=\"rounded\"; "
                     "color=\"#bbbbbb\";",
                     dot_string(thread_title(t, th))));
    line(fmt::format("    head{} [shape=point, style=invis, width=0, height=0, label=\"\"];", c));
    std::string prev = fmt::format("head{}", c);
    bool first = true;
    for (const Node& n : nodes) {
      if (n.thread != th) continue;
      const Event& a = ev[n.anchor];
      const bool is_note = a.op == "note";
      const bool is_violation = g.violation_event && *g.violation_event == n.anchor;
      std::string label;
      std::string tooltip = fmt::format("step {}", n.step);
      for (size_t i : n.events) {
        const Event& e = ev[i];
        tooltip += '\n';
        tooltip += full_text(e);
        if (e.op == "note") {
          label += small(left_lines(word_wrap(note_text(e), kNoteWidth)), true);
        } else if (e.op == "violation") {
          label += fmt::format("<FONT COLOR=\"{}\"><B>VIOLATION</B><BR ALIGN=\"LEFT\"/>{}</FONT>",
                               kViolationColor, left_lines(word_wrap(e.value, kNoteWidth)));
        } else {
          if (!e.function.empty()) label += small(html(e.function) + "<BR ALIGN=\"LEFT\"/>");
          label += left_lines(word_wrap(op_text(e), kLabelWidth));
        }
      }
      std::string attrs;
      if (is_violation) {
        attrs = fmt::format("fillcolor=\"#ffe0e0\", color=\"{}\", penwidth=3", kViolationColor);
      } else if (g.conflict_stores.count(n.anchor)) {
        attrs = fmt::format("fillcolor=\"#ffe8c2\", color=\"{}\", penwidth=2.5", kConflictColor);
      } else if (conflict_loads.count(n.anchor)) {
        attrs = fmt::format("fillcolor=\"#fff4e3\", color=\"{}\", penwidth=1.5", kConflictColor);
      } else if (is_note) {
        attrs = "shape=note, style=filled, fillcolor=\"#fbf8e6\", color=\"#c9c3a0\"";
      } else if (is_acquire_op(a.op) || is_unlock_op(a.op) || a.op == "srcu_read_unlock") {
        attrs = "fillcolor=\"#eef3fb\"";
      } else if (a.op.rfind("synchronize_srcu", 0) == 0 || a.op == "complete_all" ||
                 a.op == "wait_for_completion") {
        attrs = "fillcolor=\"#edf7ef\"";
      }
      line(fmt::format("    {} [label=<{}>, tooltip={}{}{}];", node_id(n.anchor), label,
                       dot_string(tooltip), attrs.empty() ? "" : ", ", attrs));
      line(fmt::format("    {} -> {} [{}];", prev, node_id(n.anchor),
                       first ? "style=invis"
                             : "color=\"#c4c4c4\", arrowsize=0.4, weight=8"));
      prev = node_id(n.anchor);
      first = false;
    }
    line("  }");
  }

  // Rank constraints: the thread heads across the top in cluster order, then
  // each row's nodes level with its step on the axis. Flat edges between
  // the heads do not stop dot's crossing minimisation from swapping whole
  // clusters; out-edges of one node with ordering=out do, and the edge ports
  // depend on the columns being where cluster_threads says.
  line("");
  {
    std::string heads = "  { rank=same; row0;";
    std::string order = "  row0";
    line("  top [shape=point, style=invis, width=0, height=0, label=\"\", ordering=out];");
    for (size_t c = 0; c < cluster_threads.size(); ++c) {
      heads += fmt::format(" head{};", c);
      order += fmt::format(" -> head{}", c);
      line(fmt::format("  top -> head{} [style=invis];", c));
    }
    line(heads + " }");
    line(order + " [style=invis];");
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string s = fmt::format("  {{ rank=same; row{};", r + 1);
    for (size_t n : rows[r]) s += fmt::format(" {};", node_id(nodes[n].anchor));
    line(s + " }");
  }

  // Happens-before edges.
  line("");
  line("  // happens-before edges between threads");
  for (const HbEdge& e : g.edges) {
    const char* color = kDataColor;
    std::string style = "penwidth=1.6";
    std::string what;
    switch (e.kind) {
      case HbEdge::Kind::lock:
        color = kLockColor;
        what = ev[e.from].object + ": released, then acquired";
        break;
      case HbEdge::Kind::srcu:
        color = kSrcuColor;
        what = ev[e.from].object + ": the grace period waited for this reader";
        break;
      case HbEdge::Kind::completion:
        color = kCompletionColor;
        what = ev[e.from].object + ": completed, then waited for";
        break;
      case HbEdge::Kind::data:
        what = ev[e.from].object + " = " + ev[e.from].value + ", read";
        if (e.conflict) {
          color = kConflictColor;
          style = "penwidth=2.8";
          what += " by the violating section";
        } else {
          style = "penwidth=1.3, style=dashed";
        }
        break;
    }
    // From the side of the source facing the target's column to the side of
    // the target facing the source's.
    const bool rightward = column_of(ev[e.from].thread) < column_of(ev[e.to].thread);
    line(fmt::format("  {}:{} -> {}:{} [id=\"hb-{}-e{}-e{}\", color=\"{}\", {}, "
                     "constraint=false, tooltip={}];",
                     node_id(e.from), rightward ? "e" : "w", node_id(e.to), rightward ? "w" : "e",
                     hb_kind_name(e.kind), e.from, e.to, color, style, dot_string(what)));
  }
  line("}");
  return out;
}

}  // namespace

std::string render_dot(const Trace& t, bool focus) {
  if (focus && t.violation) return graph_text(focused_trace(t), t.events.size());
  return graph_text(t, 0);
}

std::string render_svg(const Trace& t, bool focus) { return dot_to_svg(render_dot(t, focus)); }

}  // namespace sim

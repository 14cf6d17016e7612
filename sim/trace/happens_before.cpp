// SPDX-License-Identifier: GPL-2.0-only
#include "sim/trace/happens_before.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "sim/trace/section.hpp"

namespace sim {

const char* hb_kind_name(HbEdge::Kind k) {
  switch (k) {
    case HbEdge::Kind::lock: return "lock";
    case HbEdge::Kind::srcu: return "srcu";
    case HbEdge::Kind::completion: return "completion";
    case HbEdge::Kind::data: return "data";
  }
  return "?";
}


namespace {

bool by_target(const HbEdge& a, const HbEdge& b) {
  return std::tie(a.to, a.from) < std::tie(b.to, b.from);
}

}  // namespace

HbGraph happens_before(const Trace& t, DataEdges data_edges) {
  const std::vector<Event>& ev = t.events;
  HbGraph g;
  std::vector<HbEdge> sync;

  // Lock release -> the next acquire of the same lock, if another thread's.
  // Readers of a rwlock exclude only writers: a read_unlock orders the next
  // write_lock, and a write_unlock orders every read_lock up to the next
  // write_lock as well as that write_lock.
  for (size_t i = 0; i < ev.size(); ++i) {
    if (!is_unlock_op(ev[i].op)) continue;
    for (size_t j = i + 1; j < ev.size(); ++j) {
      if (!is_lock_op(ev[j].op) || ev[j].object != ev[i].object) continue;
      const bool reader_after_reader = ev[i].op == "read_unlock" && ev[j].op == "read_lock";
      if (reader_after_reader) continue;
      if (ev[j].thread != ev[i].thread) sync.push_back({HbEdge::Kind::lock, i, j, false});
      if (ev[j].op == "read_lock" && ev[i].op == "write_unlock") continue;
      break;
    }
  }

  // SRCU read-side sections: srcu_read_lock paired with its thread's
  // srcu_read_unlock of the same srcu_struct, innermost first.
  std::vector<std::pair<size_t, size_t>> sections;  // (lock, unlock)
  {
    std::map<std::pair<ThreadId, std::string>, std::vector<size_t>> open;
    for (size_t i = 0; i < ev.size(); ++i) {
      if (ev[i].op == "srcu_read_lock") {
        open[{ev[i].thread, ev[i].object}].push_back(i);
      } else if (ev[i].op == "srcu_read_unlock") {
        auto& stack = open[{ev[i].thread, ev[i].object}];
        if (stack.empty()) continue;
        sections.emplace_back(stack.back(), i);
        stack.pop_back();
      }
    }
  }
  // synchronize_srcu waits for the sections in progress when it started;
  // each one's unlock happens before synchronize_srcu_return.
  for (size_t s = 0; s < ev.size(); ++s) {
    if (ev[s].op != "synchronize_srcu") continue;
    std::optional<size_t> ret;
    for (size_t j = s + 1; j < ev.size() && !ret; ++j)
      if (ev[j].thread == ev[s].thread && ev[j].op == "synchronize_srcu_return" &&
          ev[j].object == ev[s].object)
        ret = j;
    if (!ret) continue;  // the trace ended during the grace period
    for (const auto& [lock, unlock] : sections)
      if (ev[lock].object == ev[s].object && ev[lock].thread != ev[s].thread && lock < s &&
          s < unlock && unlock < *ret)
        sync.push_back({HbEdge::Kind::srcu, unlock, *ret, false});
  }

  // complete_all -> each later wait_for_completion return on it by another thread.
  {
    std::map<std::string, size_t> completed;
    for (size_t i = 0; i < ev.size(); ++i) {
      if (ev[i].op == "complete_all") {
        completed[ev[i].object] = i;
      } else if (ev[i].op == "wait_for_completion") {
        auto it = completed.find(ev[i].object);
        if (it != completed.end() && ev[it->second].thread != ev[i].thread)
          sync.push_back({HbEdge::Kind::completion, it->second, i, false});
      }
    }
  }
  std::sort(sync.begin(), sync.end(), by_target);

  // Store -> load, on the objects involved in the violation (or all).
  g.violation_event = violation_event(t);
  ThreadId v = kNoThread;
  size_t start = 0, end = 0;  // the violating thread's window [start, end)
  if (g.violation_event) {
    v = ev[*g.violation_event].thread;
    end = *g.violation_event;
    start = final_section_start(ev, end);
    // The objects the final section loads or stores are the involved ones,
    // and the stores its loads read from are what the violation conflicts
    // with. Lock, SRCU and completion objects have edges of their own.
    for (size_t i = start; i < end; ++i)
      if (ev[i].thread == v && (is_read_op(ev[i].op) || is_write_op(ev[i].op)) &&
          !ev[i].object.empty())
        g.involved.insert(ev[i].object);
  }
  g.all_objects = !g.violation_event || data_edges == DataEdges::all;
  auto in_window = [&](size_t i) { return ev[i].thread == v && i >= start && i < end; };

  // One edge per (store, reading thread): to the first load of that thread
  // that read it, or to the first one in the violating window (a conflict).
  // Later loads of the same value are ordered after it by program order.
  std::vector<HbEdge> data;
  {
    std::map<std::string, size_t> last_store;
    std::map<std::pair<size_t, ThreadId>, size_t> edge_of;
    for (size_t i = 0; i < ev.size(); ++i) {
      const Event& e = ev[i];
      if (e.object.empty()) continue;
      if (is_write_op(e.op)) {
        last_store[e.object] = i;
        continue;
      }
      if (!is_read_op(e.op) || (!g.all_objects && !g.involved.count(e.object))) continue;
      auto src = last_store.find(e.object);
      // Only another thread's store, and only if the load returned what it
      // wrote (a hand-built trace, or one whose stores are not all
      // recorded, may have loads that read something else).
      if (src == last_store.end() || ev[src->second].thread == e.thread ||
          ev[src->second].value != e.value)
        continue;
      const bool conflict = in_window(i);
      auto [it, added] = edge_of.try_emplace({src->second, e.thread}, data.size());
      if (added) {
        data.push_back({HbEdge::Kind::data, src->second, i, conflict});
      } else if (conflict && !data[it->second].conflict) {
        data[it->second].to = i;
        data[it->second].conflict = true;
      }
    }
  }
  g.data_edges_found = data.size();
  {
    const size_t conflicts = static_cast<size_t>(
        std::count_if(data.begin(), data.end(), [](const HbEdge& e) { return e.conflict; }));
    size_t room = data_edges == DataEdges::all ? data.size()
                  : kMaxDataEdges > conflicts ? kMaxDataEdges - conflicts
                                              : 0;
    std::vector<HbEdge> kept;
    for (const HbEdge& e : data) {
      if (e.conflict) {
        kept.push_back(e);
        g.conflict_stores.insert(e.from);
      } else if (room > 0) {
        kept.push_back(e);
        --room;
      }
    }
    std::sort(kept.begin(), kept.end(), by_target);
    g.edges = std::move(sync);
    g.edges.insert(g.edges.end(), kept.begin(), kept.end());
  }
  return g;
}

}  // namespace sim

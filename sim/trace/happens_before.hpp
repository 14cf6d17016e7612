// SPDX-License-Identifier: GPL-2.0-only
// The happens-before edges between threads of a recorded trace: lock
// hand-overs, SRCU grace periods, completions, and the stores that loads
// read on the objects involved in the violation. Generic: only the events'
// op, object, value, thread and step are used.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/trace/trace.hpp"

namespace sim {

// One happens-before edge between events of two different threads; from and
// to index Trace::events.
struct HbEdge {
  enum class Kind {
    lock,        // mutex_unlock/spin_unlock -> the next acquire of that lock
    srcu,        // srcu_read_unlock -> the synchronize_srcu_return that waited for it
    completion,  // complete_all -> wait_for_completion
    data,        // store -> a load that read it (a successful cmpxchg writes, a failed one reads)
  };
  Kind kind = Kind::lock;
  size_t from = 0;
  size_t to = 0;
  // A data edge into the violating thread's final section: the store is an
  // access the violation conflicts with.
  bool conflict = false;

  bool operator==(const HbEdge&) const = default;
};

const char* hb_kind_name(HbEdge::Kind k);  // "lock", "srcu", "completion", "data"

// The happens-before edges of a trace, and what the graph highlights.
struct HbGraph {
  std::vector<HbEdge> edges;  // lock, srcu and completion edges, then data edges; by `to`
  // Objects whose store -> load edges are drawn: those involved in the
  // violation, or every object when all_objects is set (a clean trace, or
  // DataEdges::all).
  std::set<std::string> involved;
  bool all_objects = false;
  size_t data_edges_found = 0;            // before the cap
  std::optional<size_t> violation_event;  // the node drawn red
  std::set<size_t> conflict_stores;       // the nodes drawn orange
};

// Store -> load edges drawn at most under DataEdges::focused (conflict edges
// always are).
inline constexpr size_t kMaxDataEdges = 40;

// Which store -> load edges to draw.
enum class DataEdges {
  focused,  // the objects involved in the violation (every object, capped, if clean)
  all,      // every object, uncapped: for a timeline, where arrows cost nothing
};

HbGraph happens_before(const Trace& t, DataEdges data_edges = DataEdges::focused);

}  // namespace sim

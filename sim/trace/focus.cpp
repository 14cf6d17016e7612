// SPDX-License-Identifier: GPL-2.0-only
#include "sim/trace/focus.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "sim/trace/happens_before.hpp"
#include "sim/trace/section.hpp"

namespace sim {

namespace {

// The store a load read from: the latest store to its object before it.
std::optional<size_t> read_from(const std::vector<Event>& ev, size_t load) {
  for (size_t i = load; i-- > 0;)
    if (is_write_op(ev[i].op) && ev[i].object == ev[load].object) return i;
  return std::nullopt;
}

}  // namespace

std::string violation_signature(const Trace& t) {
  const auto violation = violation_event(t);
  if (!violation) return "";
  const std::vector<Event>& ev = t.events;
  std::vector<std::string> functions;
  for (size_t i = final_section_start(ev, *violation); i < *violation; ++i)
    if (ev[i].thread == ev[*violation].thread && !ev[i].function.empty() &&
        std::find(functions.begin(), functions.end(), ev[i].function) == functions.end())
      functions.push_back(ev[i].function);
  std::string s = t.violation->kind + " @";
  for (size_t k = 0; k < functions.size(); ++k) s += (k ? ", " : " ") + functions[k];
  return s;
}

std::vector<Event> focus_events(const Trace& t) {
  const std::vector<Event>& ev = t.events;
  const auto found = violation_event(t);
  if (!found) return ev;
  const size_t violation = *found;
  const ThreadId v = ev[violation].thread;
  // A loop that never ended has no final section to speak of: its last
  // turns are the section.
  const bool loop = t.violation->kind == "step-bound";
  const size_t tail = violation > kStepBoundTail ? violation - kStepBoundTail : 0;
  const size_t start = loop ? tail : final_section_start(ev, violation);

  std::set<std::string> involved;
  std::set<size_t> sources;  // the stores the final section read from
  size_t from = start;
  for (size_t i = start; i < violation; ++i) {
    if (ev[i].thread != v || ev[i].object.empty()) continue;
    involved.insert(ev[i].object);
    if (is_read_op(ev[i].op))
      if (auto src = read_from(ev, i)) {
        from = std::min(from, *src);
        sources.insert(*src);
      }
  }

  // One step further back: what the writers of those stores read since
  // their previous store to an involved object (a refresher's look at the
  // PTE and at mmu_notifier_count before it stored the pfn the section then
  // used). The objects they read are involved too.
  if (!loop) {
    std::set<std::string> behind;
    for (size_t src : sources) {
      const ThreadId w = ev[src].thread;
      if (w == v) continue;
      for (size_t i = src; i-- > 0;) {
        if (ev[i].thread != w) continue;
        if (is_write_op(ev[i].op) && involved.count(ev[i].object)) break;
        if (is_read_op(ev[i].op)) behind.insert(ev[i].object);
      }
    }
    involved.insert(behind.begin(), behind.end());
  }
  std::vector<bool> keep(ev.size(), false);
  for (size_t i = from; i <= violation; ++i)
    keep[i] = (ev[i].thread == v && i >= start) || involved.count(ev[i].object) != 0;
  // What orders them: a lock hand-over, grace period or completion in the
  // window from a thread with a kept event before it to one with a kept
  // event after it (vcpu1 starting only after the updater's ioctl returned).
  const auto kept_before = [&](size_t at, ThreadId th) {
    for (size_t i = from; i <= at; ++i)
      if (keep[i] && ev[i].thread == th) return true;
    return false;
  };
  const auto kept_after = [&](size_t at, ThreadId th) {
    for (size_t i = at; i <= violation; ++i)
      if (keep[i] && ev[i].thread == th) return true;
    return false;
  };
  std::vector<size_t> ordering;
  for (const HbEdge& e : happens_before(t).edges)
    if (e.kind != HbEdge::Kind::data && e.from >= from && e.to <= violation &&
        kept_before(e.from, ev[e.from].thread) && kept_after(e.to, ev[e.to].thread)) {
      ordering.push_back(e.from);
      ordering.push_back(e.to);
    }
  for (size_t i : ordering) keep[i] = true;
  if (loop)
    for (size_t i = from; i < tail; ++i) keep[i] = keep[i] && sources.count(i) != 0;
  // Notes share their step with the access they explain.
  for (size_t i = from; i <= violation; ++i) {
    if (ev[i].op != "note" || keep[i]) continue;
    for (size_t j = i + 1; j <= violation && ev[j].step == ev[i].step; ++j)
      if (keep[j] && ev[j].thread == ev[i].thread) keep[i] = true;
    for (size_t j = i; j-- > from && ev[j].step == ev[i].step;)
      if (keep[j] && ev[j].thread == ev[i].thread && ev[j].op != "note") keep[i] = true;
  }

  std::vector<Event> out;
  size_t left_out = 0;
  uint64_t first_step = 0;
  auto flush = [&] {
    if (left_out == 0) return;
    out.push_back(Event{first_step, 0, kElided, "",
                        std::to_string(left_out) + (left_out == 1 ? " step" : " steps"), ""});
    left_out = 0;
  };
  for (size_t i = 0; i < ev.size(); ++i) {
    if (keep[i]) {
      flush();
      out.push_back(ev[i]);
    } else if (left_out++ == 0) {
      first_step = ev[i].step;
    }
  }
  flush();
  return out;
}

Trace focused_trace(const Trace& t) {
  Trace focused = t;
  focused.events.clear();
  for (Event& e : focus_events(t))
    if (e.op != kElided) focused.events.push_back(std::move(e));
  return focused;
}

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
#include "sim/trace/section.hpp"

#include <algorithm>

namespace sim {

namespace {

constexpr size_t kRecentEvents = 20;

bool releases(const std::string& op, const std::string& acquire) {
  if (acquire == "srcu_read_lock") return op == "srcu_read_unlock";
  if (acquire == "mutex_lock") return op == "mutex_unlock";
  if (acquire == "read_lock") return op == "read_unlock";
  if (acquire == "write_lock") return op == "write_unlock";
  return op == "spin_unlock";
}

}  // namespace

bool is_lock_op(const std::string& op) {
  return op == "mutex_lock" || op == "spin_lock" || op == "read_lock" || op == "write_lock";
}
bool is_unlock_op(const std::string& op) {
  return op == "mutex_unlock" || op == "spin_unlock" || op == "read_unlock" || op == "write_unlock";
}
bool is_acquire_op(const std::string& op) { return is_lock_op(op) || op == "srcu_read_lock"; }
bool is_read_op(const std::string& op) {
  return op == "load" || op == "cmpxchg_fail" || op == "rmw";
}
bool is_write_op(const std::string& op) { return op == "store" || op == "cmpxchg" || op == "rmw"; }

std::optional<size_t> violation_event(const Trace& t) {
  if (!t.violation) return std::nullopt;
  const std::vector<Event>& ev = t.events;
  for (size_t i = ev.size(); i-- > 0;)
    if (ev[i].op == "violation") return i;
  for (size_t i = ev.size(); i-- > 0;)
    if (ev[i].thread == t.violation->thread && ev[i].step <= t.violation->step) return i;
  return std::nullopt;
}

size_t final_section_start(const std::vector<Event>& ev, size_t violation) {
  const ThreadId v = ev[violation].thread;
  std::vector<size_t> own;
  for (size_t i = 0; i < violation; ++i)
    if (ev[i].thread == v) own.push_back(i);
  if (own.empty()) return violation;
  size_t start = own.size() > kRecentEvents ? own[own.size() - kRecentEvents] : own.front();
  for (size_t k = own.size(); k-- > 0;) {
    const Event& a = ev[own[k]];
    if (!is_acquire_op(a.op)) continue;
    const bool released =
        std::any_of(own.begin() + static_cast<ptrdiff_t>(k) + 1, own.end(), [&](size_t j) {
          return ev[j].object == a.object && releases(ev[j].op, a.op);
        });
    if (!released) return std::max(start, own[k]);
  }
  return start;
}

}  // namespace sim

#include "sim/trace/focus.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string>

namespace sim {

namespace {

constexpr size_t kSectionWithoutLock = 20;

bool is_acquire(const std::string& op) {
  return op == "srcu_read_lock" || op == "mutex_lock" || op == "spin_lock";
}

bool releases(const std::string& op, const std::string& acquire) {
  if (acquire == "srcu_read_lock") return op == "srcu_read_unlock";
  if (acquire == "mutex_lock") return op == "mutex_unlock";
  return op == "spin_unlock";
}

// Index of the first event of the violating thread's final section.
size_t section_start(const std::vector<Event>& ev, size_t violation) {
  const ThreadId v = ev[violation].thread;
  std::vector<size_t> own;
  for (size_t i = 0; i < violation; ++i)
    if (ev[i].thread == v) own.push_back(i);
  // The latest acquire whose object is not released before the violation.
  for (size_t k = own.size(); k-- > 0;) {
    const Event& a = ev[own[k]];
    if (!is_acquire(a.op)) continue;
    const bool released = std::any_of(own.begin() + static_cast<ptrdiff_t>(k) + 1, own.end(),
                                      [&](size_t j) {
                                        return ev[j].object == a.object &&
                                               releases(ev[j].op, a.op);
                                      });
    if (!released) return own[k];
  }
  return own.size() > kSectionWithoutLock ? own[own.size() - kSectionWithoutLock]
                                          : (own.empty() ? violation : own.front());
}

// The store a load read from: the latest store to its object before it.
std::optional<size_t> read_from(const std::vector<Event>& ev, size_t load) {
  for (size_t i = load; i-- > 0;)
    if (ev[i].op == "store" && ev[i].object == ev[load].object) return i;
  return std::nullopt;
}

}  // namespace

std::vector<Event> focus_events(const Trace& t) {
  const std::vector<Event>& ev = t.events;
  auto at = std::find_if(ev.begin(), ev.end(), [](const Event& e) { return e.op == "violation"; });
  if (!t.violation || at == ev.end()) return ev;
  const size_t violation = static_cast<size_t>(at - ev.begin());
  const ThreadId v = ev[violation].thread;
  const size_t start = section_start(ev, violation);

  std::set<std::string> involved;
  size_t from = start;
  for (size_t i = start; i < violation; ++i) {
    if (ev[i].thread != v || ev[i].object.empty()) continue;
    involved.insert(ev[i].object);
    if (ev[i].op == "load")
      if (auto src = read_from(ev, i)) from = std::min(from, *src);
  }

  std::vector<bool> keep(ev.size(), false);
  for (size_t i = from; i <= violation; ++i)
    keep[i] = (ev[i].thread == v && i >= start) || involved.count(ev[i].object) != 0;
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

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
#include "sim/trace/trace_diff.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace sim {

namespace {

constexpr const char* kNothing = "(nothing)";

std::string thread_name(ThreadId id, const Trace& t) {
  if (id < t.threads.size()) return t.threads[id].name;
  return fmt::format("thread {}", id);
}

std::string describe_threads(const Trace& t) {
  std::string s = "threads:";
  for (const ThreadInfo& info : t.threads) s += fmt::format(" {} (cpu {})", info.name, info.cpu);
  return s;
}

std::string describe_decision(size_t i, const Trace& t) {
  if (i >= t.schedule.size()) return kNothing;
  std::string s = fmt::format("decision {}: {} runs", i, thread_name(t.schedule[i], t));
  if (i < t.labels.size()) {
    const StepLabel& l = t.labels[i];
    s += l.object.empty() ? fmt::format(" in {}", l.function)
                          : fmt::format(" {} in {}", l.object, l.function);
  }
  return s;
}

std::string describe_verdict(const Trace& t) {
  if (!t.violation) return "verdict: no violation";
  const Violation& v = *t.violation;
  std::string s = fmt::format("verdict: {} at step {}", v.kind, v.step);
  if (v.thread != kNoThread) s += fmt::format(" on {}", thread_name(v.thread, t));
  if (!v.message.empty()) s += fmt::format(": {}", v.message);
  return s;
}

// A version 1 trace has no labels: then only the threads chosen count.
std::optional<size_t> first_schedule_difference(const Trace& a, const Trace& b) {
  const bool labels = !a.labels.empty() && !b.labels.empty();
  const size_t n = std::min(a.schedule.size(), b.schedule.size());
  for (size_t i = 0; i < n; ++i)
    if (a.schedule[i] != b.schedule[i] || (labels && !(a.labels[i] == b.labels[i]))) return i;
  if (a.schedule.size() != b.schedule.size()) return n;
  return std::nullopt;
}

}  // namespace

std::string describe_event(const Event& e, const Trace& t) {
  std::string s = thread_name(e.thread, t);
  for (const std::string* part : {&e.op, &e.object, &e.value})
    if (!part->empty()) s += fmt::format(" {}", *part);
  if (!e.function.empty()) s += fmt::format(" in {}", e.function);
  return s;
}

std::optional<TraceDifference> first_difference(const Trace& a, const Trace& b) {
  TraceDifference d;
  d.decision = first_schedule_difference(a, b);
  const auto [ia, ib] = std::mismatch(a.events.begin(), a.events.end(), b.events.begin(),
                                      b.events.end());
  d.event = static_cast<size_t>(ia - a.events.begin());
  const bool events_differ = ia != a.events.end() || ib != b.events.end();

  // The threads first: with other threads every event means something else.
  if (a.threads != b.threads) {
    d.event = 0;
    d.step = 0;
    d.first = describe_threads(a);
    d.second = describe_threads(b);
  } else if (events_differ) {
    d.step = ia != a.events.end() ? ia->step : ib->step;
    d.first = ia != a.events.end() ? describe_event(*ia, a) : kNothing;
    d.second = ib != b.events.end() ? describe_event(*ib, b) : kNothing;
  } else if (d.decision) {
    // Decisions that recorded no event (a lock taken without tracing, say).
    d.step = *d.decision;
    d.first = describe_decision(*d.decision, a);
    d.second = describe_decision(*d.decision, b);
  } else if (a.violation != b.violation) {
    const uint64_t sa = a.violation ? a.violation->step : UINT64_MAX;
    const uint64_t sb = b.violation ? b.violation->step : UINT64_MAX;
    d.step = std::min(sa, sb);
    d.first = describe_verdict(a);
    d.second = describe_verdict(b);
  } else {
    return std::nullopt;
  }
  return d;
}

std::string describe(const TraceDifference& d, std::string_view first_name,
                     std::string_view second_name) {
  std::string s = fmt::format("first difference at event {} (step {})", d.event, d.step);
  if (d.decision) s += fmt::format("; the schedules part at decision {}", *d.decision);
  const size_t width = std::max(first_name.size(), second_name.size()) + 1;
  s += fmt::format(":\n  {:<{}} {}\n  {:<{}} {}\n", fmt::format("{}:", first_name), width,
                   d.first, fmt::format("{}:", second_name), width, d.second);
  return s;
}

}  // namespace sim

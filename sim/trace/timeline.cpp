// SPDX-License-Identifier: GPL-2.0-only
#include "sim/trace/timeline.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "sim/trace/focus.hpp"
#include "sim/trace/wrap.hpp"

namespace sim {

std::string event_text(const Event& e) {
  const std::string where = e.function.empty() ? "" : e.function + ": ";
  if (e.op == "violation") return "*** " + e.value;
  if (e.op == "note") return where + e.value;
  if (e.op == "load") return where + "load " + e.object + " -> " + e.value;
  if (e.op == "store") return where + e.object + " = " + e.value;
  std::string s = where + e.op + "(" + e.object + ")";
  if (!e.value.empty()) s += " " + e.value;
  return s;
}

namespace {

std::string pad(const std::string& s, size_t w) {
  return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
}

}  // namespace

std::string render_timeline(const std::vector<ThreadInfo>& threads,
                            const std::vector<Event>& events, size_t width) {
  const size_t n = std::max<size_t>(threads.size(), 1);
  // ">>" and the step, at least 4 digits wide ("  1234"); a step-bound
  // trace's steps can have more.
  size_t digits = 4;
  for (const Event& e : events) digits = std::max(digits, std::to_string(e.step).size());
  const size_t step_width = 2 + digits;
  const size_t col = std::max<size_t>(16, (width - step_width - 3 * n) / n);
  std::string out;
  auto row = [&](const std::string& step, const std::vector<std::string>& cells) {
    std::string line = pad(step, step_width);
    for (size_t t = 0; t < n; ++t) {
      line += t == 0 ? " | " : " | ";
      line += t + 1 == n ? cells[t] : pad(cells[t], col);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  };
  std::vector<std::string> heads(n);
  for (size_t t = 0; t < threads.size(); ++t)
    heads[t] = fmt::format("{} (CPU {})", threads[t].name, threads[t].cpu);
  row(" step", heads);
  {
    std::string rule = std::string(step_width, '-');
    for (size_t t = 0; t < n; ++t) rule += "-+-" + std::string(col, '-');
    out += rule + '\n';
  }
  for (const Event& e : events) {
    if (e.op == kElided) {  // a focused timeline's left-out stretch
      out += pad("   ...", step_width) + " | (" + e.value + " left out)\n";
      continue;
    }
    const bool bad = e.op == "violation";
    const auto lines = word_wrap(event_text(e), col, "  ");
    for (size_t k = 0; k < lines.size(); ++k) {
      std::vector<std::string> cells(n);
      cells[std::min<size_t>(e.thread, n - 1)] = lines[k];
      std::string step;
      if (k == 0) step = fmt::format("{}{:>{}}", bad ? ">>" : "  ", e.step, digits);
      row(step, cells);
    }
  }
  return out;
}

}  // namespace sim

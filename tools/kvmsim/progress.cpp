// SPDX-License-Identifier: GPL-2.0-only
#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace kvmsim {

namespace {

// 12345 -> "12,345"
std::string with_commas(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string s;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

// 2.5 -> "2.5", 812 -> "812", 41234 -> "41.2k", 3456789 -> "3.5M"
std::string short_rate(double r) {
  if (r < 9.95) return fmt::format("{:.1f}", r);
  if (r < 999.5) return fmt::format("{:.0f}", r);
  if (r < 999.95e3) return fmt::format("{:.1f}k", r / 1e3);
  return fmt::format("{:.1f}M", r / 1e6);
}

// 3.9 -> "0:03", 3725 -> "1:02:05"
std::string clock_time(double seconds) {
  const uint64_t s = static_cast<uint64_t>(std::max(seconds, 0.0));
  if (s < 3600) return fmt::format("{}:{:02}", s / 60, s % 60);
  return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
}

}  // namespace

std::string progress_line(uint64_t done, uint64_t total, uint64_t violations,
                          double elapsed_seconds) {
  std::string s = fmt::format("  {} / {} executions", with_commas(done), with_commas(total));
  const bool measured = done > 0 && elapsed_seconds > 0;
  const double rate = measured ? static_cast<double>(done) / elapsed_seconds : 0;
  if (measured) s += fmt::format("  {}/s", short_rate(rate));
  s += fmt::format("  elapsed {}", clock_time(elapsed_seconds));
  // Rounded up: "left ~0:00" while executions remain would be a lie.
  if (measured && done < total)
    s += fmt::format("  left ~{}", clock_time(std::ceil(static_cast<double>(total - done) / rate)));
  s += fmt::format("  violations {}", with_commas(violations));
  return s;
}

Progress::Progress(uint64_t total_executions, std::FILE* out, bool force)
    : total_(total_executions),
      out_(out),
      enabled_(force || isatty(fileno(out))),
      start_(Clock::now()),
      next_draw_(kInterval.count()) {}

Progress::~Progress() { finish(); }

void Progress::add(uint64_t executions, uint64_t violations) {
  done_.fetch_add(executions, std::memory_order_relaxed);
  violations_.fetch_add(violations, std::memory_order_relaxed);
  if (!enabled_) return;
  const Clock::time_point now = Clock::now();
  if ((now - start_).count() < next_draw_.load(std::memory_order_relaxed)) return;
  std::unique_lock lock(mutex_, std::try_to_lock);
  // Another thread is drawing, or drew while this one waited for the clock.
  if (!lock || finished_ || (now - start_).count() < next_draw_.load()) return;
  next_draw_.store((now - start_ + kInterval).count());
  draw(now);
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (drawn_width_ == 0) return;  // nothing on screen: a sweep quicker than one redraw
  draw(Clock::now());
  std::fputc('\n', out_);
  std::fflush(out_);
}

void Progress::draw(Clock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const std::string line = progress_line(done_.load(), total_, violations_.load(), elapsed);
  // Spaces over what is left of a longer line drawn before.
  const size_t pad = drawn_width_ > line.size() ? drawn_width_ - line.size() : 0;
  fmt::print(out_, "\r{}{:{}}", line, "", pad);
  std::fflush(out_);
  // What the terminal line holds now, the padding included: a line that
  // shrinks twice in a row still pads to the widest one drawn.
  drawn_width_ = line.size() + pad;
}

}  // namespace kvmsim

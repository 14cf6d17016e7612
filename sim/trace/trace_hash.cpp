// SPDX-License-Identifier: GPL-2.0-only
#include "sim/trace/trace_hash.hpp"

#include <fmt/format.h>

#include "sim/trace/trace.hpp"

namespace sim {

namespace {

constexpr size_t kBlock = 1 << 14;  // bytes handed to SHA-256 at a time

// Appends `s` as a JSON string, as nlohmann::json::dump() writes it: plain
// ASCII without quotes, backslashes or control characters as it is, and
// anything else through nlohmann itself.
void append_string(std::string& out, std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x80 || c == '"' || c == '\\') {
      out += nlohmann::json(std::string(s)).dump();
      return;
    }
  }
  out += '"';
  out += s;
  out += '"';
}

}  // namespace

// Trace::hash is the SHA-256 of the compact JSON object {"events": ...,
// "labels": ..., "schedule": ..., "threads": ..., "verdict": ...} (keys in
// nlohmann::json's sorted order; "labels" only when recorded). Its text is
// written here piece by piece: "events" first, as the execution goes.
void TraceHasher::begin() {
  text_.clear();
  sha_.hex();  // drops whatever an unfinished execution fed
  text_ = R"({"events":[)";
  first_event_ = first_label_ = true;
}

// event_to_json(e).dump(), without building the JSON value: its keys in
// sorted order.
void TraceHasher::event(uint64_t step, ThreadId thread, std::string_view op,
                        std::string_view object, std::string_view value,
                        std::string_view function) {
  text_ += first_event_ ? R"({"function":)" : R"(,{"function":)";
  first_event_ = false;
  append_string(text_, function);
  text_ += R"(,"object":)";
  append_string(text_, object);
  text_ += R"(,"op":)";
  append_string(text_, op);
  fmt::format_to(std::back_inserter(text_), R"(,"step":{},"thread":{},"value":)", step, thread);
  append_string(text_, value);
  text_ += '}';
  if (text_.size() >= kBlock) flush();
}

// labels_to_json(labels).dump(), one label at a time.
void TraceHasher::label(std::string_view function, std::string_view object) {
  text_ += first_label_ ? R"(],"labels":[[)" : ",[";
  first_label_ = false;
  append_string(text_, function);
  text_ += ',';
  append_string(text_, object);
  text_ += ']';
  if (text_.size() >= kBlock) flush();
}

void TraceHasher::flush() {
  sha_.update(text_);
  text_.clear();
}

std::string TraceHasher::finish(const std::vector<ThreadInfo>& threads,
                                std::span<const ThreadId> schedule,
                                const std::optional<Violation>& verdict) {
  text_ += R"(],"schedule":[)";
  for (size_t i = 0; i < schedule.size(); ++i) {
    if (i) text_ += ',';
    fmt::format_to(std::back_inserter(text_), "{}", schedule[i]);
    if (text_.size() >= kBlock) flush();
  }
  text_ += ']';
  text_ += R"(,"threads":)" + threads_to_json(threads).dump();
  text_ += R"(,"verdict":)" + violation_to_json(verdict).dump() + "}";
  flush();
  std::string hash = sha_.hex();
  begin();
  return hash;
}

}  // namespace sim

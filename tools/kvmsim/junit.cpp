#include "junit.hpp"

#include <map>
#include <vector>

#include <fmt/format.h>

#include "model/sweep.hpp"
#include "sim/file_output.hpp"
#include "sim/json_input.hpp"
#include "sim/trace/html_escape.hpp"

namespace kvmsim {

namespace {

// Where a malformed report is reported from: the reports are built in
// memory (by sweep or merge), not read from one file.
constexpr const char* kSource = "the sweep report";

// An attribute value: html_escape's text, and a newline as a reference,
// since XML parsers turn a literal one inside an attribute into a space.
std::string xml_attribute(const std::string& s) {
  std::string out;
  for (char c : sim::html_escape(s)) {
    if (c == '\n') out += "&#10;";
    else out += c;
  }
  return out;
}

// "stale-mmio 2, warn:x 1", or "no violation".
std::string violations_text(const sim::JsonIn& violations) {
  std::string s;
  for (const auto& [kind, count] : violations.members())
    s += fmt::format("{}{} {}", s.empty() ? "" : ", ", kind, count.u64());
  return s.empty() ? "no violation" : s;
}

std::string metrics_text(const sim::JsonIn& metrics) {
  std::map<std::string, model::MetricRange> ranges;
  for (const auto& [name, range] : metrics.members())
    ranges[name] = model::MetricRange{range.at("min").u64(), range.at("max").u64()};
  return model::metrics_text(ranges);
}

struct Case {
  std::string variant;
  bool ok = false;
  std::string failure;  // message, when not ok
  std::string out;      // the counts
};

Case make_case(const sim::JsonIn& row) {
  Case c;
  c.variant = row.at("variant").str();
  c.ok = row.at("ok").boolean();
  const uint64_t executions = row.at("executions").u64();
  const std::string expected = row.at("expected").str();
  const std::string found = violations_text(row.at("violations"));
  const bool seed = row.has("first_failing_seed") && !row.at("first_failing_seed").raw().is_null();
  const std::string first_seed = seed ? std::to_string(row.at("first_failing_seed").u64()) : "none";
  c.out = fmt::format("executions {}\nviolations: {}\nfirst failing seed: {}\nexpected: {}\n",
                      executions, found, first_seed, expected);
  if (row.has("metrics")) c.out += fmt::format("metrics: {}\n", metrics_text(row.at("metrics")));
  const std::string expected_metrics =
      row.has("expected_metrics") ? row.at("expected_metrics").str() : "";
  if (!expected_metrics.empty()) c.out += fmt::format("expected metrics: {}\n", expected_metrics);
  std::vector<std::string> broken;
  if (row.has("broken_relations"))
    for (const auto& [relation, count] : row.at("broken_relations").members())
      broken.push_back(fmt::format("{} broken in {} executions", relation, count.u64()));
  for (const std::string& b : broken) c.out += fmt::format("{}\n", b);
  if (!c.ok) {
    c.failure = fmt::format("expected {}, found {} in {} executions", expected, found, executions);
    if (seed) c.failure += fmt::format("; first failing seed {}", first_seed);
    if (!expected_metrics.empty())
      c.failure += fmt::format("; expected metrics {}", expected_metrics);
    for (const std::string& b : broken) c.failure += fmt::format("; {}", b);
  }
  return c;
}

struct Suite {
  std::string scenario;
  std::vector<Case> cases;
  size_t failures = 0;
};

Suite make_suite(const sim::JsonIn& report) {
  Suite s;
  s.scenario = report.at("scenario").str();
  for (const sim::JsonIn& row : report.at("variants").items()) {
    s.cases.push_back(make_case(row));
    if (!s.cases.back().ok) ++s.failures;
  }
  return s;
}

}  // namespace

std::string junit_xml(const nlohmann::json& reports) {
  const sim::JsonIn root(reports, kSource);
  std::vector<Suite> suites;
  if (reports.is_array()) {
    for (const sim::JsonIn& report : root.items()) suites.push_back(make_suite(report));
  } else {
    suites.push_back(make_suite(root));
  }
  size_t tests = 0, failures = 0;
  for (const Suite& s : suites) {
    tests += s.cases.size();
    failures += s.failures;
  }
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format(
      "<testsuites name=\"kvmsim\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"0\">\n", tests,
      failures);
  for (const Suite& s : suites) {
    const std::string name = xml_attribute(s.scenario);
    xml += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" "
        "time=\"0\">\n",
        name, s.cases.size(), s.failures);
    for (const Case& c : s.cases) {
      xml += fmt::format("    <testcase classname=\"kvmsim.{}\" name=\"{}\" time=\"0\">\n", name,
                         xml_attribute(c.variant));
      if (!c.ok)
        xml += fmt::format("      <failure type=\"unexpected-verdict\" message=\"{}\"/>\n",
                           xml_attribute(c.failure));
      xml += fmt::format("      <system-out>{}</system-out>\n", sim::html_escape(c.out));
      xml += "    </testcase>\n";
    }
    xml += "  </testsuite>\n";
  }
  xml += "</testsuites>\n";
  return xml;
}

void write_junit(const nlohmann::json& reports, const std::string& path) {
  sim::write_file_atomically(path, junit_xml(reports));
}

}  // namespace kvmsim

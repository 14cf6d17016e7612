// SPDX-License-Identifier: GPL-2.0-only
#include "junit.hpp"

#include <map>
#include <vector>

#include <fmt/format.h>

#include "model/harness/sweep.hpp"
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

// The expected verdict as the sweep's table says it (model::expected_text);
// "nothing" for a variant the scenario expects nothing of.
std::string expected_text(const sim::JsonIn& expected) {
  if (expected.raw().is_null()) return "nothing (no expectation)";
  const auto kinds = [&](const char* key) {
    std::vector<std::string> list;
    for (const sim::JsonIn& kind : expected.at(key).items()) list.push_back(kind.str());
    return list;
  };
  const std::vector<std::string> must = kinds("must");
  return model::expected_text(must.empty() ? "clean" : fmt::format("{}", fmt::join(must, "+")),
                              kinds("may"));
}

struct Case {
  std::string variant;
  bool ok = false;
  // Run without an expectation (sweep --variant of a state the scenario
  // expects nothing of): no verdict, so neither passed nor failed.
  bool skipped = false;
  double seconds = 0;   // the wall time of the variant's sweep
  std::string type;     // of the failure: unexpected-verdict or nondeterministic
  std::string failure;  // message, when not ok
  std::string out;      // the counts
};

// JUnit's time attributes: seconds, to the millisecond.
std::string time_text(double seconds) { return fmt::format("{:.3f}", seconds); }

Case make_case(const sim::JsonIn& row) {
  Case c;
  c.variant = row.at("variant").str();
  const bool judged = !row.at("ok").raw().is_null();
  const bool verdict_ok = !judged || row.at("ok").boolean();
  // Seeds that ran two ways fail the case as they fail the sweep.
  const sim::JsonIn determinism = row.at("determinism");
  const uint64_t nondeterministic =
      determinism.raw().is_null() ? 0 : determinism.at("mismatches").u64();
  c.ok = verdict_ok && nondeterministic == 0;
  c.seconds = row.at("wall_seconds").seconds();
  const uint64_t executions = row.at("executions").u64();
  const std::string expected = expected_text(row.at("expected"));
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
  const std::string twice =
      fmt::format("{} seed(s) ran two different ways", nondeterministic);
  if (nondeterministic != 0) c.out += fmt::format("nondeterministic: {}\n", twice);
  if (!verdict_ok) {
    c.type = "unexpected-verdict";
    c.failure = fmt::format("expected {}, found {} in {} executions", expected, found, executions);
    if (seed) c.failure += fmt::format("; first failing seed {}", first_seed);
    if (!expected_metrics.empty())
      c.failure += fmt::format("; expected metrics {}", expected_metrics);
    for (const std::string& b : broken) c.failure += fmt::format("; {}", b);
    if (nondeterministic != 0) c.failure += "; " + twice;
    if (!row.at("reproducer").raw().is_null())
      c.failure += fmt::format("; reproduce: {}", row.at("reproducer").str());
  } else if (nondeterministic != 0) {
    c.type = "nondeterministic";  // the reproducer runs a failing seed, not these
    c.failure = twice;
  } else if (!judged) {
    c.skipped = true;
  }
  return c;
}

struct Suite {
  std::string scenario;
  std::vector<Case> cases;
  size_t failures = 0;
  size_t skipped = 0;
  double seconds = 0;
};

Suite make_suite(const sim::JsonIn& report) {
  Suite s;
  s.scenario = report.at("scenario").str();
  for (const sim::JsonIn& row : report.at("variants").items()) {
    s.cases.push_back(make_case(row));
    if (!s.cases.back().ok) ++s.failures;
    if (s.cases.back().skipped) ++s.skipped;
    s.seconds += s.cases.back().seconds;
  }
  return s;
}

}  // namespace

std::string junit_xml(const nlohmann::json& sweep) {
  const sim::JsonIn root(sweep, kSource);
  std::vector<Suite> suites;
  for (const sim::JsonIn& report : root.at("scenarios").items()) suites.push_back(make_suite(report));
  size_t tests = 0, failures = 0;
  double seconds = 0;
  for (const Suite& s : suites) {
    tests += s.cases.size();
    failures += s.failures;
    seconds += s.seconds;
  }
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format(
      "<testsuites name=\"kvmsim\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{}\">\n",
      tests, failures, time_text(seconds));
  for (const Suite& s : suites) {
    const std::string name = xml_attribute(s.scenario);
    xml += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" "
        "time=\"{}\">\n",
        name, s.cases.size(), s.failures, s.skipped, time_text(s.seconds));
    for (const Case& c : s.cases) {
      xml += fmt::format("    <testcase classname=\"kvmsim.{}\" name=\"{}\" time=\"{}\">\n",
                         name, xml_attribute(c.variant), time_text(c.seconds));
      if (!c.ok)
        xml += fmt::format("      <failure type=\"{}\" message=\"{}\"/>\n", c.type,
                           xml_attribute(c.failure));
      if (c.skipped)
        xml += "      <skipped message=\"no expectation: the scenario expects nothing of this "
               "variant, so what it found (below) is not judged\"/>\n";
      xml += fmt::format("      <system-out>{}</system-out>\n", sim::html_escape(c.out));
      xml += "    </testcase>\n";
    }
    xml += "  </testsuite>\n";
  }
  xml += "</testsuites>\n";
  return xml;
}

void write_junit(const nlohmann::json& sweep, const std::string& path) {
  sim::write_file_atomically(path, junit_xml(sweep));
}

}  // namespace kvmsim

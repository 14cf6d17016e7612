// SPDX-License-Identifier: GPL-2.0-only
#include "report_dir.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "commands.hpp"
#include "html_report.hpp"
#include "model/harness/simulation.hpp"
#include "model/variants/variants.hpp"
#include "sim/file_output.hpp"
#include "sim/json_input.hpp"
#include "sim/trace/html_escape.hpp"
#include "sim/trace/focus.hpp"

namespace kvmsim {

namespace fs = std::filesystem;

ReportDir::ReportDir(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw sim::InputError(dir_ + ": cannot create directory: " + ec.message());
}

void ReportDir::add(const model::Scenario& scenario, const model::SweepResult& r) {
  const std::string& variant = r.variant;
  const size_t first_new = groups_.size();
  std::map<std::string, size_t> by_signature;  // into groups_, this variant only
  for (uint64_t seed : r.failing_seeds) {
    const sim::Trace t =
        model::record_execution(scenario, model::find_variant(variant), seed, kTool, r.strategy);
    const std::string signature = sim::violation_signature(t);
    auto [it, fresh] = by_signature.try_emplace(signature, groups_.size());
    if (fresh) {
      const std::string stem = fmt::format("{}-{}-{}", scenario.name, variant,
                                           groups_.size() - first_new + 1);
      const std::string trace_path = (fs::path(dir_) / (stem + ".json")).string();
      sim::write_trace(t, trace_path);
      sim::write_file_atomically((fs::path(dir_) / (stem + ".html")).string(),
                                 html_report(t, trace_path, true));
      groups_.push_back(Group{scenario.name, variant, signature, stem + ".html", seed, 0});
    }
    ++groups_[it->second].count;
  }
  write_index();  // so that an interrupted sweep leaves an index of what it found
}

std::string ReportDir::write_index() const {
  std::string rows;
  for (const Group& g : groups_)
    rows += fmt::format(
        "<tr><td>{}</td><td>{}</td><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td></tr>\n",
        sim::html_escape(g.scenario), sim::html_escape(g.variant), sim::html_escape(g.report),
        sim::html_escape(g.signature), g.count, g.first_seed);
  const std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>kvmsim sweep: violations</title>\n"
      "<style>body {{ font-family: sans-serif; margin: 2em; }} td, th {{ padding: 0.2em 1em; "
      "text-align: left; vertical-align: top; }}</style>\n</head>\n<body>\n"
      "<h1>Violations by signature</h1>\n<p>{} signature(s). Each links to the report of the "
      "first seed that showed it.</p>\n<table>\n<tr><th>scenario</th><th>variant</th>"
      "<th>signature (kind @ code locations)</th><th>seeds</th><th>first seed</th></tr>\n{}"
      "</table>\n</body>\n</html>\n",
      groups_.size(), rows);
  const std::string path = (fs::path(dir_) / "index.html").string();
  sim::write_file_atomically(path, html);
  return path;
}

}  // namespace kvmsim

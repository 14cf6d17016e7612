// SPDX-License-Identifier: GPL-2.0-only
#include "report_dir.hpp"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "commands.hpp"
#include "html_report.hpp"
#include "output_format.hpp"
#include "model/harness/simulation.hpp"
#include "model/variants/variants.hpp"
#include "sim/file_output.hpp"
#include "sim/json_input.hpp"
#include "sim/trace/html_escape.hpp"
#include "sim/trace/focus.hpp"

namespace kvmsim {

namespace fs = std::filesystem;

namespace {

// index.json: the signature list index.html shows, as data.
constexpr const char* kIndexFormat = "kvmsim-report-dir";
constexpr int kIndexVersion = 1;

}  // namespace

ReportDir::ReportDir(std::string dir, bool resume) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw sim::InputError(dir_ + ": cannot create directory: " + ec.message());
  const std::string index = (fs::path(dir_) / "index.json").string();
  if (!resume || !fs::exists(index)) return;
  const nlohmann::json doc = sim::read_json_file(index, sim::kIndexInput);
  const sim::JsonIn in(doc, index);
  if (!doc.is_object() || doc.value("format", nlohmann::json()) != kIndexFormat)
    in.error(fmt::format("not the index of a kvmsim report directory (\"format\" is not \"{}\")",
                         kIndexFormat));
  in.expect_object({"format", "version", "signatures"});
  if (in.at("version").u64() != kIndexVersion)
    in.at("version").error(fmt::format("format version {} is not the one this kvmsim reads ({})",
                                       in.at("version").u64(), kIndexVersion));
  for (const sim::JsonIn& g : in.at("signatures").items()) {
    g.expect_object({"scenario", "variant", "signature", "report", "first_seed", "seeds"});
    groups_.push_back(Group{g.at("scenario").str(), g.at("variant").str(),
                            g.at("signature").str(), g.at("report").str(),
                            g.at("first_seed").u64(), g.at("seeds").u64()});
  }
}

void ReportDir::add(const model::Scenario& scenario, const model::SweepResult& r) {
  for (uint64_t seed : r.failing_seeds) {
    const sim::Trace t =
        model::record_execution(scenario, model::find_variant(r.variant), seed, kTool, r.strategy);
    const std::string signature = sim::violation_signature(t);
    const auto same = [&](const Group& g) {
      return g.scenario == scenario.name && g.variant == r.variant;
    };
    auto it = std::find_if(groups_.begin(), groups_.end(), [&](const Group& g) {
      return same(g) && g.signature == signature;
    });
    if (it == groups_.end()) {
      const auto n = std::count_if(groups_.begin(), groups_.end(), same);
      const std::string stem = fmt::format("{}-{}-{}", scenario.name, r.variant, n + 1);
      groups_.push_back(Group{scenario.name, r.variant, signature, stem + ".html", UINT64_MAX, 0});
      it = groups_.end() - 1;
    }
    // The first seed's report: a resumed sweep may find a lower one.
    if (seed < it->first_seed) {
      const fs::path stem = fs::path(dir_) / fs::path(it->report).stem();
      const std::string trace_path = stem.string() + ".json";
      sim::write_trace(t, trace_path);
      sim::write_file_atomically(stem.string() + ".html", html_report(t, trace_path, true));
      it->first_seed = seed;
    }
    ++it->count;
  }
  write_index();  // so that an interrupted sweep leaves an index of what it found
}

std::string ReportDir::write_index() const {
  nlohmann::json signatures = nlohmann::json::array();
  std::string rows;
  for (const Group& g : groups_) {
    signatures.push_back({{"scenario", g.scenario},
                          {"variant", g.variant},
                          {"signature", g.signature},
                          {"report", g.report},
                          {"first_seed", g.first_seed},
                          {"seeds", g.count}});
    rows += fmt::format(
        "<tr><td>{}</td><td>{}</td><td><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td></tr>\n",
        sim::html_escape(g.scenario), sim::html_escape(g.variant), sim::html_escape(g.report),
        sim::html_escape(g.signature), g.count, g.first_seed);
  }
  sim::write_file_atomically(
      (fs::path(dir_) / "index.json").string(),
      output_document(kIndexFormat, kIndexVersion, {{"signatures", signatures}}).dump(2) + "\n");
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

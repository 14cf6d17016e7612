// SPDX-License-Identifier: GPL-2.0-only
// Sweep reports: read as `kvmsim merge` and `kvmsim sweep --resume` read
// them, folded into a copy of themselves, checked against themselves as a
// resumption is, and printed as merge prints them (in every format; run
// the fuzzer with -close_fd_mask=1 to keep the output out of its log).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>

#include "input_file.hpp"
#include "sim/json_input.hpp"
#include "tools/kvmsim/sweep_report.hpp"

namespace {

void print(const kvmsim::SweepReport& report, kvmsim::OutputFormat format) {
  kvmsim::SweepPrinter printer(format, report.param_specs, report.shard);
  for (const kvmsim::ScenarioSweep& s : report.scenarios) printer.add(s);
  printer.finish(report, false, std::nullopt);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::InputFile file;
  file.write(data, size);
  // What the CLI reports as bad input (exit 2) is a correct answer; any
  // other exception escapes and is a finding.
  try {
    const kvmsim::SweepReport report = kvmsim::read_report(file.path());
    kvmsim::report_json(report).dump();
    for (const kvmsim::ScenarioSweep& s : report.scenarios) {
      kvmsim::planned_seeds(s, report.shard);
      for (const auto& r : s.variants) kvmsim::run_command(s, r);
    }
    for (auto format : {kvmsim::OutputFormat::text, kvmsim::OutputFormat::json,
                        kvmsim::OutputFormat::matrix})
      print(report, format);
    kvmsim::check_same_sweep(report, report, file.path());
    kvmsim::SweepReport merged = report;
    kvmsim::merge_reports(merged, report, file.path());
    print(merged, kvmsim::OutputFormat::text);
  } catch (const sim::InputError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
// kvmsim merge: the reports of shards (or of any split of the seeds) folded
// into the report of one run, printed exactly as that run prints it.
#include <fmt/format.h>

#include "commands.hpp"
#include "output_paths.hpp"
#include "sweep_report.hpp"

namespace kvmsim {

int cmd_merge(const MergeArgs& args) {
  Outputs().file("--report", args.report).file("--junit", args.junit).check(args.reports);
  SweepReport merged = read_report(args.reports.at(0));
  // A merge is judged against the whole seed range of each scenario, not
  // the shard of one report: a shard no report covered is MISSING, and the
  // merge INCOMPLETE.
  merged.shard.reset();
  for (size_t i = 1; i < args.reports.size(); ++i)
    merge_reports(merged, read_report(args.reports[i]), args.reports[i]);
  const OutputFormat format = args.json     ? OutputFormat::json
                              : args.matrix ? OutputFormat::matrix
                                            : OutputFormat::text;
  SweepPrinter printer(format, merged.param_specs, merged.shard);
  for (const ScenarioSweep& s : merged.scenarios) printer.add(s);
  if (args.report) write_report(merged, *args.report);
  return printer.finish(merged, false, args.junit);
}

}  // namespace kvmsim

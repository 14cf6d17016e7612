// kvmsim: deterministic simulation of KVM vCPU / memslot races.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "sim/json_input.hpp"

int main(int argc, char** argv) {
  CLI::App app{"kvmsim: deterministic simulator of KVM vCPU and memslot races", "kvmsim"};
  app.set_version_flag("--version", kvmsim::kTool);
  app.require_subcommand(1);

  kvmsim::SweepArgs sweep;
  auto* s = app.add_subcommand("sweep", "run scenarios over seeds at every expected variant");
  s->add_option("scenarios", sweep.scenarios, "scenario files or directories of them")
      ->required();
  s->add_option("--seeds", sweep.seeds, "seed range A..B (inclusive); default: the scenario's");
  s->add_option("--variant", sweep.variant, "only this variant");
  s->add_option("--strategy", sweep.strategy,
                 "random, or pct:D (PCT with bug depth D); default: each scenario's");
  s->add_option("--jobs,-j", sweep.jobs, "run seeds on N OS threads (results do not depend on N)")
      ->check(CLI::Range(1u, 1024u));
  s->add_option("--shard", sweep.shard, "K/N: run only shard K (1-based) of N of every seed range");
  s->add_option("--report", sweep.report, "write the JSON report here (for kvmsim merge)");
  s->add_option("--resume", sweep.resume, "continue the partial report of an interrupted sweep");
  s->add_option("--junit", sweep.junit, "write JUnit XML: a test case per scenario and variant");
  s->add_flag("--check-determinism", sweep.check_determinism,
              "run every seed twice and compare the trace hashes");
  s->add_option("--traces", sweep.traces,
                 "re-run each variant's first failing seed with recording and write its trace here");
  s->add_option("--report-dir", sweep.report_dir,
                 "write an HTML report per distinct violation signature and an index.html here");
  s->add_option("--param", sweep.params,
                 "NAME=V1,V2,...: run at each value of a scenario parameter (repeatable: every "
                 "combination) and show how the metrics grow");
  s->add_flag("--json", sweep.json, "print one JSON object");
  s->add_flag("--matrix", sweep.matrix,
              "print only a Markdown table of the verdicts: scenarios by kernel states")
      ->excludes(s->get_option("--json"));

  kvmsim::RunArgs run;
  auto* r = app.add_subcommand("run", "run one execution and show its timeline");
  r->add_option("scenario", run.scenario, "scenario file")->required();
  r->add_option("--variant", run.variant, "kernel variant (see 'kvmsim variants')")->required();
  r->add_option("--seed", run.seed, "strategy seed")->required();
  r->add_option("--strategy", run.strategy, "random or pct:D; default: the scenario's");
  r->add_option("--trace", run.trace, "write the trace JSON here");
  r->add_option("--param", run.params, "NAME=V: set a scenario parameter (repeatable)");

  kvmsim::ReplayArgs replay;
  auto* p = app.add_subcommand("replay", "re-run a recorded trace and check every event");
  p->add_option("trace", replay.trace, "trace file")->required();
  p->add_option("--continue", replay.continue_with,
                "random or pct:D: after the first divergence, finish under this strategy");

  kvmsim::MergeArgs merge;
  auto* m = app.add_subcommand("merge", "combine shard reports into the report of one run");
  m->add_option("reports", merge.reports, "JSON reports written by sweep --report")->required();
  m->add_option("--report", merge.report, "write the merged JSON report here");
  m->add_option("--junit", merge.junit, "write JUnit XML here");
  m->add_flag("--json", merge.json, "print one JSON object");
  m->add_flag("--matrix", merge.matrix, "print only the Markdown verdict table")
      ->excludes(m->get_option("--json"));

  kvmsim::ExploreArgs explore;
  auto* x = app.add_subcommand(
      "explore", "run every schedule with at most K preemptions (bounded exhaustive search)");
  x->add_option("scenario", explore.scenario, "scenario file")->required();
  x->add_option("--variant", explore.variant, "kernel variant")->required();
  x->add_option("--preemptions,-k", explore.preemptions, "preemption bound K")
      ->capture_default_str();
  x->add_option("--max-schedules", explore.max_schedules, "stop after this many schedules");
  x->add_option("--reduction", explore.reduction, "sleep-sets or none")
      ->check(CLI::IsMember({"sleep-sets", "none"}))
      ->capture_default_str();
  x->add_option("--trace", explore.trace, "write the first failing schedule's trace here");
  x->add_option("--param", explore.params, "NAME=V: set a scenario parameter (repeatable)");
  x->add_flag("--json", explore.json, "print one JSON object");

  kvmsim::MinimizeArgs minimize;
  auto* z = app.add_subcommand(
      "minimize", "shrink a failing trace to the fewest preemptions, then the fewest steps");
  z->add_option("trace", minimize.trace, "failing trace file")->required();
  z->add_option("-o,--output", minimize.output, "write the minimized trace here")->required();

  kvmsim::BisectArgs bisect;
  auto* b = app.add_subcommand(
      "bisect", "run the kernel states in history order: where each violation appears and goes");
  b->add_option("scenario", bisect.scenario, "scenario file")->required();
  b->add_option("--seeds", bisect.seeds, "seed range A..B (inclusive); default: the scenario's");
  b->add_option("--strategy", bisect.strategy, "random or pct:D; default: the scenario's");
  b->add_option("--param", bisect.params, "NAME=V: set a scenario parameter (repeatable)");
  b->add_flag("--json", bisect.json, "print one JSON object");

  kvmsim::EquivArgs equiv;
  auto* q = app.add_subcommand("equiv", "compare two variants' events under the same schedules");
  q->add_option("scenario", equiv.scenario, "scenario file")->required();
  q->add_option("--variants", equiv.variants, "the two variants to compare: A,B")->required();
  q->add_option("--seeds", equiv.seeds, "seed range A..B (inclusive); default: the scenario's");
  q->add_flag("--json", equiv.json, "print one JSON object");

  bool variants_json = false;
  bool variants_notes = false;
  auto* v = app.add_subcommand("variants", "list the kernel variants in history order");
  v->add_flag("--json", variants_json, "print JSON");
  v->add_flag("--notes", variants_notes, "also print what each kernel state was modeled from");

  kvmsim::RenderArgs render;
  auto* d = app.add_subcommand("render", "render a trace: a kernel-style table, graph or timeline");
  d->add_option("trace", render.trace, "trace file")->required();
  d->add_option("--format", render.format, "timeline, dot, svg, perfetto or html")->capture_default_str();
  d->add_option("-o,--output", render.output, "write here (atomically) instead of stdout");
  auto* focus = d->add_flag("--focus", render.focus,
                            "only the steps that matter to the verdict (default for failing traces)");
  d->add_flag("--full", render.full, "every step")->excludes(focus);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }

  try {
    if (*s) return kvmsim::cmd_sweep(sweep);
    if (*r) return kvmsim::cmd_run(run);
    if (*p) return kvmsim::cmd_replay(replay);
    if (*m) return kvmsim::cmd_merge(merge);
    if (*x) return kvmsim::cmd_explore(explore);
    if (*z) return kvmsim::cmd_minimize(minimize);
    if (*b) return kvmsim::cmd_bisect(bisect);
    if (*q) return kvmsim::cmd_equiv(equiv);
    if (*d) return kvmsim::cmd_render(render);
    if (*v) return kvmsim::cmd_variants(variants_json, variants_notes);
  } catch (const sim::InputError& e) {
    fmt::print(stderr, "kvmsim: error: {}\n", e.what());
    return 2;
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "kvmsim: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    // Not the user's input (a Graphviz or file-system failure, an internal
    // error): still a message and a status, never an abort.
    fmt::print(stderr, "kvmsim: error: {}\n", e.what());
    return 3;
  }
  return 2;
}

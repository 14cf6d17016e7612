// SPDX-License-Identifier: GPL-2.0-only
#include "cli.hpp"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "did_you_mean.hpp"
#include "variant_options.hpp"
#include "sim/json_input.hpp"

namespace kvmsim {
namespace {

// A subcommand and what it runs. Each block below owns its parsed values
// (shared with the lambda that runs the command), so a new subcommand is one
// more block and nothing else.
CLI::App* add_command(Cli& cli, const std::string& name, const std::string& description,
                      std::function<int()> run) {
  CLI::App* sub = cli.app.add_subcommand(name, description);
  cli.commands.push_back({sub, std::move(run)});
  return sub;
}

// `kvmsim help [COMMAND]`: what `kvmsim [COMMAND] --help` prints, on
// stdout, status 0. (App::help() would describe the help command itself:
// it is the subcommand parsed.)
int print_help(const CLI::App& app, const std::optional<std::string>& topic) {
  if (!topic) {
    fmt::print("{}", app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal));
    return 0;
  }
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == *topic) {
      fmt::print("{}", sub->get_formatter()->make_help(sub, app.get_name() + " " + sub->get_name(),
                                                       CLI::AppFormatMode::Normal));
      return 0;
    }
  }
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  const std::string hint = did_you_mean_text(*topic, names);
  throw sim::InputError(fmt::format("help: no command '{}'{}", *topic,
                                    hint.empty() ? "" : " (" + hint + ")"));
}

}  // namespace

std::unique_ptr<Cli> make_cli() {
  auto cli = std::make_unique<Cli>();
  CLI::App& app = cli->app;
  app.set_version_flag("--version", kTool);
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 as expected, or no violation; 1 an unexpected verdict, a violation, or a "
      "replay that no longer fits; 2 bad input; 3 any other failure (Graphviz, the file "
      "system); explore: 4 stopped by --max-schedules; sweep: 130 interrupted by SIGINT (Ctrl-C), "
      "143 by SIGTERM, its partial report written.");

  {
    auto a = std::make_shared<SweepArgs>();
    auto o = std::make_shared<VariantOptions>();
    auto* s = add_command(*cli, "sweep", "run scenarios over seeds at every expected variant",
                          [a, o] { configure_variants(*o); return cmd_sweep(*a); });
    add_variant_options(s, *o, true);
    s->add_option("scenarios", a->scenarios, "scenario files or directories of them")->required();
    s->add_option("--seeds", a->seeds, "seed range A..B (inclusive); default: the scenario's");
    s->add_option("--variant", a->variant, "only this variant");
    s->add_option("--strategy", a->strategy,
                  "random, or pct:D (PCT with bug depth D); default: each scenario's");
    s->add_option("--jobs,-j", a->jobs, "run seeds on N OS threads (results do not depend on N)")
        ->check(CLI::Range(1u, 1024u));
    s->add_option("--shard", a->shard, "K/N: run only shard K (1-based) of N of every seed range");
    s->add_option("--report", a->report, "write the JSON report here (for kvmsim merge)");
    s->add_option("--resume", a->resume, "continue the partial report of an interrupted sweep");
    s->add_option("--checkpoint-interval", a->checkpoint_interval,
                  "with --report: write the partial report every SECONDS while sweeping, so that "
                  "a killed sweep resumes from it")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    s->add_option("--junit", a->junit, "write JUnit XML: a test case per scenario and variant");
    s->add_flag("--check-determinism", a->check_determinism,
                "run every seed twice and compare the trace hashes");
    s->add_option("--traces", a->traces,
                  "re-run each variant's first failing seed with recording and write its trace here");
    s->add_option("--report-dir", a->report_dir,
                  "write an HTML report per distinct violation signature and an index.html here");
    s->add_option("--param", a->params,
                  "NAME=V1,V2,...: run at each value of a scenario parameter (repeatable: every "
                  "combination) and show how the metrics grow");
    s->add_flag("--json", a->json, "print one JSON object");
    s->add_flag("--matrix", a->matrix,
                "print only a Markdown table of the verdicts: scenarios by kernel states")
        ->excludes(s->get_option("--json"));
  }
  {
    auto a = std::make_shared<RunArgs>();
    auto o = std::make_shared<VariantOptions>();
    auto* r = add_command(*cli, "run", "run one execution and show its timeline",
                          [a, o] { configure_variants(*o); return cmd_run(*a); });
    add_variant_options(r, *o, true);
    r->add_option("scenario", a->scenario, "scenario file")->required();
    r->add_option("--variant", a->variant, "kernel variant (see 'kvmsim variants')")->required();
    r->add_option("--seed", a->seed, "strategy seed")->required();
    r->add_option("--strategy", a->strategy, "random or pct:D; default: the scenario's");
    r->add_option("--trace", a->trace, "write the trace JSON here");
    r->add_option("--param", a->params, "NAME=V: set a scenario parameter (repeatable)");
    auto* focus = r->add_flag("--focus", a->focus,
                              "only the steps that matter to the verdict (default for failing runs)");
    r->add_flag("--full", a->full, "every step")->excludes(focus);
  }
  {
    auto a = std::make_shared<ReplayArgs>();
    auto* p = add_command(*cli, "replay", "re-run a recorded trace and check every event",
                          [a] { return cmd_replay(*a); });
    p->add_option("trace", a->trace, "trace file")->required();
    p->add_option("--continue", a->continue_with,
                  "random or pct:D: after the first divergence, finish under this strategy");
  }
  {
    auto a = std::make_shared<MergeArgs>();
    auto o = std::make_shared<VariantOptions>();
    auto* m = add_command(*cli, "merge", "combine shard reports into the report of one run",
                          [a, o] { configure_variants(*o); return cmd_merge(*a); });
    add_variant_options(m, *o, false);
    m->add_option("reports", a->reports, "JSON reports written by sweep --report")->required();
    m->add_option("--report", a->report, "write the merged JSON report here");
    m->add_option("--junit", a->junit, "write JUnit XML here");
    m->add_flag("--json", a->json, "print one JSON object");
    m->add_flag("--matrix", a->matrix, "print only the Markdown verdict table")
        ->excludes(m->get_option("--json"));
  }
  {
    auto a = std::make_shared<ExploreArgs>();
    auto o = std::make_shared<VariantOptions>();
    auto* x = add_command(
        *cli, "explore", "run every schedule with at most K preemptions (bounded exhaustive search)",
        [a, o] { configure_variants(*o); return cmd_explore(*a); });
    add_variant_options(x, *o, true);
    x->add_option("scenario", a->scenario, "scenario file")->required();
    x->add_option("--variant", a->variant, "kernel variant")->required();
    x->add_option("--preemptions,-k", a->preemptions, "preemption bound K")->capture_default_str();
    x->add_option("--max-schedules", a->max_schedules, "stop after this many schedules");
    x->add_option("--reduction", a->reduction, "sleep-sets or none")
        ->check(CLI::IsMember({"sleep-sets", "none"}))
        ->capture_default_str();
    x->add_option("--trace", a->trace, "write the first failing schedule's trace here");
    x->add_option("--param", a->params, "NAME=V: set a scenario parameter (repeatable)");
    x->add_flag("--json", a->json, "print one JSON object");
    x->add_option("--checkpoint", a->checkpoint,
                  "write where the search is here at each completed level and on Ctrl-C");
    x->add_option("--resume", a->resume,
                  "go on from a checkpoint of the same search (the level it stopped in runs "
                  "again)");
  }
  {
    auto a = std::make_shared<MinimizeArgs>();
    auto* z = add_command(
        *cli, "minimize", "shrink a failing trace to the fewest preemptions, then the fewest steps",
        [a] { return cmd_minimize(*a); });
    z->add_option("trace", a->trace, "failing trace file")->required();
    z->add_option("-o,--output", a->output, "write the minimized trace here")->required();
  }
  {
    auto a = std::make_shared<BisectArgs>();
    auto o = std::make_shared<VariantOptions>();
    auto* b = add_command(
        *cli, "bisect", "run the kernel states in history order: where each violation appears and goes",
        [a, o] { configure_variants(*o); return cmd_bisect(*a); });
    add_variant_options(b, *o, true);
    b->add_option("scenario", a->scenario, "scenario file")->required();
    b->add_option("--seeds", a->seeds, "seed range A..B (inclusive); default: the scenario's");
    b->add_option("--strategy", a->strategy, "random or pct:D; default: the scenario's");
    b->add_option("--param", a->params, "NAME=V: set a scenario parameter (repeatable)");
    b->add_flag("--json", a->json, "print one JSON object");
  }
  {
    auto a = std::make_shared<EquivArgs>();
    auto o = std::make_shared<VariantOptions>();
    auto* q = add_command(*cli, "equiv", "compare two variants' events under the same schedules",
                          [a, o] { configure_variants(*o); return cmd_equiv(*a); });
    add_variant_options(q, *o, true);
    q->add_option("scenario", a->scenario, "scenario file")->required();
    q->add_option("--variants", a->variants, "the two variants to compare: A,B")->required();
    q->add_option("--seeds", a->seeds, "seed range A..B (inclusive); default: the scenario's");
    q->add_flag("--json", a->json, "print one JSON object");
  }
  {
    auto a = std::make_shared<VariantsArgs>();
    auto o = std::make_shared<VariantOptions>();
    auto* v = add_command(*cli, "variants", "list the kernel variants in history order",
                          [a, o] { configure_variants(*o); return cmd_variants(*a); });
    v->add_flag("--json", a->json, "print JSON");
    auto* notes =
        v->add_flag("--notes", a->notes, "also print what each kernel state was modeled from");
    auto* features =
        v->add_flag("--features", a->features, "print every feature's value at each state");
    v->add_option("--diff", a->diff, "A B: print the features two states differ in")
        ->expected(2)
        ->excludes(notes)
        ->excludes(features);
    add_variant_options(v, *o, true);
  }
  {
    auto a = std::make_shared<CheckArgs>();
    auto o = std::make_shared<VariantOptions>();
    auto* c = add_command(
        *cli, "check",
        "check scenario files without running them: kinds no execution can report, ioctls that "
        "always fail",
        [a, o] { configure_variants(*o); return cmd_check(*a); });
    add_variant_options(c, *o, false);
    c->add_option("scenarios", a->scenarios, "scenario files or directories of them")->required();
  }
  {
    auto a = std::make_shared<RenderArgs>();
    auto* d = add_command(*cli, "render",
                          "render a trace: a kernel-style table, graph or timeline",
                          [a] { return cmd_render(*a); });
    d->add_option("trace", a->trace, "trace file")->required();
    d->add_option("--format", a->format, "timeline, dot, svg, perfetto or html")
        ->capture_default_str();
    d->add_option("-o,--output", a->output, "write here (atomically) instead of stdout");
    auto* focus = d->add_flag("--focus", a->focus,
                              "only the steps that matter to the verdict (default for failing traces)");
    d->add_flag("--full", a->full, "every step")->excludes(focus);
  }
  {
    auto topic = std::make_shared<std::optional<std::string>>();
    auto* h = add_command(*cli, "help", "print this help, or the help of one command",
                          [&app, topic] { return print_help(app, *topic); });
    h->add_option("command", *topic, "the command to describe");
  }
  return cli;
}

}  // namespace kvmsim

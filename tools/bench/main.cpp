// SPDX-License-Identifier: GPL-2.0-only
// kvmsim-bench: throughput of the simulator, printed as one JSON object.
//   kvmsim-bench [--quick] [--scenario PATH]
//   kvmsim-bench --profile synthetic|VARIANT [--executions N] [--scenario PATH]
//     runs N executions untimed (for valgrind --tool=callgrind) and prints
//     how many decisions they took
//   kvmsim-bench --first-violation DIR [--ranges N] [--cap N] [--markdown]
//     schedules to the first violation per strategy (random, PCT d=1..3,
//     exhaustive K=1..3), for every scenario in DIR that expects one, and
//     the cost of the exhaustive search (K=1, 2) at the states expected
//     clean
#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <exception>
#include <nlohmann/json.hpp>
#include <thread>

#include "model/harness/scenario.hpp"
#include "model/harness/simulation.hpp"
#include "model/variants/variants.hpp"
#include "sim/strategy/random_strategy.hpp"
#include "first_violation.hpp"
#include "scenario_bench.hpp"
#include "workloads.hpp"

namespace {

constexpr int kPointsPerThread = 1000;

nlohmann::json min_max(const bench::Rate& r) { return {r.min, r.max}; }

nlohmann::json run_all(const std::string& scenario_path, bool quick) {
  const bench::Timing timing = quick ? bench::Timing{3, 0.05} : bench::Timing{7, 0.3};
  bench::SearchParams search;
  if (quick) search.ranges = 10;
  // Our CPU time over wall time: how much of the core other load left us.
  const std::clock_t cpu_start = std::clock();
  const auto wall_start = std::chrono::steady_clock::now();

  nlohmann::json decisions = nlohmann::json::object(), spread = nlohmann::json::object();
  for (int threads : {2, 4, 16}) {
    const bench::Rate r = bench::decisions_per_second(threads, kPointsPerThread, timing);
    decisions[std::to_string(threads)] = r.median;
    spread["decisions_per_second." + std::to_string(threads)] = min_max(r);
  }
  const bench::SyntheticResult synthetic = bench::synthetic_executions_per_second(timing);
  spread["synthetic_3x30_executions_per_second"] = min_max(synthetic.executions_per_second);

  const model::Scenario scenario = model::load_scenario(scenario_path);
  nlohmann::json scenarios = {{scenario.name, bench::bench_scenario(scenario, timing, search)}};
  const double cpu_share = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC /
                           bench::seconds_since(wall_start);
  return {
      {"decisions_per_second", decisions},
      {"synthetic_3x30_executions_per_second", synthetic.executions_per_second.median},
      {"synthetic_3x30_decisions_per_execution", synthetic.decisions_per_execution},
      {"scenarios", scenarios},
      {"min_max", spread},
      {"parameters",
       {{"points_per_thread", kPointsPerThread},
        {"seconds_per_repetition_at_least", timing.min_seconds},
        {"scenario", scenario_path},
        {"quick", quick}}},
      {"repetitions", timing.repetitions},
      {"machine",
       {{"nproc", std::thread::hardware_concurrency()},
        {"compiler", __VERSION__},
#ifdef NDEBUG
        {"ndebug", true},
#else
        {"ndebug", false},
#endif
        {"buildtype", KVMSIM_BUILDTYPE},
        {"cpu_share", cpu_share},
        {"note",
         "single-threaded: every figure is on one core; each is the median of "
         "'repetitions' timed runs (min and max in 'min_max'). cpu_share is this "
         "process's CPU time over wall time for the whole run: well below 1, other "
         "load took the core and every figure is low by about that factor"}}},
  };
}

// Seeds 0..executions-1, untimed: a fixed amount of work to count
// instructions of.
nlohmann::json profile(const std::string& what, uint64_t executions,
                       const std::string& scenario_path) {
  uint64_t decisions = 0, violations = 0;
  if (what == "synthetic") {
    bench::Synthetic synthetic;
    for (uint64_t i = 0; i < executions; ++i) decisions += synthetic.run_one().steps;
  } else {
    const model::Scenario scenario = model::load_scenario(scenario_path);
    sim::RandomStrategy strategy;
    model::Simulation simulation(scenario, model::find_variant(what), strategy, false);
    for (uint64_t seed = 0; seed < executions; ++seed) {
      const sim::Outcome out = simulation.run(seed);
      decisions += out.steps;
      violations += out.violation.has_value();
    }
  }
  return {{"profile", what}, {"executions", executions}, {"decisions", decisions},
          {"violations", violations}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kvmsim-bench: simulator throughput as one JSON object", "kvmsim-bench"};
  bool quick = false;
  std::string scenario = "scenarios/ee3d1570b586-mmio-cache-generation.json";
  std::string profiled;
  uint64_t executions = 10000;
  app.add_flag("--quick", quick, "fewer, shorter repetitions (smoke test)");
  app.add_option("--scenario", scenario, "scenario file")->capture_default_str();
  app.add_option("--profile", profiled,
                 "only run 'synthetic' or the scenario at this variant, untimed "
                 "(for valgrind --tool=callgrind)");
  app.add_option("--executions", executions, "executions for --profile")->capture_default_str();
  std::string first_violation_dir;
  bench::FirstViolationParams first;
  bool markdown = false;
  app.add_option("--first-violation", first_violation_dir,
                 "schedules to the first violation per strategy for the scenarios in this "
                 "directory");
  app.add_option("--ranges", first.ranges, "seed ranges per strategy (--first-violation)")
      ->capture_default_str();
  app.add_option("--cap", first.cap, "executions tried per range (--first-violation)")
      ->capture_default_str();
  app.add_flag("--markdown", markdown, "print the --first-violation table as Markdown");
  CLI11_PARSE(app, argc, argv);

  try {
    if (!first_violation_dir.empty()) {
      const std::vector<std::string> files = model::scenario_files({first_violation_dir});
      const nlohmann::json table = bench::first_violation_table(files, first);
      const nlohmann::json cost = bench::explore_cost_table(files, {1, 2}, first.max_schedules);
      if (markdown)
        std::printf("%s\n%s", bench::first_violation_markdown(table).c_str(),
                    bench::explore_cost_markdown(cost).c_str());
      else
        std::printf("%s\n", nlohmann::json{{"first_violation", table}, {"explore_fixed", cost}}
                                .dump(2)
                                .c_str());
      return 0;
    }
    const nlohmann::json out =
        profiled.empty() ? run_all(scenario, quick) : profile(profiled, executions, scenario);
    std::printf("%s\n", out.dump(2).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kvmsim-bench: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

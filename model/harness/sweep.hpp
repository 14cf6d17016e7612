// SPDX-License-Identifier: GPL-2.0-only
// A sweep: one scenario at one variant over a set of seeds, without
// recording; what it found, what it covered, and whether that is what the
// scenario expects. Results of disjoint seed sets merge into the result of
// their union, whichever way the seeds were split (over jobs, shards, or an
// interrupted run and its resumption).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/harness/scenario.hpp"
#include "sim/trace/trace.hpp"

namespace model {

// Seeds as sorted, disjoint inclusive intervals [first, second], adjacent
// ones joined: one spelling for every set, so equal sets compare equal.
using SeedIntervals = std::vector<std::pair<uint64_t, uint64_t>>;

// Adds [a, b] (a <= b) to `seeds`; false (and `seeds` unchanged) if any of
// them is already there.
bool add_seeds(SeedIntervals& seeds, uint64_t a, uint64_t b);
// The seeds of [begin, end] that are not in `seeds`.
SeedIntervals missing_seeds(const SeedIntervals& seeds, uint64_t begin, uint64_t end);
uint64_t count_seeds(const SeedIntervals& seeds);
// "0..249, 500..999", "7", or "none".
std::string seeds_text(const SeedIntervals& seeds);

// Shard k (1-based) of n of the seeds [begin, end]: contiguous parts in
// order, their sizes differing by at most one; nullopt for an empty part
// (more shards than seeds).
std::optional<std::pair<uint64_t, uint64_t>> shard_seeds(uint64_t begin, uint64_t end,
                                                         uint64_t k, uint64_t n);

// The range a metric took over the executions of a sweep (a metric an
// execution did not touch counts as 0 there).
struct MetricRange {
  uint64_t min = UINT64_MAX;
  uint64_t max = 0;
};

// A seed that ran two different ways (the determinism check): the trace
// hashes the check compared, and where both runs, recorded again, part, as
// text. Text, not the traces: a sweep report keeps it, and an interrupted
// sweep resumed, or shards merged, still say it.
struct Nondeterminism {
  uint64_t seed = 0;
  std::string first_hash, second_hash;
  std::string parting;  // lines, each ending in '\n'
};

struct SweepResult {
  std::string variant;
  uint64_t executions = 0;
  std::map<std::string, uint64_t> violations;  // by kind, sorted
  std::map<std::string, MetricRange> metrics;  // by name, sorted
  std::optional<uint64_t> first_failing_seed;
  std::vector<uint64_t> failing_seeds;  // sorted; kept only when asked for
  std::string expected;          // verdict text: the must-kinds ("clean": none)
  std::vector<std::string> may;  // the expectation's may-kinds: allowed, never required
  // Must-kinds that did not show up where the scenario does not promise
  // them (other seeds or another strategy than its own): reported, not a
  // failure.
  std::vector<std::string> not_seen;
  // Where the must-kinds are promised: the scenario's default seeds under
  // its default strategy (resolved, PCT's K filled in).
  uint64_t promised_begin = 0, promised_end = 0;
  std::string promised_strategy;
  // Executions that broke each relation of the expectation, by its text.
  std::map<std::string, uint64_t> broken_relations;
  std::string expected_metrics;  // "name=v name=a..b name>=a a==b"; empty if none
  // False for a variant the scenario expects nothing of, swept on request
  // (kvmsim sweep --variant V): what it found is reported and judged by
  // nothing, so `expected` is empty, `ok` holds and nothing is "not seen".
  bool has_expectation = true;
  bool ok = false;

  // What it covered.
  SeedIntervals seeds;
  uint64_t max_steps = 0;  // most scheduling decisions one execution took
  uint32_t threads = 0;    // modeled threads of the scenario
  std::string strategy;    // the strategy's name: "random", "pct:3:57"

  // The determinism check: seeds run twice, those that ran two ways, and
  // the lowest of them.
  uint64_t determinism_checked = 0;
  uint64_t nondeterministic = 0;
  std::optional<Nondeterminism> first_nondeterministic;
};

// Folds `from` into `into`: counts add up, ranges widen, the lowest failing
// seed wins, either one without an expectation makes the fold one without,
// and `ok` is re-judged against `expectation`. Associative and
// commutative, so a result never depends on how its seeds were split. The
// seed sets must be disjoint (std::invalid_argument otherwise).
void merge(SweepResult& into, const SweepResult& from, const Expectation& expectation);

struct SweepOptions {
  // The strategy spec ("random", "pct:3"); empty: the scenario's.
  std::string strategy;
  unsigned jobs = 1;  // OS threads, each with its own Simulation and strategy
  bool keep_failing_seeds = false;
  // Run every seed a second time in a fresh Simulation and compare the
  // hashes of the two traces, computed as they run (no events are kept);
  // a seed whose hashes differ is run twice more, recorded, to show where.
  bool check_determinism = false;
  // False for a variant the scenario expects nothing of: `expectation`
  // then only names the variant (expectation_for), and the result has none.
  bool has_expectation = true;
  // The state to run; null: find_variant(expectation.variant). bisect sets
  // it to run a state as defined, without the --feature overrides.
  const Variant* variant = nullptr;
  // Checked before every execution and within each (sim::ExecutionOptions::
  // stop): once set, the jobs stop and the result covers the seeds they
  // finished.
  const std::atomic<bool>* stop = nullptr;
  // Told of executions as they finish (in batches, from any job's thread).
  std::function<void(uint64_t executions, uint64_t violations)> progress;
};

// The strategy's full name for a scenario at a variant: PCT's calibrated K
// filled in, so that every job, shard and resumption runs the same one.
std::string resolve_strategy(const Scenario& scenario, const Variant& variant,
                             const std::string& spec);

// The scenario's expectation of `variant`; nullptr if it expects nothing of it.
const Expectation* find_expectation(const Scenario& scenario, const std::string& variant);

// What a sweep of `variant` runs under: the scenario's expectation of it,
// or, if it expects nothing of it, the variant alone (nothing required,
// allowed, bounded or related) for a sweep without an expectation.
Expectation expectation_for(const Scenario& scenario, const std::string& variant);

SweepResult sweep_seeds(const Scenario& scenario, const Expectation& expectation,
                        const SeedIntervals& seeds, const SweepOptions& options);

SweepResult sweep_variant(const Scenario& scenario, const Expectation& expectation,
                          uint64_t seed_begin, uint64_t seed_end,
                          bool keep_failing_seeds = false);

// Does what a sweep found meet the expectation? No kind that is neither a
// must- nor a may-kind may show up. A must-kind must show up at least once
// if the sweep covered the seeds the scenario promises it for (its
// default range, or more) under its default strategy; elsewhere luck
// decides, so a missing one is only "not seen". Every metric bound and
// relation must hold in every execution. A result without an expectation
// meets it, whatever it found: nothing was asked of it.
bool meets(const SweepResult& result, const Expectation& expectation);

// Sets result.ok and result.not_seen by `expectation` (as meets judges).
void judge(SweepResult& result, const Expectation& expectation);

// Fills in where `scenario` promises the must-kinds of `expectation`, and
// its may-kinds, then judges: every sweep starts from it, and a result read
// back from a report, which does not carry them, needs it.
void promise(SweepResult& result, const Scenario& scenario, const Expectation& expectation);

// Is `result` the sweep the scenario promises its must-kinds for?
bool covers_promise(const SweepResult& result);

// "kind: count" per violation kind, comma separated; "-" if none.
std::string violations_text(const SweepResult& r);

// An expectation as the sweep's table and JUnit say it: its verdict text
// ("clean", "a+b"), then ", may c+d" when it allows kinds.
std::string expected_text(const std::string& verdict, const std::vector<std::string>& may);

// "name=v" or "name=min..max" per metric, space separated; "-" if none.
std::string metrics_text(const std::map<std::string, MetricRange>& metrics);

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
#include "model/harness/sweep.hpp"

#include <algorithm>
#include <exception>
#include <iterator>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "model/harness/exploration.hpp"
#include "model/harness/simulation.hpp"
#include "model/variants/variants.hpp"
#include "sim/strategy/strategy.hpp"
#include "sim/trace/trace_diff.hpp"

namespace model {

namespace {

std::string range_text(uint64_t min, uint64_t max) {
  return min == max ? std::to_string(min) : fmt::format("{}..{}", min, max);
}

// Folds one execution's metrics into the ranges. A metric first seen now
// was 0 in the executions before.
void fold(std::map<std::string, MetricRange>& ranges, const sim::Metrics& m, bool first) {
  for (const auto& [name, value] : m.values()) {
    auto [it, inserted] = ranges.try_emplace(name);
    if (inserted && !first) it->second.min = 0;
  }
  for (auto& [name, range] : ranges) {
    const uint64_t v = m.get(name);
    range.min = std::min(range.min, v);
    range.max = std::max(range.max, v);
  }
}

// The seeds of `seeds` from the `skip`-th on, `count` of them, in order.
SeedIntervals slice(const SeedIntervals& seeds, uint64_t skip, uint64_t count) {
  SeedIntervals out;
  for (const auto& [a, b] : seeds) {
    if (count == 0) break;
    const uint64_t size = b - a + 1;
    if (skip >= size) {
      skip -= size;
      continue;
    }
    const uint64_t first = a + skip;
    const uint64_t last = first + std::min(count, b - first + 1) - 1;
    out.emplace_back(first, last);
    count -= last - first + 1;
    skip = 0;
  }
  return out;
}

// What a sweep of `expectation` starts from before any execution.
SweepResult empty_result(const Scenario& scenario, const Expectation& expectation,
                         const std::string& strategy, bool has_expectation) {
  SweepResult r;
  r.variant = expectation.variant;
  r.has_expectation = has_expectation;
  if (has_expectation) r.expected = expectation.verdict();
  std::vector<std::string> expected;
  for (const MetricBound& b : expectation.metrics)
    expected.push_back(b.max == UINT64_MAX ? fmt::format("{}>={}", b.metric, b.min)
                                           : fmt::format("{}={}", b.metric, range_text(b.min, b.max)));
  for (const MetricRelation& rel : expectation.relations) expected.push_back(rel.text());
  r.expected_metrics = fmt::format("{}", fmt::join(expected, " "));
  r.threads = static_cast<uint32_t>(scenario.threads.size());
  r.strategy = strategy;
  promise(r, scenario, expectation);
  return r;
}

// The determinism check keeps only hashes: to show where a seed's two runs
// part, both run again, recorded: the first on the same Simulation (what
// state it carries from one execution to the next is still there), the
// second on a fresh one, as in the check.
Nondeterminism record_both(Simulation& simulation, const Scenario& scenario,
                           const Variant& variant, sim::Strategy& again, uint64_t seed,
                           const std::string& first_hash, const std::string& second_hash) {
  simulation.set_hash_only(false);
  simulation.run(seed);
  const sim::Trace first = simulation.trace(seed, "");
  simulation.set_hash_only(true);
  Simulation fresh(scenario, variant, again, true);
  fresh.run(seed);
  const sim::Trace second = fresh.trace(seed, "");
  std::string parting;
  if (const auto d = sim::first_difference(first, second))
    parting = sim::describe(*d, "first run", "second run");
  else if (first.hash() == second.hash())
    parting = fmt::format("  (run again recorded, the seed ran the same way twice; the check's "
                          "trace hashes were {} and {})\n",
                          first_hash, second_hash);
  else
    parting = "  (the traces differ only in what their hashes cover)\n";
  return {seed, first_hash, second_hash, std::move(parting)};
}

// One job: the seeds of `chunk` in order on this OS thread, with its own
// Simulation (the engine's worker pool and interned names are per thread).
// `start` is the sweep's empty result (its promise resolved once).
SweepResult run_chunk(const Scenario& scenario, const Expectation& expectation,
                      sim::Strategy& strategy, const SeedIntervals& chunk,
                      const SweepOptions& options, const SweepResult& start) {
  const Variant& variant = options.variant ? *options.variant : find_variant(expectation.variant);
  SweepResult r = start;
  Simulation simulation(scenario, variant, strategy, options.check_determinism,
                        /*hash_only=*/true);
  simulation.set_stop(options.stop);
  // The second run of each seed: a fresh Simulation, so state one
  // execution leaks into the next shows up too.
  std::unique_ptr<sim::Strategy> again;
  if (options.check_determinism) again = make_scenario_strategy(scenario, variant, r.strategy);
  constexpr uint64_t kBatch = 256;  // executions per progress report
  uint64_t batch = 0, batch_violations = 0;
  const auto report = [&] {
    if (options.progress && batch) options.progress(batch, batch_violations);
    batch = batch_violations = 0;
  };
  bool stopped = false;
  for (const auto& [a, b] : chunk) {
    uint64_t seed = a;
    for (;; ++seed) {
      if (options.stop && options.stop->load(std::memory_order_relaxed)) {
        stopped = true;
        break;
      }
      const sim::Outcome out = simulation.run(seed);
      // Stopped midway: not covered, so --resume runs it again.
      if (out.interrupted) {
        stopped = true;
        break;
      }
      const sim::Metrics& metrics = simulation.execution().metrics();
      fold(r.metrics, metrics, r.executions == 0);
      for (const MetricRelation& rel : expectation.relations)
        if (!rel.holds(metrics.get(rel.left), metrics.get(rel.right)))
          ++r.broken_relations[rel.text()];
      ++r.executions;
      r.max_steps = std::max(r.max_steps, out.steps);
      if (out.violation) {
        ++r.violations[out.violation->kind];
        if (!r.first_failing_seed) r.first_failing_seed = seed;
        if (options.keep_failing_seeds) r.failing_seeds.push_back(seed);
        ++batch_violations;
      }
      if (options.check_determinism) {
        Simulation fresh(scenario, variant, *again, true, /*hash_only=*/true);
        fresh.run(seed);
        ++r.determinism_checked;
        const std::string& first = simulation.execution().trace_hash();
        const std::string& second = fresh.execution().trace_hash();
        if (first != second) {
          ++r.nondeterministic;
          if (!r.first_nondeterministic)
            r.first_nondeterministic = record_both(simulation, scenario, variant, *again, seed,
                                                   first, second);
        }
      }
      if (++batch == kBatch) report();
      if (seed == b) break;
    }
    if (!stopped) {
      add_seeds(r.seeds, a, b);
      continue;
    }
    if (seed > a) add_seeds(r.seeds, a, seed - 1);
    break;
  }
  report();
  judge(r, expectation);
  return r;
}

// The range of a metric over the executions of `r`: one it has no range
// for was 0 in each of them (and has no range if there were none).
MetricRange range_of(const SweepResult& r, const std::string& metric) {
  const auto it = r.metrics.find(metric);
  if (it != r.metrics.end()) return it->second;
  return r.executions ? MetricRange{0, 0} : MetricRange{};
}

}  // namespace

bool add_seeds(SeedIntervals& seeds, uint64_t a, uint64_t b) {
  // The first interval that does not end before a: the only one [a, b] can
  // overlap first.
  auto it = std::lower_bound(seeds.begin(), seeds.end(), a,
                             [](const auto& iv, uint64_t x) { return iv.second < x; });
  if (it != seeds.end() && it->first <= b) return false;
  it = seeds.insert(it, {a, b});
  if (it != seeds.begin() && std::prev(it)->second + 1 == a) {  // touches the one before
    std::prev(it)->second = b;
    it = std::prev(seeds.erase(it));
  }
  if (auto next = std::next(it); next != seeds.end() && it->second + 1 == next->first) {
    it->second = next->second;
    seeds.erase(next);
  }
  return true;
}

SeedIntervals missing_seeds(const SeedIntervals& seeds, uint64_t begin, uint64_t end) {
  SeedIntervals out;
  uint64_t at = begin;  // the first seed not yet accounted for
  for (const auto& [a, b] : seeds) {
    if (b < at) continue;
    if (a > end) break;
    if (a > at) out.emplace_back(at, a - 1);
    if (b >= end) return out;
    at = b + 1;
  }
  out.emplace_back(at, end);
  return out;
}

uint64_t count_seeds(const SeedIntervals& seeds) {
  uint64_t n = 0;
  for (const auto& [a, b] : seeds) n += b - a + 1;
  return n;
}

std::string seeds_text(const SeedIntervals& seeds) {
  if (seeds.empty()) return "none";
  std::vector<std::string> parts;
  for (const auto& [a, b] : seeds) parts.push_back(range_text(a, b));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::optional<std::pair<uint64_t, uint64_t>> shard_seeds(uint64_t begin, uint64_t end,
                                                         uint64_t k, uint64_t n) {
  using u128 = unsigned __int128;
  const u128 size = u128(end) - begin + 1;
  const u128 first = begin + size * (k - 1) / n;
  const u128 next = begin + size * k / n;  // the first seed of shard k + 1
  if (first == next) return std::nullopt;
  return std::pair{static_cast<uint64_t>(first), static_cast<uint64_t>(next - 1)};
}

void merge(SweepResult& into, const SweepResult& from, const Expectation& expectation) {
  for (const auto& [a, b] : from.seeds)
    if (!add_seeds(into.seeds, a, b))
      throw std::invalid_argument(
          fmt::format("merge: seeds {} of variant {} were swept twice", range_text(a, b),
                      from.variant));
  std::map<std::string, MetricRange> metrics;
  for (const auto& [name, range] : into.metrics) metrics[name];
  for (const auto& [name, range] : from.metrics) metrics[name];
  for (auto& [name, range] : metrics) {
    const MetricRange a = range_of(into, name), b = range_of(from, name);
    range = {std::min(a.min, b.min), std::max(a.max, b.max)};
  }
  into.metrics = std::move(metrics);
  into.executions += from.executions;
  for (const auto& [kind, n] : from.violations) into.violations[kind] += n;
  for (const auto& [relation, n] : from.broken_relations) into.broken_relations[relation] += n;
  if (from.first_failing_seed)
    into.first_failing_seed = std::min(into.first_failing_seed.value_or(UINT64_MAX),
                                       *from.first_failing_seed);
  std::vector<uint64_t> failing;
  std::merge(into.failing_seeds.begin(), into.failing_seeds.end(), from.failing_seeds.begin(),
             from.failing_seeds.end(), std::back_inserter(failing));
  into.failing_seeds = std::move(failing);
  into.has_expectation = into.has_expectation && from.has_expectation;
  into.max_steps = std::max(into.max_steps, from.max_steps);
  into.threads = std::max(into.threads, from.threads);
  for (auto [mine, theirs] : {std::pair{&into.variant, &from.variant},
                              std::pair{&into.expected, &from.expected},
                              std::pair{&into.expected_metrics, &from.expected_metrics},
                              std::pair{&into.strategy, &from.strategy}})
    if (mine->empty()) *mine = *theirs;
  into.determinism_checked += from.determinism_checked;
  if (into.may.empty()) into.may = from.may;
  if (into.promised_strategy.empty()) {
    into.promised_strategy = from.promised_strategy;
    into.promised_begin = from.promised_begin;
    into.promised_end = from.promised_end;
  }
  into.nondeterministic += from.nondeterministic;
  if (from.first_nondeterministic &&
      (!into.first_nondeterministic ||
       from.first_nondeterministic->seed < into.first_nondeterministic->seed))
    into.first_nondeterministic = from.first_nondeterministic;
  judge(into, expectation);
}

bool covers_promise(const SweepResult& result) {
  return !result.promised_strategy.empty() && result.strategy == result.promised_strategy &&
         missing_seeds(result.seeds, result.promised_begin, result.promised_end).empty();
}

void judge(SweepResult& result, const Expectation& expectation) {
  result.not_seen.clear();
  // Only an empty shard covers no seeds (--shard K/N of fewer than N):
  // nothing to judge; the merge of the shards is judged.
  result.ok = result.seeds.empty() || meets(result, expectation);
  if (!result.has_expectation || covers_promise(result)) return;
  for (const auto& k : expectation.kinds)
    if (result.violations.count(k) == 0) result.not_seen.push_back(k);
}

void promise(SweepResult& result, const Scenario& scenario, const Expectation& expectation) {
  result.may = expectation.may;
  result.promised_begin = scenario.exploration.seed_begin;
  result.promised_end = scenario.exploration.seed_end;
  // The name the sweep ran under is already resolved; the default spec is
  // calibrated only when it is PCT without K and differs.
  result.promised_strategy =
      scenario.exploration.strategy == result.strategy
          ? result.strategy
          : resolve_strategy(scenario, find_variant(result.variant), scenario.exploration.strategy);
  judge(result, expectation);
}

bool meets(const SweepResult& result, const Expectation& expectation) {
  if (!result.has_expectation) return true;
  for (const auto& [kind, count] : result.violations)
    if (!expectation.allows(kind)) return false;
  if (covers_promise(result))
    for (const auto& k : expectation.kinds)
      if (result.violations.count(k) == 0) return false;
  for (const MetricBound& b : expectation.metrics) {
    auto it = result.metrics.find(b.metric);
    const MetricRange r = it == result.metrics.end() ? MetricRange{0, 0} : it->second;
    if (r.min < b.min || r.max > b.max) return false;
  }
  return result.broken_relations.empty();
}

std::string expected_text(const std::string& verdict, const std::vector<std::string>& may) {
  return may.empty() ? verdict : fmt::format("{}, may {}", verdict, fmt::join(may, "+"));
}

std::string violations_text(const SweepResult& r) {
  if (r.violations.empty()) return "-";
  std::string s;
  for (const auto& [kind, n] : r.violations)
    s += fmt::format("{}{}: {}", s.empty() ? "" : ", ", kind, n);
  return s;
}

std::string metrics_text(const std::map<std::string, MetricRange>& metrics) {
  std::string s;
  for (const auto& [name, r] : metrics)
    s += fmt::format("{}{}={}", s.empty() ? "" : " ", name, range_text(r.min, r.max));
  return s.empty() ? "-" : s;
}

std::string resolve_strategy(const Scenario& scenario, const Variant& variant,
                             const std::string& spec) {
  return make_scenario_strategy(scenario, variant, spec)->name();
}

const Expectation* find_expectation(const Scenario& scenario, const std::string& variant) {
  for (const Expectation& e : scenario.expect)
    if (e.variant == variant) return &e;
  return nullptr;
}

Expectation expectation_for(const Scenario& scenario, const std::string& variant) {
  if (const Expectation* e = find_expectation(scenario, variant)) return *e;
  Expectation none;
  none.variant = variant;
  return none;
}

SweepResult sweep_seeds(const Scenario& scenario, const Expectation& expectation,
                        const SeedIntervals& seeds, const SweepOptions& options) {
  const Variant& variant = options.variant ? *options.variant : find_variant(expectation.variant);
  // Calibrated once: every job then builds the same strategy from its name.
  std::unique_ptr<sim::Strategy> first = make_scenario_strategy(
      scenario, variant, options.strategy.empty() ? scenario.exploration.strategy : options.strategy);
  const std::string name = first->name();
  const uint64_t total = count_seeds(seeds);
  // Where the must-kinds are promised is resolved here, once: for a PCT
  // default that is another calibration.
  const SweepResult start = empty_result(scenario, expectation, name, options.has_expectation);
  if (total == 0) return start;
  const uint64_t jobs = std::max<uint64_t>(1, std::min<uint64_t>(options.jobs, total));
  std::vector<SeedIntervals> chunks;
  for (uint64_t j = 0; j < jobs; ++j) {
    // In 128 bits: total * jobs overflows 64 for ranges of more than 2^54 seeds.
    using u128 = unsigned __int128;
    const auto from = static_cast<uint64_t>(u128(total) * j / jobs);
    const auto to = static_cast<uint64_t>(u128(total) * (j + 1) / jobs);
    chunks.push_back(slice(seeds, from, to - from));
  }
  std::vector<SweepResult> results(jobs);
  if (jobs == 1) {
    results[0] = run_chunk(scenario, expectation, *first, chunks[0], options, start);
  } else {
    std::vector<std::exception_ptr> errors(jobs);
    std::vector<std::thread> threads;
    for (uint64_t j = 0; j < jobs; ++j)
      threads.emplace_back([&, j] {
        try {
          const auto strategy = make_scenario_strategy(scenario, variant, name);
          results[j] = run_chunk(scenario, expectation, *strategy, chunks[j], options, start);
        } catch (...) {
          errors[j] = std::current_exception();
        }
      });
    for (auto& t : threads) t.join();
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);
  }
  SweepResult r = start;
  for (const SweepResult& part : results) merge(r, part, expectation);
  return r;
}

SweepResult sweep_variant(const Scenario& scenario, const Expectation& expectation,
                          uint64_t seed_begin, uint64_t seed_end, bool keep_failing_seeds) {
  SweepOptions options;
  options.keep_failing_seeds = keep_failing_seeds;
  return sweep_seeds(scenario, expectation, {{seed_begin, seed_end}}, options);
}

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
#include "first_violation.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "model/harness/exploration.hpp"
#include "model/harness/explore.hpp"
#include "model/harness/scenario.hpp"
#include "model/harness/simulation.hpp"
#include "model/variants/variants.hpp"

namespace bench {

namespace {

// The value below which `q` of the sorted counts lie (nearest rank); null
// when that count is beyond the cap (not found within it).
nlohmann::json quantile(const std::vector<uint64_t>& sorted, double q, uint64_t cap) {
  const size_t rank = static_cast<size_t>(q * static_cast<double>(sorted.size()) + 0.999999);
  const uint64_t v = sorted[std::max<size_t>(rank, 1) - 1];
  return v > cap ? nlohmann::json(nullptr) : nlohmann::json(v);
}

// Executions up to and including the first expected violation in each seed
// range, under one strategy.
nlohmann::json randomized(const model::Scenario& scenario, const model::Expectation& e,
                          const std::string& spec, const FirstViolationParams& p) {
  const model::Variant& variant = model::find_variant(e.variant);
  const auto strategy = model::make_scenario_strategy(scenario, variant, spec);
  model::Simulation simulation(scenario, variant, *strategy, false);
  std::vector<uint64_t> counts;  // cap + 1: not found
  for (int i = 0; i < p.ranges; ++i) {
    const uint64_t begin = static_cast<uint64_t>(i) * p.stride;
    uint64_t n = 1;
    for (; n <= p.cap; ++n) {
      const sim::Outcome out = simulation.run(begin + n - 1);
      if (out.violation && e.expects(out.violation->kind)) break;
    }
    counts.push_back(n);
  }
  std::sort(counts.begin(), counts.end());
  const auto found = std::count_if(counts.begin(), counts.end(), [&](uint64_t c) { return c <= p.cap; });
  return {{"strategy", strategy->name()},
          {"median", quantile(counts, 0.5, p.cap)},
          {"p90", quantile(counts, 0.9, p.cap)},
          {"ranges_found", found}};
}

// Executions the bounded exhaustive search ran up to its first violation
// (schedules, pruned ones and the re-executions of lower bounds: what it
// cost); null when it found none of the expected kinds. The search covers
// the bounds 0, 1, ... in turn, so up to the bound of its find a higher K
// runs the same executions: explore:3 is never later than explore:2.
nlohmann::json exhaustive(const model::Scenario& scenario, const model::Expectation& e,
                          unsigned k, const FirstViolationParams& p) {
  sim::SearchOptions o;
  o.preemption_bound = k;
  o.max_schedules = p.max_schedules;
  const model::ExploreResult r =
      model::explore(scenario, model::find_variant(e.variant), o, "kvmsim-bench");
  const bool found = r.search.failing && e.expects(r.search.failing->violation->kind);
  const nlohmann::json n = found ? nlohmann::json(r.search.executions()) : nullptr;
  return {{"strategy", fmt::format("explore:{}", k)}, {"median", n}, {"p90", n}};
}

}  // namespace

nlohmann::json explore_cost_table(const std::vector<std::string>& scenario_files,
                                  const std::vector<unsigned>& bounds, uint64_t max_schedules) {
  nlohmann::json rows = nlohmann::json::array();
  for (const std::string& file : scenario_files) {
    const model::Scenario scenario = model::load_scenario(file);
    for (const model::Expectation& e : scenario.expect) {
      if (!e.kinds.empty()) continue;
      nlohmann::json row = {{"scenario", scenario.name}, {"variant", e.variant}};
      for (unsigned k : bounds) {
        sim::SearchOptions o;
        o.preemption_bound = k;
        o.max_schedules = max_schedules;
        const auto start = std::chrono::steady_clock::now();
        const model::ExploreResult r =
            model::explore(scenario, model::find_variant(e.variant), o, "kvmsim-bench");
        row["bounds"][std::to_string(k)] = {
            {"schedules", r.search.schedules},
            {"pruned", r.search.pruned},
            {"reexecuted", r.search.reexecuted},
            {"complete", r.search.complete},
            {"violation", r.search.failing ? nlohmann::json(r.search.failing->violation->kind)
                                           : nlohmann::json(nullptr)},
            {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                            .count()}};
      }
      rows.push_back(row);
    }
  }
  return rows;
}

std::string explore_cost_markdown(const nlohmann::json& rows) {
  if (rows.empty()) return "";
  std::string header = "| scenario | variant |", rule = "|---|---|";
  for (const auto& [k, cell] : rows[0].at("bounds").items()) {
    header += fmt::format(" K={} |", k);
    rule += "---|";
  }
  std::string out = header + "\n" + rule + "\n";
  for (const auto& row : rows) {
    out += fmt::format("| {} | {} |", row.at("scenario").get<std::string>(),
                       row.at("variant").get<std::string>());
    for (const auto& [k, c] : row.at("bounds").items()) {
      std::string cell = fmt::format("{}+{} (+{} again) {:.2f} s", c.at("schedules").get<uint64_t>(),
                                     c.at("pruned").get<uint64_t>(),
                                     c.at("reexecuted").get<uint64_t>(), c.at("seconds").get<double>());
      if (!c.at("violation").is_null())
        cell += fmt::format(" {}!", c.at("violation").get<std::string>());
      else if (!c.at("complete").get<bool>())
        cell += " incomplete";
      out += fmt::format(" {} |", cell);
    }
    out += "\n";
  }
  return out;
}

nlohmann::json first_violation_table(const std::vector<std::string>& scenario_files,
                                     const FirstViolationParams& p) {
  nlohmann::json rows = nlohmann::json::array();
  for (const std::string& file : scenario_files) {
    const model::Scenario scenario = model::load_scenario(file);
    for (const model::Expectation& e : scenario.expect) {
      if (e.kinds.empty()) continue;
      nlohmann::json row = {{"scenario", scenario.name}, {"variant", e.variant}};
      for (const std::string& spec : p.strategies)
        row["strategies"][spec] = randomized(scenario, e, spec, p);
      for (unsigned k : p.preemption_bounds)
        row["strategies"][fmt::format("explore:{}", k)] = exhaustive(scenario, e, k, p);
      rows.push_back(row);
    }
  }
  return {{"rows", rows},
          {"parameters",
           {{"ranges", p.ranges}, {"stride", p.stride}, {"cap", p.cap},
            {"max_schedules", p.max_schedules}}}};
}

std::string first_violation_markdown(const nlohmann::json& table) {
  const nlohmann::json& rows = table.at("rows");
  if (rows.empty()) return "";
  std::string header = "| scenario | variant |", rule = "|---|---|";
  for (const auto& [spec, cell] : rows[0].at("strategies").items()) {
    header += fmt::format(" {} |", spec);
    rule += "---|";
  }
  auto text = [](const nlohmann::json& v) { return v.is_null() ? std::string("-") : v.dump(); };
  std::string out = header + "\n" + rule + "\n";
  for (const auto& row : rows) {
    out += fmt::format("| {} | {} |", row.at("scenario").get<std::string>(),
                       row.at("variant").get<std::string>());
    for (const auto& [spec, cell] : row.at("strategies").items())
      // The exhaustive search is deterministic: one number.
      out += spec.rfind("explore:", 0) == 0
                 ? fmt::format(" {} |", text(cell.at("median")))
                 : fmt::format(" {} / {} |", text(cell.at("median")), text(cell.at("p90")));
    out += "\n";
  }
  return out;
}

}  // namespace bench

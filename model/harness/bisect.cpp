// SPDX-License-Identifier: GPL-2.0-only
#include "model/harness/bisect.hpp"

#include <set>

namespace model {

Bisection bisect(const Scenario& scenario, const std::vector<Variant>& states,
                 uint64_t seed_begin, uint64_t seed_end) {
  Bisection b;
  for (const Variant& v : states) {
    BisectStep step;
    step.variant = &v;
    step.not_modeled = cannot_run_at(scenario, v);
    if (step.not_modeled.empty()) {
      Expectation clean;  // whatever it finds is reported, nothing judged
      clean.variant = v.name;
      SweepOptions options;
      options.variant = &v;
      step.result = sweep_seeds(scenario, clean, {{seed_begin, seed_end}}, options);
    }
    b.steps.push_back(std::move(step));
  }
  b.transitions = transitions(b.steps);
  return b;
}

std::vector<Transition> transitions(const std::vector<BisectStep>& steps) {
  std::set<std::string> kinds;
  for (const BisectStep& s : steps)
    for (const auto& [kind, n] : s.result.violations) kinds.insert(kind);
  std::vector<Transition> out;
  for (const std::string& kind : kinds) {
    const Variant* before = nullptr;
    bool found_before = false;
    for (const BisectStep& s : steps) {
      if (!s.not_modeled.empty()) continue;
      const bool found = s.result.violations.count(kind) != 0;
      if (found != found_before) out.push_back(Transition{kind, found, s.variant, before});
      found_before = found;
      before = s.variant;
    }
  }
  return out;
}

}  // namespace model

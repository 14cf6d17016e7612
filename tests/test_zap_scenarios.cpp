// SPDX-License-Identifier: GPL-2.0-only
// The shadow-MMU zapping scenarios (83cdb56864) at several sizes:
// their expectations, the cost figures a KVM developer reads off them, the
// livelock the restart rule lets through, and the commit's wait for
// lockless walkers.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <vector>
#include <string>

#include "model/virt/kvm/kvm_requests.hpp"
#include "model/harness/scenario.hpp"
#include "model/harness/simulation.hpp"
#include "model/harness/sweep.hpp"
#include "model/variants/variants.hpp"
#include "sim/strategy/replay_strategy.hpp"
#include "sim/trace/trace.hpp"
#include "test_util.hpp"

namespace {

std::string scenario(const char* name) {
  return testutil::source_root() + "/scenarios/" + name + ".json";
}

// variant -> the sweep's result, at one parameter setting, over seeds 0..2.
std::map<std::string, model::SweepResult> sweep(const char* name, const model::ParamValues& params,
                                                uint64_t last_seed = 2) {
  const model::Scenario sc = model::load_scenario(scenario(name), params);
  std::map<std::string, model::SweepResult> out;
  for (const auto& e : sc.expect) out[e.variant] = model::sweep_variant(sc, e, 0, last_seed);
  return out;
}

uint64_t max_of(const model::SweepResult& r, const char* metric) {
  auto it = r.metrics.find(metric);
  return it == r.metrics.end() ? 0 : it->second.max;
}

}  // namespace

TEST_CASE("83cdb56864-zap-restarts: the expectations hold at 16, 64 and 256 pages") {
  const uint64_t roots = 16;
  std::map<uint64_t, std::map<std::string, model::SweepResult>> by_pages;
  for (uint64_t pages : {16, 64, 256}) {
    CAPTURE(pages);
    by_pages[pages] = sweep("83cdb56864-zap-restarts", {{"pages", pages}, {"roots", roots}});
    for (const auto& [variant, r] : by_pages[pages]) {
      CAPTURE(variant);
      CHECK(r.ok);
      CHECK(r.violations.empty());  // no list-walk-freed-page
      // Every state frees the same pages: the independent ones, p and its
      // two children, q and its two; the roots stay.
      CHECK(max_of(r, "pages_zapped") == pages + 6);
      CHECK(r.metrics.at("pages_zapped").min == pages + 6);
    }
    const auto& r = by_pages[pages];
    CHECK(max_of(r.at("v4.19"), "restarts") == pages + 6);             // one per page freed
    CHECK(max_of(r.at("v5.0+ea145aacf4ae"), "restarts") == pages + 4);  // p frees its children
    CHECK(max_of(r.at("v5.1"), "restarts") == 1);                       // only p's zap
  }
  // The cost: each extra page costs the forward walk of the reverts one
  // restart past every invalid root at the head, and v5.1 one step; the
  // 4.19 reverse walk resumes at the tail, one step per page too.
  const auto steps = [&](uint64_t pages, const char* variant) {
    return max_of(by_pages[pages].at(variant), "walk_steps");
  };
  CHECK(steps(64, "v5.0+ea145aacf4ae") - steps(16, "v5.0+ea145aacf4ae") == 48 * (roots + 1));
  CHECK(steps(256, "v5.0+ea145aacf4ae") - steps(64, "v5.0+ea145aacf4ae") == 192 * (roots + 1));
  CHECK(steps(64, "v5.1") - steps(16, "v5.1") == 48);
  CHECK(steps(64, "v4.19") - steps(16, "v4.19") == 48);
}

TEST_CASE("83cdb56864-zap-restarts: more invalid roots cost the reverts' walk, not v5.1's") {
  const auto a = sweep("83cdb56864-zap-restarts", {{"pages", 32}, {"roots", 8}});
  const auto b = sweep("83cdb56864-zap-restarts", {{"pages", 32}, {"roots", 40}});
  const auto steps = [](const auto& r, const char* v) { return max_of(r.at(v), "walk_steps"); };
  // 32 more roots: each of the 36 restarts walks past them, plus the one pass.
  CHECK(steps(b, "v5.0+ea145aacf4ae") - steps(a, "v5.0+ea145aacf4ae") == 32 * (36 + 1));
  CHECK(steps(b, "v5.1") - steps(a, "v5.1") == 32 * 2);  // the first pass and the restart
}

TEST_CASE("83cdb56864-zap-all-vs-faults: v5.1 never finishes while vCPUs fault, earlier states do") {
  const auto r = sweep("83cdb56864-zap-all-vs-faults", {}, 19);
  for (const auto& [variant, result] : r) {
    CAPTURE(variant);
    CHECK(result.ok);
  }
  CHECK(r.at("v5.1").violations.at("step-bound") == 20);  // every seed
  CHECK(max_of(r.at("v5.1"), "lock_drops") > 1000);
  CHECK(r.at("v5.0+ea145aacf4ae").violations.empty());
  CHECK(max_of(r.at("v5.0+ea145aacf4ae"), "lock_drops") == 0);  // the || never reaches it
  CHECK(r.at("v4.19").violations.empty());
  CHECK(max_of(r.at("v4.19"), "lock_drops") > 0);  // the batch lock-break runs, and still ends
}

TEST_CASE("a zap with lock drops replays event for event") {
  const model::Scenario sc = model::load_scenario(scenario("83cdb56864-zap-all-vs-faults"));
  for (const char* variant : {"v4.19", "v5.1"}) {
    CAPTURE(variant);
    const sim::Trace t = model::record_execution(sc, model::find_variant(variant), 3, "test");
    sim::ReplayStrategy replay(t.schedule);
    const model::Scenario embedded = model::parse_scenario(t.scenario, sc.path);  // as a replay reads it
    model::Simulation again(embedded, model::find_variant(variant), replay, true);
    again.run(t.seed);
    CHECK(again.trace(t.seed, "test").hash() == t.hash());
  }
}

TEST_CASE("README.md shows the zap tables as kvmsim prints them today") {
  testutil::TempDir dir;
  const std::string readme = testutil::read_file(testutil::source_root() + "/README.md");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"sweep", "scenarios/83cdb56864-zap-restarts.json", "--param",
                                 "pages=16,64,256,1024"},
        {"sweep", "scenarios/83cdb56864-zap-all-vs-faults.json"}}) {
    const testutil::ProcessResult r = testutil::kvmsim(args, dir, testutil::source_root());
    REQUIRE(r.exit_code == 0);
    // The growth table (or the variant table) is pasted as printed.
    const size_t from = r.out.find("metrics by parameter:") != std::string::npos
                            ? r.out.find("metrics by parameter:")
                            : r.out.find("VARIANT");
    const size_t to = std::min(r.out.find("\n\n", from), r.out.find("\nfirst failure", from));
    INFO("regenerate the README table with: kvmsim " << args[0] << " " << args[1]);
    CHECK(testutil::contains(readme, r.out.substr(from, to - from)));
  }
}

TEST_CASE("83cdb56864-zap-vs-lockless-walk: the commit never frees a page under the walker") {
  const model::Scenario sc = model::load_scenario(scenario("83cdb56864-zap-vs-lockless-walk"));
  // root_of made the root vcpu0's and counted it.
  REQUIRE(sc.shadow_pages.at(0).root_of == size_t{0});
  CHECK(sc.shadow_pages.at(0).root_count == 1);
  for (const auto& e : sc.expect) {
    CAPTURE(e.variant);
    const model::SweepResult r =
        model::sweep_variant(sc, e, sc.exploration.seed_begin, sc.exploration.seed_end);
    CHECK(r.ok);
    CHECK(r.violations.empty());
    CHECK(r.executions == 1000);
  }
}

TEST_CASE("83cdb56864-zap-vs-lockless-walk: without the flush's wait, the walker reads a freed "
          "page") {
  // The oracle's sensitivity: the test-only mutation (never a variant) that
  // makes kvm_flush_remote_tlbs return without waiting for the vCPUs it
  // IPIs. Some seed of the scenario's range must then report
  // lockless-walk-freed-page, and the same seeds are clean without it.
  const model::Scenario sc = model::load_scenario(scenario("83cdb56864-zap-vs-lockless-walk"));
  size_t failing = 0;
  for (const auto& e : sc.expect) {
    CAPTURE(e.variant);
    model::SweepResult mutated;
    {
      model::testing::FlushRemoteTlbsWithoutWaiting no_wait;
      mutated = model::sweep_variant(sc, e, sc.exploration.seed_begin, sc.exploration.seed_end,
                                     /*keep_failing_seeds=*/true);
    }
    for (const auto& [kind, n] : mutated.violations) CHECK(kind == "lockless-walk-freed-page");
    failing += mutated.failing_seeds.size();
    for (uint64_t seed : mutated.failing_seeds) {
      CAPTURE(seed);
      CHECK(model::sweep_variant(sc, e, seed, seed).violations.empty());
    }
  }
  CHECK(failing > 0);
}

// SPDX-License-Identifier: GPL-2.0-only
// kvmsim equiv: the same schedules at two variants, event streams compared
// seed by seed. The model function is checked against record_execution (an
// independent way to get both event streams), and the command against the
// model function: exit statuses, the text and JSON it prints, bad arguments.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "model/harness/equiv.hpp"
#include "model/harness/scenario.hpp"
#include "model/harness/simulation.hpp"
#include "model/variants/variants.hpp"
#include "sim/trace/timeline.hpp"
#include "test_util.hpp"

using nlohmann::json;
using testutil::contains;
using testutil::kvmsim;
using testutil::ProcessResult;

namespace {

uint64_t default_seed_count(const model::Scenario& s) {
  return s.exploration.seed_end - s.exploration.seed_begin + 1;
}

// The index of the first event where two recorded executions differ.
size_t first_differing_event(const sim::Trace& a, const sim::Trace& b) {
  size_t i = 0;
  while (i < a.events.size() && i < b.events.size() && a.events[i] == b.events[i]) ++i;
  return i;
}

}  // namespace

TEST_CASE("equiv: a variant is equivalent to itself on every default seed") {
  const model::Scenario sc = model::load_scenario(testutil::scenario_path());
  const model::Variant& v17 = model::find_variant("v3.17");
  const model::EquivResult r = model::compare_variants(
      sc, v17, v17, sc.exploration.seed_begin, sc.exploration.seed_end);
  CHECK(r.equivalent());
  CHECK(r.seeds == default_seed_count(sc));
  CHECK(r.seeds == 1000);  // the scenario explores 0..999
}

TEST_CASE("equiv: v3.16 and v3.17 differ where their recorded executions first differ") {
  const model::Scenario sc = model::load_scenario(testutil::scenario_path());
  const model::Variant& v16 = model::find_variant("v3.16");
  const model::Variant& v17 = model::find_variant("v3.17");
  for (const uint64_t seed : {uint64_t{0}, uint64_t{7}}) {
    CAPTURE(seed);
    const model::EquivResult r = model::compare_variants(sc, v16, v17, seed, seed + 10);
    REQUIRE_FALSE(r.equivalent());
    const model::EquivDifference& d = *r.first_difference;
    // The generation differs from the start, so the first seed already shows it.
    CHECK(d.seed == seed);
    CHECK(r.seeds == 1);

    const sim::Trace a = model::record_execution(sc, v16, seed, "test");
    const sim::Trace b = model::record_execution(sc, v17, seed, "test");
    const size_t i = first_differing_event(a, b);
    REQUIRE(i < a.events.size());
    REQUIRE(i < b.events.size());
    REQUIRE(d.a.event);
    REQUIRE(d.b.event);
    CHECK(*d.a.event == a.events[i]);
    CHECK(*d.b.event == b.events[i]);
    CHECK(d.a.step == a.events[i].step);
    CHECK(d.b.step == b.events[i].step);
    CHECK(d.step == std::min(d.a.step, d.b.step));
    CHECK(d.a.thread_name == a.threads.at(a.events[i].thread).name);
    CHECK(d.b.thread_name == b.threads.at(b.events[i].thread).name);
  }
}

TEST_CASE("equiv: the same arguments give the same result") {
  const model::Scenario sc = model::load_scenario(testutil::scenario_path());
  const model::Variant& v16 = model::find_variant("v3.16");
  const model::Variant& v17 = model::find_variant("v3.17");
  const model::EquivResult x = model::compare_variants(sc, v16, v17, 3, 40);
  const model::EquivResult y = model::compare_variants(sc, v16, v17, 3, 40);
  REQUIRE(x.first_difference);
  REQUIRE(y.first_difference);
  CHECK(x.seeds == y.seeds);
  CHECK(x.first_difference->seed == y.first_difference->seed);
  CHECK(x.first_difference->step == y.first_difference->step);
  CHECK(x.first_difference->a.event == y.first_difference->a.event);
  CHECK(x.first_difference->b.event == y.first_difference->b.event);
}

TEST_CASE("cli: equiv") {
  testutil::TempDir dir;
  const std::string sc = testutil::scenario_path();
  const model::Scenario scenario = model::load_scenario(sc);

  SUBCASE("a variant against itself: equivalent on every default seed, exit 0") {
    const ProcessResult r = kvmsim({"equiv", sc, "--variants", "v3.17,v3.17"}, dir);
    CAPTURE(r.out);
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, fmt::format("\nequivalent on {} seeds\n", default_seed_count(scenario))));
    CHECK(contains(r.out, "equivalent on 1000 seeds"));
  }

  SUBCASE("--seeds narrows the range") {
    const ProcessResult r =
        kvmsim({"equiv", sc, "--variants", "v3.16,v3.16", "--seeds", "10..14"}, dir);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "equivalent on 5 seeds"));
  }

  SUBCASE("v3.16 against v3.17: the first difference, named by seed and step, exit 1") {
    const model::EquivResult lib = model::compare_variants(
        scenario, model::find_variant("v3.16"), model::find_variant("v3.17"),
        scenario.exploration.seed_begin, scenario.exploration.seed_end);
    REQUIRE(lib.first_difference);
    const model::EquivDifference& d = *lib.first_difference;
    REQUIRE(d.a.event);
    REQUIRE(d.b.event);
    CHECK(d.seed == 0);

    const ProcessResult r = kvmsim({"equiv", sc, "--variants", "v3.16,v3.17"}, dir);
    CAPTURE(r.out);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, fmt::format("first difference at seed {}, step {}", d.seed, d.step)));
    CHECK(contains(r.out, fmt::format("v3.16: step {}  {}: {}\n", d.a.step, d.a.thread_name,
                                      sim::event_text(*d.a.event))));
    CHECK(contains(r.out, fmt::format("v3.17: step {}  {}: {}\n", d.b.step, d.b.thread_name,
                                      sim::event_text(*d.b.event))));
    CHECK_FALSE(contains(r.out, "equivalent on"));

    const ProcessResult js = kvmsim({"equiv", sc, "--variants", "v3.16,v3.17", "--json"}, dir);
    CHECK(js.exit_code == 1);
    const json j = json::parse(js.out);
    std::set<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.insert(k);
    CHECK(keys == std::set<std::string>{"format", "version", "scenario", "path", "variants",
                                        "strategy", "seeds", "compared", "equivalent",
                                        "first_difference"});
    CHECK(j.at("format") == "kvmsim-equiv");
    CHECK(j.at("scenario") == scenario.name);
    CHECK(j.at("path") == sc);
    CHECK(j.at("variants") == json({"v3.16", "v3.17"}));
    CHECK(j.at("strategy") == scenario.exploration.strategy);
    CHECK(j.at("seeds") == json({{"begin", scenario.exploration.seed_begin},
                                 {"end", scenario.exploration.seed_end}}));
    CHECK(j.at("compared") == lib.seeds);
    CHECK(j.at("equivalent") == false);
    const json& f = j.at("first_difference");
    CHECK(f.at("seed") == d.seed);
    CHECK(f.at("step") == d.step);
    CHECK(f.at("a").at("step") == d.a.step);
    CHECK(f.at("a").at("thread") == d.a.thread_name);
    CHECK(f.at("a").at("text") == sim::event_text(*d.a.event));
    CHECK(f.at("a").at("event") == sim::event_to_json(*d.a.event));
    CHECK(f.at("b").at("event") == sim::event_to_json(*d.b.event));
  }

  SUBCASE("--json when equivalent: first_difference is null") {
    const ProcessResult r =
        kvmsim({"equiv", sc, "--variants", "v3.16,v3.16", "--seeds", "0..9", "--json"}, dir);
    CHECK(r.exit_code == 0);
    const json j = json::parse(r.out);
    CHECK(j.at("equivalent") == true);
    CHECK(j.at("seeds") == json({{"begin", 0}, {"end", 9}}));
    CHECK(j.at("compared") == 10);
    CHECK(j.at("first_difference").is_null());
  }

  SUBCASE("the output is the same every time") {
    for (const char* variants : {"v3.16,v3.17", "v3.17,v3.17"}) {
      CAPTURE(variants);
      for (const bool as_json : {false, true}) {
        std::vector<std::string> args = {"equiv", sc, "--variants", variants};
        if (as_json) args.push_back("--json");
        const ProcessResult x = kvmsim(args, dir);
        const ProcessResult y = kvmsim(args, dir);
        CHECK(x.exit_code == y.exit_code);
        CHECK(x.out == y.out);
      }
    }
  }

  SUBCASE("bad arguments exit 2 and name the problem") {
    struct Bad {
      std::vector<std::string> args;
      std::vector<std::string> in_err;
    };
    const std::vector<Bad> bad = {
        {{"--variants", "v3.16"}, {"--variants", "two comma-separated", "'v3.16'"}},
        {{"--variants", "a,b,c"}, {"--variants", "two comma-separated", "'a,b,c'"}},
        {{"--variants", "v3.16,"}, {"--variants", "two comma-separated"}},
        {{"--variants", "v3.16,nope"}, {"--variants", "unknown variant 'nope'", "v3.17"}},
        {{"--variants", "v3.16,v3.17", "--seeds", "5..2"}, {"--seeds", "5..2"}},
        {{"--variants", "v3.16,v3.17", "--seeds", "x"}, {"--seeds", "'x'"}},
        {{}, {"--variants"}},
    };
    for (const Bad& b : bad) {
      std::vector<std::string> args = {"equiv", sc};
      args.insert(args.end(), b.args.begin(), b.args.end());
      const ProcessResult r = kvmsim(args, dir);
      CAPTURE(fmt::format("{}", fmt::join(args, " ")));
      CAPTURE(r.err);
      CHECK(r.exit_code == 2);
      CHECK(r.out.empty());
      for (const auto& s : b.in_err) CHECK(contains(r.err, s));
    }
    const std::string missing = dir.file("does-not-exist.json");
    const ProcessResult r = kvmsim({"equiv", missing, "--variants", "v3.16,v3.17"}, dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, missing));
  }
}

// SPDX-License-Identifier: GPL-2.0-only
// The kvmsim command line: exit statuses (0 ok/clean, 1 violation /
// unexpected verdict / replay mismatch, 2 bad input), error messages that
// name the file and the JSON path, the sweep JSON shape, and replay of the
// committed reproducer. Malformed inputs are written to a temporary
// directory, never into the source tree.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/harness/scenario.hpp"
#include "model/harness/sweep.hpp"
#include "model/variants/variants.hpp"
#include "sim/trace/trace.hpp"
#include "kernel_states.hpp"
#include "test_util.hpp"

using nlohmann::json;
using testutil::contains;
using testutil::ProcessResult;

namespace {

using testutil::kvmsim;

json good_scenario() { return json::parse(testutil::read_file(testutil::scenario_path())); }

std::string write_json(const testutil::TempDir& dir, const std::string& name, const json& j) {
  const std::string path = dir.file(name);
  testutil::write_file(path, j.dump(1));
  return path;
}

// The "trace hash: <hex>" that run/replay print.
std::string printed_hash(const std::string& out) {
  std::smatch m;
  static const std::regex re("trace hash:? ([0-9a-f]{64})");
  return std::regex_search(out, m, re) ? m[1].str() : "";
}

// How many kernel states run the x86 MMU model (the ones an MMIO scenario
// can expect of).
size_t x86_mmu_variants() {
  const auto& all = model::all_variants();
  return static_cast<size_t>(std::count_if(all.begin(), all.end(),
                                           [](const model::Variant& v) { return v.models_x86_mmu; }));
}

}  // namespace

TEST_CASE("cli: the binary and the sources are where the tests think") {
  INFO("KVMSIM_BIN=" << testutil::kvmsim_bin());
  INFO("KVMSIM_SOURCE_ROOT=" << testutil::source_root());
  REQUIRE(testutil::fs::exists(testutil::kvmsim_bin()));
  REQUIRE(testutil::fs::exists(testutil::scenario_path()));
}

TEST_CASE("cli: variants lists v3.16 before v3.17") {
  testutil::TempDir dir;
  const ProcessResult text = kvmsim({"variants"}, dir);
  CHECK(text.exit_code == 0);
  const auto p16 = text.out.find("v3.16"), p17 = text.out.find("v3.17");
  REQUIRE(p16 != std::string::npos);
  REQUIRE(p17 != std::string::npos);
  CHECK(p16 < p17);
  CHECK(contains(text.out, "ee3d1570b586"));

  const ProcessResult js = kvmsim({"variants", "--json"}, dir);
  CHECK(js.exit_code == 0);
  const json j = json::parse(js.out).at("variants");
  REQUIRE(j.is_array());
  std::vector<std::string> names;
  for (const auto& v : j) names.push_back(v.at("name").get<std::string>());
  const auto i16 = std::find(names.begin(), names.end(), "v3.16");
  const auto i17 = std::find(names.begin(), names.end(), "v3.17");
  REQUIRE(i16 != names.end());
  REQUIRE(i17 != names.end());
  CHECK(i16 < i17);
}

TEST_CASE("cli: variants lists every kernel state in history order, with its commits") {
  // The states and their commits as model/variants/kernel-states.json has
  // them; the table pins the commits of the states it names.
  struct Expect {
    std::string name;
    std::vector<std::string> commits;
  };
  std::vector<Expect> history;
  for (const json& state : testutil::kernel_states()) {
    Expect x{state.at("name").get<std::string>(), {}};
    for (const json& c : state.at("commits")) x.commits.push_back(c.at("id").get<std::string>());
    history.push_back(std::move(x));
  }
  const std::map<std::string, std::vector<std::string>> pinned = {
      {"v3.16", {"f8f559422b6c", "69c9ea93ea"}},
      {"v3.17", {"00f034a12f", "ee3d1570b586", "56f17dd3fbc4"}},
      {"v4.19", {"4bd518f1598d"}},
      {"v5.0+152482580a1b", {"152482580a1b"}},
      {"v5.0+e1359e2beb8b", {"e1359e2beb8b"}},
      {"v5.0+ddfd1730fd82", {"ddfd1730fd82"}},
      {"v5.0+361209e054a2", {"361209e054a2"}},
      {"v5.0+cae7ed3c2cb0", {"cae7ed3c2cb0"}},
      {"v5.0+0e32958ec449", {"0e32958ec449"}},
      {"v5.0+164bf7e56c5a", {"164bf7e56c5a"}},
      {"v5.0+ea145aacf4ae",
       {"4e103134b862", "4771450c345d", "571c5af06e30", "7390de1e99a7", "ea145aacf4ae"}},
      {"v5.1", {"83cdb56864"}},
      {"pfncache-982ed0de4753", {"52ac8b358b0c", "982ed0de4753"}},
      {"v5.18", {"79593c086eb9", "df06dae3f2a8"}},
      {"v6.0", {"3dddf65b4f4c", "3ba2c95ea180", "93984f19e7bc", "58cd407ca4c6", "85165781c5d9"}},
      {"v6.1", {"52491a38b2c2", "ecbcf030b456", "8332f0ed4f18"}},
  };
  size_t pinned_seen = 0;
  for (const Expect& x : history)
    if (const auto it = pinned.find(x.name); it != pinned.end()) {
      CAPTURE(x.name);
      ++pinned_seen;
      CHECK(x.commits == it->second);
    }
  CHECK(pinned_seen == pinned.size());  // every state the table names exists

  testutil::TempDir dir;

  // Text: each name starts a line, after the previous one; its commit ids
  // follow it, before the next name.
  const ProcessResult text = kvmsim({"variants"}, dir);
  CHECK(text.exit_code == 0);
  const std::string out = "\n" + text.out;
  std::vector<size_t> at;
  for (const Expect& x : history) {
    std::string line_start = "\n";
    line_start += x.name;
    line_start += ' ';
    const size_t p = out.find(line_start);
    CAPTURE(x.name);
    REQUIRE(p != std::string::npos);
    if (!at.empty()) CHECK(at.back() < p);
    at.push_back(p);
  }
  for (size_t i = 0; i < history.size(); ++i) {
    const size_t end = i + 1 < at.size() ? at[i + 1] : out.size();
    const std::string block = out.substr(at[i], end - at[i]);
    CAPTURE(history[i].name);
    for (const std::string& id : history[i].commits) {
      CAPTURE(id);
      CHECK(contains(block, id));
    }
  }

  // JSON: exactly these names in this order, each with exactly these commits.
  const ProcessResult js = kvmsim({"variants", "--json"}, dir);
  CHECK(js.exit_code == 0);
  const json j = json::parse(js.out).at("variants");
  REQUIRE(j.is_array());
  REQUIRE(j.size() == history.size());
  for (size_t i = 0; i < history.size(); ++i) {
    CAPTURE(history[i].name);
    CHECK(j[i].at("name") == history[i].name);
    std::vector<std::string> ids;
    for (const auto& c : j[i].at("commits")) {
      ids.push_back(c.at("id").get<std::string>());
      CHECK_FALSE(c.at("title").get<std::string>().empty());
    }
    CHECK(ids == history[i].commits);
  }
}

TEST_CASE("cli: sweep of the scenario") {
  testutil::TempDir dir;
  const std::string sc = testutil::scenario_path();

  SUBCASE("text") {
    const ProcessResult r = kvmsim({"sweep", sc}, dir);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "v3.16"));
    CHECK(contains(r.out, "v3.17"));
    CHECK(contains(r.out, "stale-mmio"));
  }

  SUBCASE("--json has the documented shape and the library's numbers") {
    const ProcessResult r = kvmsim({"sweep", sc, "--json"}, dir);
    CHECK(r.exit_code == 0);
    const json doc = json::parse(r.out);
    CHECK(doc.at("format") == "kvmsim-sweep");
    CHECK(doc.at("ok") == true);
    CHECK(doc.at("complete") == true);
    CHECK(doc.at("failed") == json::array());
    REQUIRE(doc.at("scenarios").size() == 1);
    const json& j = doc.at("scenarios")[0];
    CHECK(j.at("scenario") == "ee3d1570b586-mmio-cache-generation");
    CHECK(j.at("path") == sc);
    CHECK(j.at("strategy") == "random");
    CHECK(j.at("seeds") == json{{"begin", 0}, {"end", 999}});
    const json& vs = j.at("variants");
    REQUIRE(vs.is_array());
    const model::Scenario scenario = model::load_scenario(sc);
    REQUIRE(vs.size() == scenario.expect.size());
    // The scenario expects of every state whose x86 MMU the model mirrors;
    // it cannot run at the gfn_to_pfn_cache states.
    REQUIRE(vs.size() == x86_mmu_variants());
    const std::set<std::string> keys = {
        "variant",          "executions",       "violations", "metrics",    "first_failing_seed",
        "expected",         "expected_metrics", "broken_relations", "not_seen", "ok",
        "determinism",      "trace",            "coverage",         "reproducer"};
    for (size_t i = 0; i < vs.size(); ++i) {
      const json& v = vs[i];
      CAPTURE(v.dump());
      std::set<std::string> have;
      for (auto it = v.begin(); it != v.end(); ++it) have.insert(it.key());
      CHECK(have == keys);
      CHECK(v.at("variant").is_string());
      CHECK(v.at("executions").is_number_unsigned());
      CHECK(v.at("violations").is_object());
      for (const auto& [kind, n] : v.at("violations").items()) {
        CHECK_FALSE(kind.empty());
        CHECK(n.is_number_unsigned());
      }
      CHECK((v.at("first_failing_seed").is_null() || v.at("first_failing_seed").is_number_unsigned()));
      CHECK(v.at("ok").is_boolean());
      CHECK(v.at("coverage") == json{{"strategy", "random"},
                                     {"covered", {{0, 999}}},
                                     {"missing", json::array()},
                                     {"pct", nullptr}});
      // ee3d1570b586 makes one CREATE: one install in every execution.
      CHECK(v.at("metrics").at("memslot_installs") == json{{"min", 1}, {"max", 1}});
      // The same as the library computes.
      const model::Expectation& e = scenario.expect.at(i);
      CHECK(v.at("variant") == e.variant);
      const model::SweepResult lib = model::sweep_variant(
          scenario, e, scenario.exploration.seed_begin, scenario.exploration.seed_end);
      CHECK(v.at("executions") == lib.executions);
      CHECK(v.at("violations") == json(lib.violations));
      CHECK(v.at("expected") == json{{"must", e.kinds}, {"may", json::array()}});
      CHECK(v.at("ok") == lib.ok);
      if (lib.first_failing_seed) {
        CHECK(v.at("first_failing_seed") == *lib.first_failing_seed);
        CHECK(v.at("reproducer") == fmt::format("kvmsim run {} --variant {} --seed {}", sc,
                                                e.variant, *lib.first_failing_seed));
      } else {
        CHECK(v.at("first_failing_seed").is_null());
        CHECK(v.at("reproducer").is_null());
      }
    }
    CHECK(vs[0].at("variant") == "v3.16");
    CHECK(vs[0].at("executions") == 1000);
    CHECK(vs[0].at("violations").at("stale-mmio").get<uint64_t>() > 0);
    CHECK(vs[0].at("first_failing_seed").is_number_unsigned());
    CHECK(vs[0].at("ok") == true);
    CHECK(vs[1].at("variant") == "v3.17");
    CHECK(vs[1].at("violations").empty());
    CHECK(vs[1].at("first_failing_seed").is_null());
    CHECK(vs[0].at("expected") == json{{"must", {"stale-mmio"}}, {"may", json::array()}});
    CHECK(vs[1].at("expected") == json{{"must", json::array()}, {"may", json::array()}});
    CHECK(vs[1].at("ok") == true);
  }

  SUBCASE("--seeds 0..9 runs ten executions per variant") {
    const ProcessResult r = kvmsim({"sweep", sc, "--seeds", "0..9", "--json"}, dir);
    const json j = json::parse(r.out).at("scenarios").at(0);
    bool all_ok = true;
    REQUIRE(j.at("variants").size() == x86_mmu_variants());
    for (const auto& v : j.at("variants")) {
      CHECK(v.at("executions") == 10);
      if (!v.at("first_failing_seed").is_null()) {
        CHECK(v.at("first_failing_seed").get<uint64_t>() <= 9);
      }
      all_ok = all_ok && v.at("ok").get<bool>();
    }
    CHECK(r.exit_code == (all_ok ? 0 : 1));
  }

  SUBCASE("--seeds 42 and --variant v3.17 select one seed and one variant") {
    const ProcessResult r = kvmsim({"sweep", sc, "--seeds", "42", "--variant", "v3.17", "--json"}, dir);
    CHECK(r.exit_code == 0);
    const json j = json::parse(r.out).at("scenarios").at(0);
    REQUIRE(j.at("variants").size() == 1);
    CHECK(j.at("variants")[0].at("variant") == "v3.17");
    CHECK(j.at("variants")[0].at("executions") == 1);
  }

  SUBCASE("an expectation the executions do not meet exits 1") {
    json bad = good_scenario();
    bad["expect"][1]["verdict"] = "stale-mmio";  // v3.17 is clean
    const std::string path = write_json(dir, "wrong-expectation.json", bad);
    // Over the seeds the scenario promises it for.
    ProcessResult r = kvmsim({"sweep", path, "--variant", "v3.17"}, dir);
    CHECK(r.exit_code == 1);
    // Over fewer its absence is not seen, not a failure.
    r = kvmsim({"sweep", path, "--seeds", "0..49"}, dir);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "stale-mmio at v3.17 not seen in seeds 0..49"));
    // An unexpected kind fails on any seeds; the last line names the
    // scenario and the state that failed.
    json unexpected = good_scenario();
    unexpected["expect"][0]["verdict"] = "clean";  // v3.16 shows stale-mmio at seed 0
    r = kvmsim({"sweep", write_json(dir, "unexpected.json", unexpected), "--seeds", "0..49"}, dir);
    CHECK(r.exit_code == 1);
    CHECK(testutil::ends_with(r.out, "\nFAILED: ee3d1570b586-mmio-cache-generation at v3.16\n"));

    // Two scenarios failing over their own seeds: each named, in the order
    // they ran, with their states in the scenario's order.
    json other = good_scenario();
    other["name"] = "second";
    other["expect"][0]["verdict"] = "clean";   // v3.16 shows stale-mmio
    other["expect"][1]["verdict"] = "stale-mmio";
    const std::string second = write_json(dir, "second.json", other);
    const ProcessResult both = kvmsim({"sweep", path, second}, dir);
    CHECK(both.exit_code == 1);
    CHECK(testutil::ends_with(
        both.out, "\nFAILED: ee3d1570b586-mmio-cache-generation at v3.17; second at v3.16, v3.17\n"));
    // The same in the JSON.
    const json doc = json::parse(kvmsim({"sweep", path, second, "--json"}, dir).out);
    CHECK(doc.at("ok") == false);
    CHECK(doc.at("failed") ==
          json::parse(R"([{"scenario": "ee3d1570b586-mmio-cache-generation", "params": {},
                           "variants": ["v3.17"]},
                          {"scenario": "second", "params": {},
                           "variants": ["v3.16", "v3.17"]}])"));
  }

  SUBCASE("bad sweep arguments exit 2") {
    ProcessResult r = kvmsim({"sweep", sc, "--seeds", "5..2"}, dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "5..2"));
    r = kvmsim({"sweep", sc, "--seeds", "x"}, dir);
    CHECK(r.exit_code == 2);
    r = kvmsim({"sweep", sc, "--variant", "v9.99"}, dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "v9.99"));
    r = kvmsim({"sweep"}, dir);
    CHECK(r.exit_code == 2);
    r = kvmsim({"frobnicate"}, dir);
    CHECK(r.exit_code == 2);
  }
}

TEST_CASE("cli: run") {
  testutil::TempDir dir;
  const std::string sc = testutil::scenario_path();
  const model::Scenario scenario = model::load_scenario(sc);
  model::Expectation e16;
  for (const auto& e : scenario.expect)
    if (e.variant == "v3.16") e16 = e;
  const model::SweepResult r16 = model::sweep_variant(scenario, e16, 0, 999);
  REQUIRE(r16.first_failing_seed);
  const std::string bad_seed = std::to_string(*r16.first_failing_seed);

  SUBCASE("a violating seed exits 1, and the trace it writes is the one it printed") {
    const std::string trace = dir.file("run.json");
    const ProcessResult r =
        kvmsim({"run", sc, "--variant", "v3.16", "--seed", bad_seed, "--trace", trace}, dir);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "stale-mmio"));
    CHECK(contains(r.out, "vcpu0 (CPU 0)"));
    const sim::Trace t = sim::read_trace(trace);
    CHECK(t.variant == "v3.16");
    CHECK(std::to_string(t.seed) == bad_seed);
    REQUIRE(t.violation);
    CHECK(t.violation->kind == "stale-mmio");
    CHECK(printed_hash(r.out) == t.hash());
    CHECK(t.scenario == good_scenario());
  }

  SUBCASE("every v3.17 seed is clean: exit 0") {
    for (const char* seed : {"0", "1", bad_seed.c_str()}) {
      const ProcessResult r = kvmsim({"run", sc, "--variant", "v3.17", "--seed", seed}, dir);
      CHECK(r.exit_code == 0);
      CHECK(contains(r.out, "clean"));
    }
  }

  SUBCASE("unknown --variant exits 2") {
    const ProcessResult r = kvmsim({"run", sc, "--variant", "v2.6.32", "--seed", "0"}, dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "v2.6.32"));
    CHECK(contains(r.err, "v3.16"));  // names the known ones
  }

  SUBCASE("missing required options exit 2") {
    CHECK(kvmsim({"run", sc, "--seed", "0"}, dir).exit_code == 2);
    CHECK(kvmsim({"run", sc, "--variant", "v3.16"}, dir).exit_code == 2);
    CHECK(kvmsim({"run", sc, "--variant", "v3.16", "--seed", "zero"}, dir).exit_code == 2);
    // Not wrapped around to 2^64-1.
    CHECK(kvmsim({"run", sc, "--variant", "v3.16", "--seed=-1"}, dir).exit_code == 2);
    CHECK(kvmsim({"run", sc, "--variant", "v3.16", "--seed", "99999999999999999999"}, dir)
              .exit_code == 2);
  }
}

TEST_CASE("cli: run refuses a kernel state the scenario cannot run at") {
  testutil::TempDir dir;
  const std::string root = testutil::source_root() + "/scenarios/";

  SUBCASE("a gfn_to_pfn_cache scenario before the cache existed") {
    const std::string sc = root + "982ed0de4753-pfncache-invalidation.json";
    const ProcessResult r = kvmsim({"run", sc, "--variant", "v5.1", "--seed", "0"}, dir);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, sc));
    CHECK(contains(r.err, "v5.1"));
    CHECK(contains(r.err, "982ed0de4753"));
    CHECK(r.out.empty());
  }

  SUBCASE("an x86 MMU scenario at a gfn_to_pfn_cache state") {
    const std::string sc = testutil::scenario_path();
    const ProcessResult r = kvmsim({"run", sc, "--variant", "v6.0", "--seed", "0"}, dir);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, sc));
    CHECK(contains(r.err, "v6.0"));
    CHECK(contains(r.err, "x86 MMU"));
    CHECK(r.out.empty());
  }
}

TEST_CASE("cli: run of the guest-mode cache at 982ed0de4753 names the request that is never cleared") {
  // KVM_REQ_GPC_INVALIDATE sets a bit in vcpu->requests that no x86 code
  // clears, so every later VM entry is cancelled and the execution ends at
  // the step bound; the report names the pending request.
  testutil::TempDir dir;
  const std::string sc = testutil::source_root() + "/scenarios/982ed0de4753-pfncache-guest-mode.json";
  const std::string trace = dir.file("guest-mode.json");
  const ProcessResult r = kvmsim(
      {"run", sc, "--variant", "pfncache-982ed0de4753", "--seed", "0", "--trace", trace}, dir);
  CAPTURE(r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.out, "step-bound"));
  CHECK(contains(r.out, "KVM_REQ_GPC_INVALIDATE"));
  const sim::Trace t = sim::read_trace(trace);
  CHECK(t.variant == "pfncache-982ed0de4753");
  REQUIRE(t.violation);
  CHECK(t.violation->kind == "step-bound");
  CHECK(contains(t.violation->message, "KVM_REQ_GPC_INVALIDATE"));
  CHECK(printed_hash(r.out) == t.hash());
}

TEST_CASE("cli: malformed scenarios exit 2 naming the file and the JSON path") {
  testutil::TempDir dir;
  struct Case {
    std::string file;
    std::string text;        // written as is when not empty
    json doc;                // otherwise this
    std::string expect_in_err;  // what follows the file name
  };
  std::vector<Case> cases;
  cases.push_back({"syntax.json", "{\"name\": \"x\",\n  \"threads\": [\n", {}, ": invalid JSON"});
  {
    json j = good_scenario();
    j["unexpected_member"] = 1;
    cases.push_back({"unknown-member.json", "", j, ": /unexpected_member: "});
  }
  {
    json j = good_scenario();
    j["threads"].insert(j["threads"].begin() + 1, json::parse(R"({
      "name": "vcpu2", "kind": "vcpu", "cpu": 3,
      "program": [{"op": "access", "gfn": {"page": 16}}]})"));
    cases.push_back({"gfn-type.json", "", j, ": /threads/1/program/0/gfn: "});
  }
  {
    json j = good_scenario();
    j["expect"][0]["variant"] = "v3.99";
    cases.push_back({"unknown-variant.json", "", j, ": /expect/0/variant: "});
  }
  {
    json j = good_scenario();
    j["threads"][0]["program"][0]["gfn"] = 0x20;  // the VM has 32 guest frames
    cases.push_back({"gfn-range.json", "", j, ": /threads/0/program/0/gfn: "});
  }
  {
    json j = good_scenario();
    j["threads"][1]["program"][0]["op"] = "resize_memslot";
    cases.push_back({"unknown-op.json", "", j, ": /threads/1/program/0/op: "});
  }
  {
    json j = good_scenario();
    j["exploration"]["seeds"] = "5..2";
    cases.push_back({"seeds.json", "", j, ": /exploration/seeds: "});
  }
  {
    json j = good_scenario();  // a typo: no execution could ever meet it
    j["expect"][0]["verdict"] = "stale_mmio";
    cases.push_back({"unknown-kind.json", "", j, ": /expect/0/verdict: unknown violation kind"});
  }
  for (const Case& c : cases) {
    CAPTURE(c.file);
    const std::string path =
        c.text.empty() ? write_json(dir, c.file, c.doc) : dir.file(c.file);
    if (!c.text.empty()) testutil::write_file(path, c.text);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"sweep", path, "--seeds", "0..1"},
          std::vector<std::string>{"run", path, "--variant", "v3.16", "--seed", "0"}}) {
      CAPTURE(args[0]);
      const ProcessResult r = kvmsim(args, dir);
      CAPTURE(r.err);
      CHECK(r.exit_code == 2);
      CHECK(contains(r.err, path + c.expect_in_err));
      CHECK(r.out.empty());
    }
  }
  // A file that does not exist.
  const std::string missing = dir.file("does-not-exist.json");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"sweep", missing},
        std::vector<std::string>{"run", missing, "--variant", "v3.16", "--seed", "0"},
        std::vector<std::string>{"replay", missing}}) {
    CAPTURE(args[0]);
    const ProcessResult r = kvmsim(args, dir);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, missing));
  }
}

TEST_CASE("cli: a scenario source is a commit or a dated mail") {
  testutil::TempDir dir;
  const json mail = {{"mail", "kvm@vger.kernel.org"},
                     {"date", "2014-08-29"},
                     {"from", "Paolo Bonzini"},
                     {"title", "[PATCH 2/3] kvm: fix potentially corrupt mmio cache"}};
  {
    json j = good_scenario();
    j["sources"].push_back(mail);
    const ProcessResult r =
        kvmsim({"run", write_json(dir, "mail.json", j), "--variant", "v3.16", "--seed", "0"}, dir);
    CAPTURE(r.err);
    CHECK(r.exit_code == 1);  // the scenario's race, as without the source
  }
  struct Case {
    std::string file;
    json source;
    std::string expect_in_err;
  };
  json both = mail;
  both["commit"] = "ee3d1570b586";
  json undated = mail;
  undated.erase("date");
  const std::vector<Case> cases = {
      {"named-file.json", {{"seed", "004.txt"}, {"title", "t"}}, ": /sources/0/seed: unknown member"},
      {"both.json", both, ": /sources/0: a source names a \"commit\" or a \"mail\""},
      {"undated.json", undated, ": /sources/0: "},
      {"dated-commit.json",
       {{"commit", "ee3d1570b586"}, {"date", "2014-08-29"}, {"title", "t"}},
       ": /sources/0: \"date\" and \"from\" describe a \"mail\""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.file);
    json j = good_scenario();
    j["sources"] = json::array({c.source});
    const std::string path = write_json(dir, c.file, j);
    const ProcessResult r = kvmsim({"run", path, "--variant", "v3.16", "--seed", "0"}, dir);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, path + c.expect_in_err));
  }
}

TEST_CASE("cli: check of the shipped scenarios: one OK line per file") {
  testutil::TempDir dir;
  const std::string scenarios = testutil::source_root() + "/scenarios";
  const ProcessResult r = kvmsim({"check", scenarios}, dir);
  CAPTURE(r.out);
  CAPTURE(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  std::string expected;
  for (const auto& f : model::scenario_files({scenarios})) expected += f + ": OK\n";
  CHECK(r.out == expected);
}

TEST_CASE("cli: check names the file and the JSON path of each problem, exit 2") {
  testutil::TempDir dir;
  struct Case {
    std::string file;
    json doc;
    std::string line;  // what follows the file name
  };
  std::vector<Case> cases;
  {
    json j = good_scenario();
    j["expect"][0]["verdict"] = {"stale_mmio"};
    cases.push_back({"typo.json", j, ": /expect/0/verdict/0: unknown violation kind 'stale_mmio' "
                                     "(known: deadlock, generation-backwards, "});
  }
  {
    json j = good_scenario();
    j["oracles"] = json::array();
    cases.push_back({"no-oracle.json", j, ": /expect/0/verdict: no execution at v3.16 can report "
                                          "'stale-mmio': the scenario's oracles do not include "
                                          "stale-mmio\n"});
  }
  {
    json j = good_scenario();
    j["expect"][1]["may"] = {"null-khva"};
    cases.push_back({"may.json", j, ": /expect/1/may/0: no execution at v3.17 can report "
                                    "'null-khva': the scenario has no gfn_to_pfn_cache "
                                    "(vm.gpcs)\n"});
  }
  {
    json j = good_scenario();
    j["threads"][1]["program"].push_back({{"op", "delete_memslot"}, {"slot", 2}});
    cases.push_back({"no-slot.json", j, ": /threads/1/program/1: slot 2 does not exist at this "
                                        "point of the program in any execution: the ioctl fails "
                                        "with -EINVAL\n"});
  }
  {
    json j = good_scenario();
    j["threads"][0]["program"].push_back({{"op", "delete_memslot"}, {"slot", 1}});
    cases.push_back({"vcpu-op.json", j, ": /threads/0/program/1/op: 'delete_memslot' is an "
                                        "updater operation, not a vcpu's\n"});
  }
  for (const Case& c : cases) {
    CAPTURE(c.file);
    const std::string path = write_json(dir, c.file, c.doc);
    const ProcessResult r = kvmsim({"check", path}, dir);
    CAPTURE(r.out);
    CHECK(r.exit_code == 2);
    CHECK(r.out.starts_with(path + c.line));
    CHECK_FALSE(contains(r.out, ": OK"));
    // A sweep refuses the scenario with the same words, before running it.
    const ProcessResult s = kvmsim({"sweep", path, "--seeds", "0..9"}, dir);
    CAPTURE(s.err);
    CHECK(s.exit_code == 2);
    CHECK(s.out.empty());
    CHECK(contains(s.err, "kvmsim: error: " + path + c.line));
  }
  // A directory of them: every file has its line, the good one too.
  write_json(dir, "good.json", good_scenario());
  const ProcessResult all = kvmsim({"check", dir.path()}, dir);
  CAPTURE(all.out);
  CHECK(all.exit_code == 2);
  CHECK(contains(all.out, dir.file("good.json") + ": OK\n"));
  for (const Case& c : cases) CHECK(contains(all.out, dir.file(c.file) + c.line));

  // An ioctl that changes nothing is a warning: exit 0, the file is OK.
  json j = good_scenario();
  j["threads"][1]["program"].push_back(
      {{"op", "set_memslot_flags"}, {"slot", 0}, {"log_dirty_pages", false}});
  const std::string noop = write_json(dir, "noop.json", j);
  const ProcessResult w = kvmsim({"check", noop}, dir);
  CHECK(w.exit_code == 0);
  CHECK(w.out == noop + ": /threads/1/program/1: warning: slot 0 has these flags already: the "
                        "ioctl changes nothing\n" +
                    noop + ": OK\n");
  // The sweep runs it and says the warning.
  const ProcessResult ws = kvmsim({"sweep", noop, "--seeds", "0..9"}, dir);
  CHECK(ws.exit_code == 0);
  // (contains, not ==: a sanitizer build may add its own lines to stderr)
  const std::string warning = "kvmsim: warning: " + noop +
                              ": /threads/1/program/1: slot 0 has these flags already: the ioctl "
                              "changes nothing\n";
  CHECK(contains(ws.err, warning));
  CHECK(ws.err.find("kvmsim: ") == ws.err.rfind("kvmsim: "));  // that line alone
}

TEST_CASE("cli: replay of a trace naming an unknown variant exits 2") {
  testutil::TempDir dir;
  REQUIRE(testutil::fs::exists(testutil::trace_path()));
  json j = json::parse(testutil::read_file(testutil::trace_path()));
  j["variant"] = "v4.20";
  const std::string path = write_json(dir, "variant.json", j);
  const ProcessResult r = kvmsim({"replay", path}, dir);
  CAPTURE(r.err);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, "v4.20"));
}

TEST_CASE("cli: replay of the committed reproducer") {
  testutil::TempDir dir;
  INFO("the reproducer must be committed at " << testutil::trace_path());
  REQUIRE(testutil::fs::exists(testutil::trace_path()));
  const sim::Trace t = sim::read_trace(testutil::trace_path());
  CHECK(t.variant == "v3.16");
  REQUIRE(t.violation);
  CHECK(t.violation->kind == "stale-mmio");
  CHECK(t.scenario == good_scenario());

  // As a user would type it, from the top of the tree.
  const ProcessResult r =
      kvmsim({"replay", testutil::kTraceRel}, dir, testutil::source_root());
  CAPTURE(r.out);
  CAPTURE(r.err);
  CHECK(r.exit_code == 1);  // a violating trace
  CHECK(contains(r.out, "replay matches the recording"));
  CHECK_FALSE(contains(r.out, "MISMATCH"));
  CHECK(printed_hash(r.out) == t.hash());
}

TEST_CASE("cli: replay detects mismatches and rejects edited traces") {
  testutil::TempDir dir;
  REQUIRE(testutil::fs::exists(testutil::trace_path()));
  const json original = json::parse(testutil::read_file(testutil::trace_path()));

  SUBCASE("the same recording replayed at v3.17: mismatch, exit 1") {
    sim::Trace t = sim::read_trace(testutil::trace_path());
    t.variant = "v3.17";
    const std::string path = dir.file("as-v3.17.json");
    sim::write_trace(t, path);  // recomputes the hash; the scenario is unchanged
    const json j = json::parse(testutil::read_file(path));
    CHECK(j.at("scenario").at("content") == original.at("scenario").at("content"));
    CHECK(j.at("variant") == "v3.17");
    const ProcessResult r = kvmsim({"replay", path}, dir);
    CAPTURE(r.out);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "replay MISMATCH"));
    CHECK_FALSE(contains(r.out, "replay matches the recording"));
  }

  SUBCASE("an event value changed, hash recomputed: mismatch, exit 1") {
    sim::Trace t = sim::read_trace(testutil::trace_path());
    REQUIRE(t.events.size() > 3);
    t.events[3].value += "0";
    const std::string path = dir.file("edited-event-rehashed.json");
    sim::write_trace(t, path);
    const ProcessResult r = kvmsim({"replay", path}, dir);
    CAPTURE(r.out);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "replay MISMATCH"));
  }

  SUBCASE("a clean trace replays with exit 0") {
    const std::string path = dir.file("clean.json");
    const ProcessResult run = kvmsim(
        {"run", testutil::scenario_path(), "--variant", "v3.17", "--seed", "0", "--trace", path},
        dir);
    REQUIRE(run.exit_code == 0);
    const ProcessResult r = kvmsim({"replay", path}, dir);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "replay matches the recording"));
  }

  struct Bad {
    std::string file;
    std::string text;
    json doc;
    std::string expect_in_err;  // what follows the file name
  };
  std::vector<Bad> bad;
  bad.push_back({"not-json.json", "this is not JSON\n", {}, ": invalid JSON"});
  {
    json j = original;
    j["format"] = "chrome-trace";
    bad.push_back({"format.json", "", j, ": /format: "});
  }
  {
    json j = original;
    j["events"][0]["value"] = "edited";
    bad.push_back({"edited-hash.json", "", j, ": /hash: "});
  }
  {
    json j = original;
    j["schedule"][1] = j["threads"].size();  // one past the last thread
    bad.push_back({"schedule-thread.json", "", j, ": /schedule/1: "});
  }
  {
    json j = original;
    j["scenario"]["content"]["threads"][0]["program"][0]["gfn"] = 5;
    bad.push_back({"scenario-edited.json", "", j, ": /scenario/sha256: "});
  }
  {
    // An embedded scenario that is invalid, with a consistent checksum.
    json j = original;
    j["scenario"]["content"]["threads"][0]["program"][0]["op"] = "teleport";
    j["scenario"]["sha256"] = sim::scenario_sha256(j["scenario"]["content"]);
    bad.push_back({"scenario-invalid.json", "", j,
                   "#/scenario/content: /threads/0/program/0/op: "});
  }
  for (const Bad& b : bad) {
    SUBCASE(b.file.c_str()) {
      const std::string path = b.text.empty() ? write_json(dir, b.file, b.doc) : dir.file(b.file);
      if (!b.text.empty()) testutil::write_file(path, b.text);
      const ProcessResult r = kvmsim({"replay", path}, dir);
      CAPTURE(r.err);
      CHECK(r.exit_code == 2);
      CHECK(contains(r.err, path + b.expect_in_err));
    }
  }
}

TEST_CASE("cli: replay of a trace whose event names a thread that does not exist") {
  // Once a crash: read_trace checked event thread ids only against kNoThread.
  testutil::TempDir dir;
  REQUIRE(testutil::fs::exists(testutil::trace_path()));
  sim::Trace t = sim::read_trace(testutil::trace_path());
  t.events.at(0).thread = 99;
  const std::string path = dir.file("event-thread.json");
  sim::write_trace(t, path);
  const ProcessResult r = kvmsim({"replay", path}, dir);
  CAPTURE(r.err);
  CHECK(r.signal == 0);
  CHECK(r.exit_code == 2);
}

TEST_CASE("cli: a seed range beyond 64 bits") {
  // Once a crash: std::stoull's out_of_range escaped main.
  testutil::TempDir dir;
  const ProcessResult r = kvmsim(
      {"sweep", testutil::scenario_path(), "--seeds", "0..99999999999999999999"}, dir);
  CAPTURE(r.err);
  CHECK(r.signal == 0);
  CHECK(r.exit_code == 2);
}

TEST_CASE("cli: --param runs a scenario at each value and shows how the metrics grow") {
  testutil::TempDir dir;
  nlohmann::json j = nlohmann::json::parse(testutil::read_file(
      testutil::source_root() + "/scenarios/0e32958ec449-mmio-generation-wrap.json"));
  j["params"] = {{"updates", 160}};
  j["threads"][0]["program"][0]["count"] = "$updates";
  nlohmann::json v317;
  for (const auto& e : j["expect"])
    if (e["variant"] == "v3.17") v317 = e;
  v317.erase("metrics");
  j["expect"] = nlohmann::json::array({v317});
  const std::string file = dir.file("wrap.json");
  testutil::write_file(file, j.dump(2));
  const auto kvmsim = [&](std::vector<std::string> args) {
    args.insert(args.begin(), testutil::kvmsim_bin());
    return testutil::run_process(args, dir);
  };

  const auto grown = kvmsim({"sweep", file, "--param", "updates=40,80", "--seeds", "0..2"});
  CAPTURE(grown.err);
  CHECK(grown.exit_code == 0);
  CHECK(testutil::contains(grown.out, "[updates=40]: seeds 0..2"));
  CHECK(testutil::contains(grown.out, "[updates=80]: seeds 0..2"));
  // v3.17 zaps for the wrap at install 75: not within 40 updates, within 80.
  CHECK(testutil::contains(grown.out, "metrics by parameter:"));
  std::istringstream lines(grown.out);
  std::string line;
  std::map<std::string, std::string> rows;
  while (std::getline(lines, line))
    if (line.rfind("v3.17 ", 0) == 0 && line.find("mmio_wrap_zaps") != std::string::npos)
      rows["mmio_wrap_zaps"] += line + "\n";
    else if (line.rfind("v3.17 ", 0) == 0 && line.find("memslot_installs ") != std::string::npos)
      rows["memslot_installs"] += line + "\n";
  CHECK(testutil::contains(rows["memslot_installs"], " 40 "));
  CHECK(testutil::contains(rows["memslot_installs"], " 80"));
  CHECK(testutil::contains(rows["mmio_wrap_zaps"], " 0 "));

  const auto json = kvmsim({"sweep", file, "--param", "updates=40,80", "--seeds", "0..0", "--json"});
  REQUIRE(json.exit_code == 0);
  const nlohmann::json reports = nlohmann::json::parse(json.out).at("scenarios");
  REQUIRE(reports.size() == 2);
  CHECK(reports[0]["params"]["updates"] == 40);
  CHECK(reports[1]["params"]["updates"] == 80);
  CHECK(reports[1]["variants"][0]["metrics"]["mmio_wrap_zaps"]["max"] == 1);

  const auto run = kvmsim({"run", file, "--variant", "v3.17", "--seed", "0", "--param",
                           "updates=80", "--trace", dir.file("t.json")});
  CHECK(run.exit_code == 0);
  CHECK(kvmsim({"replay", dir.file("t.json")}).exit_code == 0);  // the trace holds the values

  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"sweep", file, "--param", "pages=1"},
        {"sweep", file, "--param", "updates=x"},
        {"sweep", file, "--param", "updates"},
        {"sweep", file, "--param", "updates=1", "--param", "updates=2"},
        {"run", file, "--variant", "v3.17", "--seed", "0", "--param", "updates=1,2"}}) {
    const auto r = kvmsim(bad);
    CAPTURE(bad.back());
    CHECK(r.exit_code == 2);
    CHECK(testutil::contains(r.err, "--param"));
  }
}

TEST_CASE("cli: sweep --traces writes the first failure of each variant, and it replays") {
  testutil::TempDir dir;
  const std::string out = dir.file("found");
  const ProcessResult r =
      kvmsim({"sweep", testutil::scenario_path(), "--seeds", "0..99", "--traces", out}, dir);
  CAPTURE(r.out);
  CHECK(r.exit_code == 0);
  // v3.16 fails (its first failing seed is re-run and written); v3.17 is clean.
  std::vector<std::string> written;
  for (const auto& e : testutil::fs::directory_iterator(out)) written.push_back(e.path().string());
  REQUIRE(written.size() == 1);
  CHECK(contains(written[0], "-v3.16-seed"));
  CHECK(contains(r.out, "kvmsim replay " + written[0]));
  const sim::Trace t = sim::read_trace(written[0]);
  REQUIRE(t.violation.has_value());
  CHECK(t.violation->kind == "stale-mmio");
  const ProcessResult replay = kvmsim({"replay", written[0]}, dir);
  CHECK(replay.exit_code == 1);
  CHECK(contains(replay.out, "replay matches the recording"));
}

TEST_CASE("cli: the command line's own errors carry kvmsim's prefix and a suggestion, status 2") {
  testutil::TempDir dir;
  const std::string sc = testutil::scenario_path();
  struct Case {
    std::vector<std::string> args;
    std::string message;     // what the first line says
    std::string suggestion;  // "" when nothing known is close
  };
  for (const Case& c : std::vector<Case>{
           {{"swep"}, "unknown command 'swep'", "did you mean 'sweep'?"},
           {{"rn", sc}, "unknown command 'rn'", "did you mean 'run'?"},
           {{"frobnicate"}, "unknown command 'frobnicate'", ""},
           {{"--verison"}, "", "did you mean '--version'?"},
           {{"sweep", sc, "--sed", "0..3"}, "--sed", "did you mean '--seeds'?"},
           {{"sweep", sc, "--seeds=0..3", "--jbos", "2"}, "--jbos", "did you mean '--jobs'?"},
           {{"run", sc, "--variant", "v3.16", "--sed", "0"}, "", "did you mean '--seed'?"},
           {{"render", "t.json", "--fromat", "dot"}, "--fromat", "did you mean '--format'?"},
           {{"sweep", sc, "--jobs", "0"}, "--jobs", ""},
           {{"explore", sc, "--variant", "v3.16", "--reduction", "nne"}, "--reduction", ""},
       }) {
    const ProcessResult r = kvmsim(c.args, dir);
    CAPTURE(c.args[0]);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.starts_with("kvmsim: error: "));
    const std::string first = r.err.substr(0, r.err.find('\n'));
    CHECK(contains(first, c.message));
    if (c.suggestion.empty()) {
      CHECK(!contains(r.err, "did you mean"));
    } else {
      CHECK(contains(r.err, c.suggestion));
    }
    CHECK(contains(r.err, "run 'kvmsim help"));
  }
}

TEST_CASE("cli: kvmsim help and kvmsim help COMMAND print what --help prints, status 0") {
  testutil::TempDir dir;
  const ProcessResult all = kvmsim({"help"}, dir);
  CHECK(all.exit_code == 0);
  CHECK(all.out == kvmsim({"--help"}, dir).out);
  for (const char* command : {"sweep", "run", "replay", "merge", "explore", "minimize", "bisect",
                              "equiv", "variants", "render"}) {
    CAPTURE(command);
    CHECK(contains(all.out, std::string("\n  ") + command + " "));
    const ProcessResult one = kvmsim({"help", command}, dir);
    CHECK(one.exit_code == 0);
    CHECK(contains(one.out, std::string("Usage: kvmsim ") + command));
    CHECK(one.out == kvmsim({command, "--help"}, dir).out);
  }
  CHECK(contains(kvmsim({"help", "sweep"}, dir).out, "--seeds"));

  const ProcessResult unknown = kvmsim({"help", "swep"}, dir);
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.starts_with("kvmsim: error: "));
  CHECK(contains(unknown.err, "did you mean 'sweep'?"));
}

TEST_CASE("README.md shows the mistyped-option error as kvmsim prints it") {
  testutil::TempDir dir;
  const std::string readme = testutil::read_file(testutil::source_root() + "/README.md");
  const std::string command = "$ kvmsim sweep scenarios/ --sed 0..99\n";
  const auto at = readme.find(command);
  REQUIRE(at != std::string::npos);
  const auto start = at + command.size();
  const std::string shown = readme.substr(start, readme.find("```", start) - start);
  const ProcessResult r =
      kvmsim({"sweep", "scenarios/", "--sed", "0..99"}, dir, testutil::source_root());
  CHECK(r.exit_code == 2);
  CHECK(r.err == shown);
}

// SPDX-License-Identifier: GPL-2.0-only
// Kernel states as data: the built-in history is model/variants/
// kernel-states.json, `kvmsim variants --diff/--features` show it, a
// --variants-file adds states and --feature overrides a value, a trace of
// either replays without them, and every bad input is refused with exit 2
// and a message naming the file (or option) and the JSON path.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernel_states.hpp"
#include "model/variants/features.hpp"
#include "model/variants/registry.hpp"
#include "sim/json_input.hpp"
#include "test_util.hpp"

using nlohmann::json;
using testutil::contains;
using testutil::kvmsim;
using testutil::ProcessResult;

namespace {

constexpr const char* kUndoState = "v6.1+undo-ecbcf030b456";
constexpr const char* kPfncacheScenarioRel = "scenarios/982ed0de4753-pfncache-invalidation.json";

std::string undo_file() {
  return testutil::source_root() + "/docs/examples/undo-ecbcf030b456.json";
}
std::string pfncache_scenario() { return testutil::source_root() + "/" + kPfncacheScenarioRel; }

// "a, b, c": how a failed comparison of two lists shows them.
std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// What run prints: "steps: N  trace hash: H" and "verdict: V".
struct Printed {
  std::string verdict, steps, hash;
  bool operator==(const Printed&) const = default;
};

Printed printed(const std::string& out) {
  Printed p;
  std::smatch m;
  if (std::regex_search(out, m, std::regex("verdict: (\\S+)"))) p.verdict = m[1];
  if (std::regex_search(out, m, std::regex("steps: ([0-9]+)"))) p.steps = m[1];
  if (std::regex_search(out, m, std::regex("trace hash:? ([0-9a-f]{64})"))) p.hash = m[1];
  return p;
}

// `kvmsim run` of the pfncache scenario; the trace written to `trace`.
Printed run_pfncache(const std::vector<std::string>& state_args, uint64_t seed,
                     const std::string& trace, const testutil::TempDir& dir) {
  std::vector<std::string> args = {"run", pfncache_scenario(), "--seed", std::to_string(seed),
                                   "--trace", trace};
  args.insert(args.end(), state_args.begin(), state_args.end());
  const ProcessResult r = kvmsim(args, dir);
  CAPTURE(r.err);
  REQUIRE(r.exit_code == 0);
  const Printed p = printed(r.out);
  REQUIRE_FALSE(p.hash.empty());
  return p;
}

// Exit 2 with `message` on stderr, nothing on stdout.
void check_refused(const std::vector<std::string>& args, const std::string& message,
                   const testutil::TempDir& dir) {
  const ProcessResult r = kvmsim(args, dir);
  CAPTURE(r.err);
  CHECK(r.exit_code == 2);
  CHECK(contains(r.err, message));
  CHECK(r.out.empty());
}

json variants_file(const json& states) {
  return {{"format", "kvmsim-variants"}, {"version", 1}, {"variants", states}};
}

// v6.1 as a user state based on it, with these features.
json on_v61(const std::string& name, const json& features) {
  return variants_file(json::array({{{"name", name}, {"base", "v6.1"}, {"features", features}}}));
}

const json kUndoDefinition = {{"base", "v6.1"}, {"features", {{"pfncache.active_rules", false}}}};

}  // namespace

// ---------------------------------------------------------------------------
// The built-in states
// ---------------------------------------------------------------------------

TEST_CASE("the built-in states are kernel-states.json's, in order, each based on the one before") {
  const json data = testutil::kernel_states();
  const std::vector<std::string> names = testutil::kernel_state_names();
  REQUIRE(names.size() >= 2);
  CHECK(names.front() == "v3.16");

  std::vector<std::string> built, all;
  for (const model::Variant& v : model::builtin_variants()) built.push_back(v.name);
  for (const model::Variant& v : model::all_variants()) all.push_back(v.name);
  CHECK(joined(built) == joined(names));
  CHECK(joined(all) == joined(names));  // no file and no override in this process

  testutil::TempDir dir;
  const ProcessResult r = kvmsim({"variants", "--json"}, dir);
  REQUIRE(r.exit_code == 0);
  const json doc = json::parse(r.out);
  std::vector<std::string> listed;
  for (const auto& v : doc.at("variants")) listed.push_back(v.at("name").get<std::string>());
  CHECK(joined(listed) == joined(names));

  // The history is linear: the first state sets every feature, each later
  // one names the state before it.
  CHECK_FALSE(data[0].contains("base"));
  CHECK(data[0].at("features").size() == model::all_features().size());
  CHECK(model::builtin_variants()[0].base.empty());
  for (size_t i = 1; i < data.size(); ++i) {
    CAPTURE(names[i]);
    CHECK(data[i].at("base") == names[i - 1]);
    CHECK(model::builtin_variants()[i].base == names[i - 1]);
  }
}

TEST_CASE("variants --diff names each feature two states set apart, with both values") {
  testutil::TempDir dir;
  const ProcessResult text = kvmsim({"variants", "--diff", "v6.0", "v6.1"}, dir);
  CHECK(text.exit_code == 0);
  std::vector<std::vector<std::string>> rows;
  for (const std::string& line : lines_of(text.out)) rows.push_back(words_of(line));
  const std::vector<std::vector<std::string>> want = {
      {"FEATURE", "v6.0", "v6.1"},
      {"pfncache.active_rules", "false", "true"},         // ecbcf030b456
      {"pfncache.khva_follows_offset", "false", "true"},  // 8332f0ed4f18
      {"pfncache.locks_initialized_once", "false", "true"},  // 52491a38b2c2
  };
  CHECK(rows == want);

  const ProcessResult js = kvmsim({"variants", "--diff", "v6.0", "v6.1", "--json"}, dir);
  CHECK(js.exit_code == 0);
  const json j = json::parse(js.out);
  CHECK(j.at("format") == "kvmsim-variants-diff");
  CHECK(j.at("a") == "v6.0");
  CHECK(j.at("b") == "v6.1");
  CHECK(j.at("features") ==
        json::array({{{"name", "pfncache.active_rules"}, {"a", false}, {"b", true}},
                     {{"name", "pfncache.khva_follows_offset"}, {"a", false}, {"b", true}},
                     {{"name", "pfncache.locks_initialized_once"}, {"a", false}, {"b", true}}}));

  // Several features of other types: v4.19 took the second address space.
  const ProcessResult as = kvmsim({"variants", "--diff", "v3.17", "v4.19", "--json"}, dir);
  CHECK(as.exit_code == 0);
  CHECK(json::parse(as.out).at("features") ==
        json::array({{{"name", "address_spaces"}, {"a", 1}, {"b", 2}},
                     {{"name", "initial_generation_stride"}, {"a", 0}, {"b", 2}}}));

  const ProcessResult same = kvmsim({"variants", "--diff", "v6.1", "v6.1"}, dir);
  CHECK(same.exit_code == 0);
  CHECK(same.out == "v6.1 and v6.1 set every feature alike\n");
  const ProcessResult same_js = kvmsim({"variants", "--diff", "v6.1", "v6.1", "--json"}, dir);
  CHECK(same_js.exit_code == 0);
  CHECK(json::parse(same_js.out).at("features") == json::array());

  check_refused({"variants", "--diff", "v6.1", "v9.9"}, "unknown variant 'v9.9'", dir);
}

TEST_CASE("variants --features names every feature with the runs of states that set each value") {
  testutil::TempDir dir;
  const ProcessResult r = kvmsim({"variants", "--features"}, dir);
  CHECK(r.exit_code == 0);
  const std::vector<std::string> lines = lines_of(r.out);
  REQUIRE_FALSE(lines.empty());
  CHECK(words_of(lines[0]) == std::vector<std::string>{"FEATURE", "VALUE", "STATES"});

  // A feature's first line starts with its name; its other values follow
  // on indented lines.
  std::vector<std::string> names, want;
  std::vector<std::vector<std::string>> active_rules;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::vector<std::string> w = words_of(lines[i]);
    if (w.empty()) continue;
    if (lines[i][0] != ' ') names.push_back(w[0]);
    if (!names.empty() && names.back() == "pfncache.active_rules") active_rules.push_back(w);
  }
  for (const model::Feature& f : model::all_features()) want.push_back(f.name);
  CHECK(joined(names) == joined(want));

  // ecbcf030b456 (6.1) rejects an inactive cache: false up to 6.0, true from
  // 6.1 (a run that goes on to any state appended after it).
  REQUIRE(active_rules.size() == 2);
  CHECK(active_rules[0] ==
        std::vector<std::string>{"pfncache.active_rules", "false", "v3.16", "..", "v6.0"});
  REQUIRE(active_rules[1].size() >= 2);
  CHECK(active_rules[1][0] == "true");
  CHECK(active_rules[1][1] == "v6.1");
}

// ---------------------------------------------------------------------------
// A user's states and overrides
// ---------------------------------------------------------------------------

TEST_CASE("a variants file adds its states after the built-in ones") {
  testutil::TempDir dir;
  const ProcessResult r = kvmsim({"variants", "--variants-file", undo_file(), "--json"}, dir);
  REQUIRE(r.exit_code == 0);
  const json listed = json::parse(r.out).at("variants");
  std::vector<std::string> names, want = testutil::kernel_state_names();
  for (const auto& v : listed) names.push_back(v.at("name").get<std::string>());
  want.push_back(kUndoState);
  CHECK(joined(names) == joined(want));
  CHECK(listed.back().at("base") == "v6.1");
  CHECK(listed.back().at("commits") == json::array());  // a patch of ours: no commit id

  // It differs from v6.1 in one feature only.
  const ProcessResult d = kvmsim(
      {"variants", "--variants-file", undo_file(), "--diff", "v6.1", kUndoState, "--json"}, dir);
  CHECK(d.exit_code == 0);
  CHECK(json::parse(d.out).at("features") ==
        json::array({{{"name", "pfncache.active_rules"}, {"a", true}, {"b", false}}}));

  // A second file may build on the first one's state.
  const std::string more = dir.file("more.json");
  testutil::write_file(
      more, variants_file(json::array({{{"name", "undo-more"},
                                        {"base", kUndoState},
                                        {"features", {{"pfncache.khva_follows_offset", false}}}}}))
                .dump());
  const ProcessResult chain =
      kvmsim({"variants", "--variants-file", undo_file(), "--variants-file", more, "--diff", "v6.1",
              "undo-more", "--json"},
             dir);
  CHECK(chain.exit_code == 0);
  CHECK(json::parse(chain.out).at("features") ==
        json::array({{{"name", "pfncache.active_rules"}, {"a", true}, {"b", false}},
                     {{"name", "pfncache.khva_follows_offset"}, {"a", true}, {"b", false}}}));
}

TEST_CASE("a trace of a user's state or of an override replays without the file or the option") {
  testutil::TempDir dir;
  const std::string user_trace = dir.file("user.json"), override_trace = dir.file("override.json");
  const Printed user =
      run_pfncache({"--variants-file", undo_file(), "--variant", kUndoState}, 1, user_trace, dir);
  const Printed overridden = run_pfncache(
      {"--variant", "v6.1", "--feature", "pfncache.active_rules=false"}, 1, override_trace, dir);

  const json ut = json::parse(testutil::read_file(user_trace));
  CHECK(ut.at("variant") == kUndoState);
  CHECK(ut.at("variant_definition") == kUndoDefinition);
  const json ot = json::parse(testutil::read_file(override_trace));
  CHECK(ot.at("variant") == "v6.1");
  CHECK(ot.at("variant_definition") == kUndoDefinition);

  // The state and the override are the same kernel: the same execution.
  CHECK(user == overridden);

  for (const std::string& trace : {user_trace, override_trace}) {
    CAPTURE(trace);
    const ProcessResult r = kvmsim({"replay", trace}, dir);
    CAPTURE(r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "replay matches the recording"));
    CHECK(contains(r.out, user.hash));
  }

  // The definition is what replay runs: without it the override's trace
  // replays plain v6.1, which no longer fits.
  json bare = ot;
  bare.erase("variant_definition");
  const std::string bare_path = dir.file("bare.json");
  testutil::write_file(bare_path, bare.dump());
  const ProcessResult r = kvmsim({"replay", bare_path}, dir);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.out + r.err, "shinfo->active"));

  // A built-in state as it is records no definition.
  const std::string plain_trace = dir.file("plain.json");
  run_pfncache({"--variant", "v6.1"}, 1, plain_trace, dir);
  const json pt = json::parse(testutil::read_file(plain_trace));
  CHECK((!pt.contains("variant_definition") || pt.at("variant_definition").is_null()));
}

TEST_CASE("without ecbcf030b456's rules the pfncache scenario runs differently than at v6.1") {
  // From v6.1 check and refresh fail on an inactive cache (ecbcf030b456);
  // without that rule the execution takes other steps. Seeds 0..2: the user's state and
  // the override agree at each; at least one differs from plain v6.1 (all do
  // when written: 198 steps at v6.1, 187 without).
  testutil::TempDir dir;
  int differing = 0;
  for (uint64_t seed = 0; seed <= 2; ++seed) {
    CAPTURE(seed);
    const std::string t = dir.file("t.json");
    const Printed user =
        run_pfncache({"--variants-file", undo_file(), "--variant", kUndoState}, seed, t, dir);
    const Printed overridden = run_pfncache(
        {"--variant", "v6.1", "--feature", "pfncache.active_rules=false"}, seed, t, dir);
    const Printed plain = run_pfncache({"--variant", "v6.1"}, seed, t, dir);
    CHECK(user == overridden);
    if (plain.hash != user.hash || plain.verdict != user.verdict) ++differing;
    if (seed == 1) {
      CHECK(plain.steps == "198");
      CHECK(user.steps == "187");
    }
  }
  CHECK(differing >= 1);
}

// A trace records a user's state as the built-in state it derives from and
// the features that differ, so replay needs no file: a state of a file must
// therefore extend one, even when it sets every feature.
// A series under review is a state to run it by, and says that it is one.
TEST_CASE("a proposed state is listed as proposed, not merged") {
  testutil::TempDir dir;
  const std::string file = dir.file("series.json");
  json states = on_v61("v6.1+series-v3", {{"pfncache.khva_follows_offset", false}});
  states["variants"][0]["proposed"] = true;
  testutil::write_file(file, states.dump());
  const ProcessResult text = kvmsim({"variants", "--variants-file", file}, dir);
  CHECK(text.exit_code == 0);
  // Its two lines come last: its row, then what it extends and that it is
  // proposed.
  const std::string last2 = text.out.substr(text.out.rfind("v6.1+series-v3 "));
  const size_t newline = last2.find('\n');
  CHECK(last2.substr(0, newline).ends_with(" 6.1     (no commits of its own)"));
  const std::string second = last2.substr(newline + 1);
  CHECK(second.substr(second.find_first_not_of(' ')) == "extends v6.1; proposed, not merged\n");
  const ProcessResult j = kvmsim({"variants", "--variants-file", file, "--json"}, dir);
  REQUIRE(j.exit_code == 0);
  const json listed = json::parse(j.out).at("variants");
  CHECK(listed.back().at("proposed") == true);
  // The built-in states are merged ones: no "proposed" member at all.
  for (size_t i = 0; i + 1 < listed.size(); ++i) CHECK_FALSE(listed[i].contains("proposed"));
}

TEST_CASE("a user's state without a base is refused, even one that sets every feature") {
  testutil::TempDir dir;
  json features = json::object();  // every feature as v6.1 sets it
  for (const auto& s : testutil::kernel_states()) {
    for (const auto& [k, v] : s.at("features").items()) features[k] = v;
    if (s.at("name") == "v6.1") break;
  }
  features["pfncache.active_rules"] = false;
  const std::string file = dir.file("whole.json");
  testutil::write_file(file, variants_file(json::array({{{"name", "whole"},
                                                         {"version", "6.1"},
                                                         {"features", features}}}))
                                 .dump());
  check_refused({"variants", "--variants-file", file},
                file + ": /variants/0: a state of a --variants-file names the state it extends in "
                       "\"base\"",
                dir);
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

TEST_CASE("a bad variants file is refused with its name and the JSON path") {
  testutil::TempDir dir;
  struct Case {
    const char* name;
    std::string text;
    std::string message;  // after "FILE: "
  };
  const std::string v = R"("format": "kvmsim-variants", "version": 1)";
  const std::vector<Case> cases = {
      {"syntax", "{" + v + R"(, "variants": [})", "invalid JSON"},
      {"format", R"({"format": "kvmsim-trace", "version": 1, "variants": []})",
       "/format: expected \"kvmsim-variants\""},
      {"version", R"({"format": "kvmsim-variants", "version": 2, "variants": []})",
       "/version: expected 1"},
      {"base", variants_file(json::array({{{"name", "x"}, {"base", "v9.9"}}})).dump(),
       "/variants/0/base: unknown state 'v9.9'"},
      {"unknown-feature", on_v61("x", {{"pfncache.activ_rules", false}}).dump(),
       "/variants/0/features/pfncache.activ_rules: unknown feature 'pfncache.activ_rules'"},
      {"bool-given-1", on_v61("x", {{"pfncache.active_rules", 1}}).dump(),
       "/variants/0/features/pfncache.active_rules: expected true or false"},
      {"enumerator", on_v61("x", {{"in_progress_flag", "bit62"}}).dump(),
       "/variants/0/features/in_progress_flag: 'bit62' is not one of none, odd_generation, bit0, "
       "bit63"},
      {"address-spaces", on_v61("x", {{"address_spaces", 3}}).dump(),
       "/variants/0/features/address_spaces: expected 1..2"},
      {"builtin-name", variants_file(json::array({{{"name", "v6.1"}, {"base", "v6.0"}}})).dump(),
       "/variants/0/name: state 'v6.1' is already defined"},
      {"no-base",
       variants_file(json::array({{{"name", "x"}, {"features", {{"address_spaces", 1}}}}})).dump(),
       "/variants/0: a state of a --variants-file names the state it extends in \"base\""},
      {"member",
       variants_file(json::array({{{"name", "x"}, {"base", "v6.1"}, {"colour", "red"}}})).dump(),
       "/variants/0/colour: unknown member"},
      {"empty", variants_file(json::array()).dump(), "/variants: expected at least one state"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::string path = dir.file(std::string(c.name) + ".json");
    testutil::write_file(path, c.text);
    check_refused({"variants", "--variants-file", path}, path + ": " + c.message, dir);
  }
  check_refused({"variants", "--variants-file", dir.file("missing.json")},
                dir.file("missing.json") + ": cannot open file", dir);
  // A file given twice defines its states twice.
  check_refused({"variants", "--variants-file", undo_file(), "--variants-file", undo_file()},
                undo_file() + ": /variants/0/name: state '" + kUndoState + "' is already defined",
                dir);
  // The same checks guard every command that takes the option.
  const std::string bad = dir.file("address-spaces.json");
  check_refused({"run", pfncache_scenario(), "--variants-file", bad, "--variant", "v6.1", "--seed",
                 "1"},
                bad + ": /variants/0/features/address_spaces: expected 1..2", dir);
}

TEST_CASE("a bad --feature is refused naming the option") {
  testutil::TempDir dir;
  check_refused({"variants", "--feature", "pfncache.active_rules"},
                "--feature pfncache.active_rules: expected NAME=VALUE", dir);
  check_refused({"variants", "--feature", "pfncache.activ_rules=true"},
                "--feature pfncache.activ_rules=true: unknown feature 'pfncache.activ_rules'", dir);
  check_refused({"variants", "--feature", "pfncache.active_rules=maybe"},
                "--feature pfncache.active_rules=maybe: expected true or false", dir);
  check_refused({"variants", "--feature", "address_spaces=3"},
                "--feature address_spaces=3: expected 1..2", dir);
  check_refused({"run", pfncache_scenario(), "--variant", "v6.1", "--seed", "1", "--feature",
                 "in_progress_flag=bit62"},
                "--feature in_progress_flag=bit62: 'bit62' is not one of none, odd_generation, "
                "bit0, bit63",
                dir);
}

TEST_CASE("a trace whose variant_definition names no known base or feature is refused") {
  // The trace hash does not cover variant_definition, so an edited one
  // reaches the checks of the definition itself.
  testutil::TempDir dir;
  const std::string trace = dir.file("t.json");
  run_pfncache({"--variant", "v6.1", "--feature", "pfncache.active_rules=false"}, 1, trace, dir);
  const json recorded = json::parse(testutil::read_file(trace));
  REQUIRE(recorded.at("variant_definition") == kUndoDefinition);

  struct Case {
    const char* name;
    json definition;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"base", {{"base", "v9.9"}, {"features", json::object()}},
       "/variant_definition/base: unknown state 'v9.9'"},
      {"feature", {{"base", "v6.1"}, {"features", {{"pfncache.activ_rules", false}}}},
       "/variant_definition/features/pfncache.activ_rules: unknown feature"},
      {"value", {{"base", "v6.1"}, {"features", {{"pfncache.active_rules", 1}}}},
       "/variant_definition/features/pfncache.active_rules: expected true or false"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    json edited = recorded;
    edited["variant_definition"] = c.definition;
    const std::string path = dir.file(std::string(c.name) + ".json");
    testutil::write_file(path, edited.dump());
    check_refused({"replay", path}, path + ": " + c.message, dir);
  }
}

TEST_CASE("read_variants_file reads a file's states without adding them") {
  testutil::TempDir dir;
  const std::string path = dir.file("states.json");
  testutil::write_file(path, on_v61("read-only", {{"pfncache.active_rules", false}}).dump());
  const size_t before = model::all_variants().size();
  const std::vector<model::Variant> states = model::read_variants_file(path);
  REQUIRE(states.size() == 1);
  CHECK(states[0].name == "read-only");
  CHECK(states[0].base == "v6.1");
  CHECK(model::all_variants().size() == before);
  CHECK_THROWS_AS(model::find_variant("read-only"), sim::InputError);
}

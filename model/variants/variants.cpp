// SPDX-License-Identifier: GPL-2.0-only
// Loads the kernel states: the built-in history, then the user's files, with
// the --feature overrides on top.
#include <deque>
#include <set>

#include <fmt/format.h>

#include "model/variants/features.hpp"
#include "model/variants/registry.hpp"
#include "sim/json_input.hpp"

namespace model {

// model/variants/kernel-states.json, built into kvmsim by tools/embed.
extern const char kKernelStatesJson[];

namespace {

constexpr const char* kBuiltinFile = "model/variants/kernel-states.json";

struct Override {
  const Feature* feature;
  nlohmann::json value;
};

struct Registry {
  std::vector<Variant> builtin;
  std::vector<Variant> user;
  std::vector<Override> overrides;
  std::vector<Variant> defined;  // builtin + user
  std::vector<Variant> states;   // defined, overrides applied
  // States rebuilt from traces; a deque keeps references valid.
  std::deque<Variant> from_traces;
};

const Variant* find_in(const std::vector<Variant>& states, const std::string& name) {
  for (const Variant& v : states)
    if (v.name == name) return &v;
  return nullptr;
}

std::string names(const std::vector<Variant>& states) {
  std::vector<std::string> out;
  for (const Variant& v : states) out.push_back(v.name);
  return fmt::format("{}", fmt::join(out, ", "));
}

// "notes": one string, or an array of strings joined with spaces (so that a
// long note reads as lines in the file).
std::string read_notes(const sim::JsonIn& j) {
  if (j.raw().is_string()) return j.str();
  if (!j.raw().is_array()) j.error("expected a string or an array of strings");
  std::vector<std::string> lines;
  for (const sim::JsonIn& line : j.items()) lines.push_back(line.str());
  return fmt::format("{}", fmt::join(lines, " "));
}

std::vector<Commit> read_commits(const sim::JsonIn& j) {
  std::vector<Commit> out;
  for (const sim::JsonIn& c : j.items()) {
    c.expect_object({"id", "title"});
    out.push_back({c.at("id").str(), c.at("title").str()});
  }
  return out;
}

// Sets each member of `features` (an object of NAME: VALUE) on `v`.
void set_features(Variant& v, const sim::JsonIn& features) {
  for (const auto& [key, value] : features.members())
    find_feature(key, value.file() + ": " + value.pointer()).set(v, value);
}

// One state of a variants file. `known` holds every state before it (the
// built-in ones and those read so far), which its base must be one of.
Variant read_state(const sim::JsonIn& j, const std::vector<Variant>& known, bool builtin) {
  j.expect_object({"name", "base", "version", "proposed", "commits", "features", "notes"});
  const sim::JsonIn name = j.at("name");
  Variant v;
  if (j.has("base")) {
    const std::string base = j.at("base").str();
    const Variant* b = find_in(known, base);
    if (!b)
      j.at("base").error(
          fmt::format("unknown state '{}' (known: {})", base, known.empty() ? "none" : names(known)));
    v = *b;
    v.base = base;
    v.commits.clear();
    v.notes.clear();
    v.proposed = false;
  } else if (!builtin) {
    // What a trace records of a user's state is how it differs from the
    // built-in one it derives from.
    j.error("a state of a --variants-file names the state it extends in \"base\"");
  } else {
    // A state without a base sets every feature.
    std::set<std::string> given;
    if (j.has("features"))
      for (const auto& [key, value] : j.at("features").members()) given.insert(key);
    std::vector<std::string> missing;
    for (const Feature& f : all_features())
      if (!given.count(f.name)) missing.push_back(f.name);
    if (!missing.empty())
      j.error(fmt::format("a state without \"base\" sets every feature; missing: {}",
                          fmt::join(missing, ", ")));
  }
  v.name = name.str();
  if (v.name.empty()) name.error("expected a non-empty name");
  if (find_in(known, v.name)) name.error(fmt::format("state '{}' is already defined", v.name));
  if (j.has("version")) v.version = j.at("version").str();
  if (!j.has("base") && !j.has("version")) j.error("a state without \"base\" needs \"version\"");
  if (j.has("proposed")) v.proposed = j.at("proposed").boolean();
  if (j.has("commits")) v.commits = read_commits(j.at("commits"));
  if (j.has("notes")) v.notes = read_notes(j.at("notes"));
  if (j.has("features")) set_features(v, j.at("features"));
  if (builtin) v.builtin = v.name;
  else v.file = j.file();
  return v;
}

std::vector<Variant> read_states(const nlohmann::json& doc, const std::string& file,
                                 std::vector<Variant> known, bool builtin) {
  const sim::JsonIn root(doc, file);
  root.expect_object({"format", "version", "variants"});
  if (root.at("format").str() != "kvmsim-variants")
    root.at("format").error("expected \"kvmsim-variants\"");
  if (root.at("version").u64() != 1) root.at("version").error("expected 1 (the only version)");
  std::vector<Variant> out;
  for (const sim::JsonIn& state : root.at("variants").items()) {
    Variant v = read_state(state, known, builtin);
    known.push_back(v);
    out.push_back(std::move(v));
  }
  if (out.empty()) root.at("variants").error("expected at least one state");
  return out;
}

void apply_overrides(Variant& v, const std::vector<Override>& overrides) {
  for (const Override& o : overrides)
    o.feature->set(v, sim::JsonIn(o.value, "--feature", "/" + o.feature->name));
}

void rebuild_states(Registry& r);

Registry& registry() {
  static Registry r = [] {
    Registry n;
    n.builtin = read_states(nlohmann::json::parse(kKernelStatesJson), kBuiltinFile, {}, true);
    rebuild_states(n);
    return n;
  }();
  return r;
}

void rebuild_states(Registry& r) {
  r.defined = r.builtin;
  r.defined.insert(r.defined.end(), r.user.begin(), r.user.end());
  r.states = r.defined;
  for (Variant& v : r.states) apply_overrides(v, r.overrides);
}

}  // namespace

const std::vector<Variant>& builtin_variants() { return registry().builtin; }

const std::vector<Variant>& all_variants() { return registry().states; }

const std::vector<Variant>& variants_as_defined() { return registry().defined; }

const Variant& find_variant(const std::string& name) {
  const std::vector<Variant>& states = all_variants();
  if (const Variant* v = find_in(states, name)) return *v;
  throw sim::InputError(fmt::format("unknown variant '{}' (known: {})", name, names(states)));
}

std::vector<Variant> read_variants_file(const std::string& path) {
  return read_states(sim::read_json_file(path, sim::kVariantsInput), path, variants_as_defined(),
                     false);
}

void load_variants_file(const std::string& path) {
  Registry& r = registry();
  for (Variant& v : read_variants_file(path)) r.user.push_back(std::move(v));
  rebuild_states(r);
}

void set_feature_overrides(const std::vector<std::string>& specs) {
  Registry& r = registry();
  std::vector<Override> overrides;
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    const std::string where = "--feature " + spec;
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      throw sim::InputError(where + ": expected NAME=VALUE");
    const std::string text = spec.substr(eq + 1);
    nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded()) value = text;  // a bare enumerator name
    const Feature& f = find_feature(spec.substr(0, eq), where);
    // Checked here, on a scratch state, so that a bad value is reported
    // before anything runs.
    // JsonIn's errors name a file and a path; the option has neither, so
    // keep only what was wrong.
    Variant scratch = r.builtin.front();
    try {
      f.set(scratch, sim::JsonIn(value, where));
    } catch (const sim::InputError& e) {
      const std::string prefix = where + ": /: ";
      throw sim::InputError(where + ": " + std::string(e.what()).substr(prefix.size()));
    }
    overrides.push_back({&f, std::move(value)});
  }
  r.overrides = std::move(overrides);
  rebuild_states(r);
}

std::vector<std::string> feature_overrides() {
  std::vector<std::string> out;
  for (const Override& o : registry().overrides)
    out.push_back(o.feature->name + "=" + feature_value_text(o.value));
  return out;
}

std::string variant_definition_text(const nlohmann::json& definition) {
  std::vector<std::string> out;
  for (const auto& [name, value] : definition.at("features").items())
    out.push_back(name + "=" + feature_value_text(value));
  return fmt::format("{} with {}", definition.at("base").get<std::string>(),
                     out.empty() ? "no change" : fmt::format("{}", fmt::join(out, " ")));
}

nlohmann::json variant_definition(const Variant& v) {
  const Variant* base = find_in(builtin_variants(), v.builtin);
  if (!base) return nullptr;  // not loaded by the registry: nothing to say
  const std::vector<const Feature*> diff = differing_features(*base, v);
  if (v.name == base->name && diff.empty()) return nullptr;
  nlohmann::json features = nlohmann::json::object();
  for (const Feature* f : diff) features[f->name] = f->get(v);
  return {{"base", base->name}, {"features", features}};
}

const Variant& variant_of_trace(const std::string& name, const nlohmann::json& definition,
                                const std::string& file) {
  Registry& r = registry();
  if (definition.is_null()) {
    if (const Variant* v = find_in(r.builtin, name)) return *v;
    throw sim::InputError(fmt::format("{}: /variant: unknown variant '{}' (known: {})", file, name,
                                      names(r.builtin)));
  }
  const sim::JsonIn def(definition, file, "/variant_definition");
  def.expect_object({"base", "features"});
  const std::string base = def.at("base").str();
  const Variant* b = find_in(r.builtin, base);
  if (!b) def.at("base").error(fmt::format("unknown state '{}' (known: {})", base, names(r.builtin)));
  Variant v = *b;
  v.name = name;
  set_features(v, def.at("features"));
  return r.from_traces.emplace_back(std::move(v));
}

}  // namespace model

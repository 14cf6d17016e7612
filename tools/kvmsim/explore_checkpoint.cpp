// SPDX-License-Identifier: GPL-2.0-only
#include "explore_checkpoint.hpp"

#include <fmt/format.h>

#include "output_format.hpp"
#include "model/variants/registry.hpp"
#include "sim/file_output.hpp"
#include "sim/json_input.hpp"
#include "sim/trace/trace.hpp"

namespace kvmsim {

namespace {

using nlohmann::json;

constexpr const char* kFormat = "kvmsim-explore-checkpoint";
constexpr int kVersion = 1;

json level_json(const sim::LevelCount& l) {
  return {{"schedules", l.schedules}, {"pruned", l.pruned}};
}

sim::LevelCount read_level(const sim::JsonIn& in) {
  in.expect_object({"schedules", "pruned"});
  return {in.at("schedules").u64(), in.at("pruned").u64()};
}

json bound_json(uint64_t bound) {
  return bound == sim::kUnbounded ? json("unbounded") : json(bound);
}

}  // namespace

void write_checkpoint(const ExploreSetting& setting, const ExploreCheckpoint& c,
                      const std::string& path) {
  const sim::SearchResult& r = c.done;
  json levels = json::array();
  for (const sim::LevelCount& l : r.levels) levels.push_back(level_json(l));
  const json body = {
      {"scenario", setting.scenario->name},
      {"path", setting.scenario->path},
      {"params", setting.scenario->params},
      {"sha256", sim::scenario_sha256(setting.scenario->json)},
      {"variant", setting.variant->name},
      {"definition", model::variant_definition(*setting.variant)},
      {"preemption_bound", bound_json(setting.preemption_bound)},
      {"reduction", setting.reduction},
      {"completed_levels", levels},
      {"schedules", r.schedules},
      {"pruned", r.pruned},
      {"reexecuted", r.reexecuted},
      {"max_depth", r.max_depth},
      {"stopped_in", c.stopped_in ? level_json(*c.stopped_in) : json(nullptr)}};
  sim::write_file_atomically(path, output_document(kFormat, kVersion, body).dump(2) + "\n");
}

ExploreCheckpoint read_checkpoint(const ExploreSetting& setting, const std::string& path) {
  const json doc = sim::read_json_file(path, sim::kCheckpointInput);
  const sim::JsonIn in(doc, path);
  if (!doc.is_object() || doc.value("format", json()) != kFormat)
    in.error(fmt::format("not a kvmsim explore checkpoint (\"format\" is not \"{}\"; write one "
                         "with kvmsim explore --checkpoint)",
                         kFormat));
  in.expect_object({"format", "version", "scenario", "path", "params", "sha256", "variant",
                    "definition", "preemption_bound", "reduction", "completed_levels",
                    "schedules", "pruned", "reexecuted", "max_depth", "stopped_in"});
  if (in.at("version").u64() != kVersion)
    in.at("version").error(fmt::format("format version {} is not the one this kvmsim reads ({})",
                                       in.at("version").u64(), kVersion));
  const auto same = [&](const char* key, const json& want, const std::string& what) {
    if (in.at(key).raw() != want)
      in.at(key).error(fmt::format("{}, not {} as this search", in.at(key).raw().dump(), what));
  };
  same("sha256", sim::scenario_sha256(setting.scenario->json),
       "the content of " + setting.scenario->path + " (file or --param changed?)");
  same("variant", setting.variant->name, setting.variant->name);
  same("definition", model::variant_definition(*setting.variant),
       "the definition this kvmsim runs (--variants-file, --feature)");
  same("preemption_bound", bound_json(setting.preemption_bound),
       fmt::format("-k {}", setting.preemption_bound));
  same("reduction", setting.reduction, "--reduction " + setting.reduction);
  ExploreCheckpoint c;
  sim::SearchResult& r = c.done;
  for (const sim::JsonIn& l : in.at("completed_levels").items()) r.levels.push_back(read_level(l));
  if (r.levels.size() > setting.preemption_bound)
    in.at("completed_levels").error("more levels than the bound allows");
  r.schedules = in.at("schedules").u64();
  r.pruned = in.at("pruned").u64();
  r.reexecuted = in.at("reexecuted").u64();
  r.max_depth = in.at("max_depth").u64();
  uint64_t schedules = 0, pruned = 0;
  for (const sim::LevelCount& l : r.levels) {
    schedules += l.schedules;
    pruned += l.pruned;
  }
  if (schedules != r.schedules) in.at("schedules").error("is not the sum of the levels'");
  if (pruned != r.pruned) in.at("pruned").error("is not the sum of the levels'");
  if (!in.at("stopped_in").raw().is_null()) c.stopped_in = read_level(in.at("stopped_in"));
  return c;
}

}  // namespace kvmsim

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "model/variants.hpp"

namespace kvmsim {

int cmd_variants(bool json) {
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : model::all_variants()) {
      nlohmann::json commits = nlohmann::json::array();
      for (const auto& c : v.commits) commits.push_back({{"id", c.id}, {"title", c.title}});
      out.push_back({{"name", v.name}, {"version", v.version}, {"commits", commits},
                     {"notes", v.notes}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{:<10} {:<8} {}\n", "VARIANT", "VERSION", "COMMITS");
  for (const auto& v : model::all_variants()) {
    bool first = true;
    for (const auto& c : v.commits) {
      fmt::print("{:<10} {:<8} {:<13} {}\n", first ? v.name : "", first ? v.version : "", c.id,
                 c.title);
      first = false;
    }
  }
  return 0;
}

}  // namespace kvmsim

// Scenario files: a race as data (JSON), loaded into threads of the model.
// The format is documented in scenarios/README.md and scenarios/schema.json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/kvm_host.hpp"

namespace model {

struct Expectation {
  std::string variant;
  std::vector<std::string> kinds;  // violation kinds expected; empty: "clean"
  std::string why;

  std::string verdict() const;  // "clean", "stale-mmio", "a+b"
};

struct Op {
  enum class Kind { access, set_memory_region, wait_for };
  Kind kind;
  gfn_t gfn = 0;
  bool write = false;
  kvm_userspace_memory_region region;  // set_memory_region (memory_size 0 deletes)
  size_t thread = 0;                   // wait_for: index of the awaited thread
};

struct ThreadSpec {
  enum class Kind { vcpu, updater };
  std::string name;
  Kind kind;
  int cpu = 0;
  std::vector<Op> program;
};

struct Exploration {
  std::string strategy = "random";
  uint64_t seed_begin = 0;
  uint64_t seed_end = 0;  // inclusive
  uint64_t step_bound = 10000;
};

struct Scenario {
  std::string path;
  nlohmann::json json;  // as read, for embedding in traces
  std::string name;
  std::string title;
  std::vector<Expectation> expect;
  uint64_t gfns = 0;
  std::vector<kvm_memory_slot> memslots;
  std::optional<uint64_t> generation;
  std::vector<ThreadSpec> threads;
  Oracles oracles;
  Exploration exploration;
};

// Loads and validates a scenario; sim::InputError names the file and the
// JSON path of the first offending value.
Scenario load_scenario(const std::string& path);
Scenario parse_scenario(const nlohmann::json& json, const std::string& path);

// "A..B" (inclusive) into its bounds; throws std::invalid_argument.
std::pair<uint64_t, uint64_t> parse_seed_range(const std::string& text);

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
// Scenario files: a race as data (JSON), loaded into threads of the model.
// The format is documented in scenarios/README.md and scenarios/schema.json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/include/linux/kvm_host.hpp"
#include "model/harness/scenario_params.hpp"
#include "model/harness/scenario_pfncache.hpp"
#include "model/harness/scenario_shadow.hpp"

namespace model {

// A bound on a metric that every execution must meet.
struct MetricBound {
  std::string metric;
  uint64_t min = 0;
  uint64_t max = UINT64_MAX;
};

// A relation between two metrics that every execution must meet, e.g.
// "restarts == pages_zapped" (a metric an execution did not touch is 0).
struct MetricRelation {
  enum class Op { eq, ne, lt, le, gt, ge };
  std::string left;
  Op op = Op::eq;
  std::string right;

  bool holds(uint64_t l, uint64_t r) const;
  std::string text() const;  // "restarts==pages_zapped"
};

// "A op B" with op one of == != < <= > >= (spaces optional); std::invalid_argument
// otherwise.
MetricRelation parse_metric_relation(const std::string& text);

// Starting memslots generations per address space (vm.generations); an
// entry without a value keeps the variant's kvm_create_vm value.
using Generations = std::vector<std::optional<uint64_t>>;

struct Expectation {
  std::string variant;
  // "verdict": the kinds that must show up (sorted); empty: "clean". A
  // sweep requires them only where the scenario promises them: over its
  // default seeds under its default strategy (see model::meets).
  std::vector<std::string> kinds;
  std::vector<std::string> may;  // "may": allowed, never required (sorted)
  std::vector<MetricBound> metrics;
  std::vector<MetricRelation> relations;
  std::string why;
  // "vm": {"generations": [...]}: this kernel state's own starting
  // generations, in place of the scenario's.
  std::optional<Generations> generations;

  std::string verdict() const;  // "clean", "stale-mmio", "a+b"
  bool expects(const std::string& kind) const;  // is it one of `kinds` (must)?
  bool allows(const std::string& kind) const;   // one of `kinds` or `may`?
};

struct Op {
  enum class Kind {
    access,               // vcpu: guest access to gfn
    enter_smm,            // vcpu: switch to address space 1
    leave_smm,            // vcpu: RSM, back to address space 0
    create_memslot,       // updater: KVM_SET_USER_MEMORY_REGION, KVM_MR_CREATE
    delete_memslot,       // updater: KVM_MR_DELETE
    move_memslot,         // updater: KVM_MR_MOVE to base_gfn
    set_memslot_flags,    // updater: KVM_MR_FLAGS_ONLY to flags
    memslot_updates,      // updater: `count` FLAGS_ONLY updates toggling dirty logging
    flush_shadow_all,     // updater: kvm_arch_flush_shadow_all, every shadow page zapped
    change_mmu_pages,     // updater: KVM_SET_NR_MMU_PAGES to `count`
    fault_in_shadow_page, // vcpu: `count` faults, each needing a page for gfn + k at `level`
    walk_shadow_page_lockless, // vcpu: `count` lockless walks from its root, for gfn + k
    wait_for,             // any: wait until `thread` has finished its program
    // gfn_to_pfn_cache (scenario_pfncache.hpp): the cache `gpc` at gfn + offset
    gpc_init,             // kvm_gfn_to_pfn_cache_init; `thread`: the vCPU to evict
    gpc_refresh,          // kvm_gfn_to_pfn_cache_refresh
    gpc_access,           // `count` check-refresh-access rounds under gpc->lock (read)
    gpc_guest_use,        // vcpu: `count` VM entries using the cached pfn in guest mode
    gpc_unmap,            // kvm_gfn_to_pfn_cache_unmap
    gpc_destroy,          // kvm_gfn_to_pfn_cache_destroy
    munmap,               // host: munmap of the page at userspace_addr
    migrate_page,         // host: migrate the page at userspace_addr
    oom_reap,             // host: the OOM reaper unmaps the page at userspace_addr
  };
  Kind kind;
  gfn_t gfn = 0;        // access; create and move: the new base gfn
  bool write = false;   // access
  unsigned as_id = 0;   // memslot operations
  uint32_t slot = 0;    // memslot operations
  uint64_t npages = 0;  // create
  hva_t userspace_addr = 0;  // create
  uint32_t flags = 0;        // set_memslot_flags
  uint64_t count = 0;        // memslot_updates, change_mmu_pages, *_shadow_page*
  unsigned level = 1;        // fault_in_shadow_page
  size_t thread = 0;         // wait_for, and `until` of the *_shadow_page* ops: a thread index
  bool until = false;        // *_shadow_page* ops: repeat until `thread` has finished
  size_t gpc = 0;            // gpc_*: index into Scenario::gpcs
  uint64_t offset = 0;       // gpc_*: byte offset of the cached gpa in its page
  bool guest_uses_pa = false;  // gpc_init
  bool kernel_map = true;      // gpc_init
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

// An MMIO SPTE present when the scenario starts, as if built long ago when
// its address space's memslots generation was `generation`.
struct InitialMmioSpte {
  unsigned as_id = 0;
  gfn_t gfn = 0;
  uint64_t generation = 0;
};

struct Scenario {
  std::string path;
  nlohmann::json json;  // as read with its parameters applied, for embedding in traces
  ParamValues params;   // the values its parameters took
  std::string name;
  std::string title;
  std::vector<Expectation> expect;
  uint64_t gfns = 0;
  unsigned address_spaces = 1;  // 2 if anything uses the SMM address space
  std::vector<std::vector<kvm_memory_slot>> memslots;  // per address space
  Generations generations;                             // vm.generations
  std::vector<InitialMmioSpte> mmio_sptes;
  std::vector<InitialShadowPage> shadow_pages;
  std::optional<uint64_t> n_max_mmu_pages;  // vm.n_max_mmu_pages
  std::vector<InitialHostMapping> host_mappings;
  std::vector<std::string> gpcs;  // gfn_to_pfn_cache names
  bool uses_x86_mmu = false;      // anything of model/arch/x86: SPTEs, shadow pages, exits
  std::vector<ThreadSpec> threads;
  Oracles oracles;
  Exploration exploration;
};

// Loads and validates a scenario; sim::InputError names the file and the
// JSON path of the first offending value.
// `overrides` set declared parameters (see scenario_params.hpp).
Scenario load_scenario(const std::string& path, const ParamValues& overrides = {});

// The scenario files that paths name: a file stands for itself, a directory
// for the *.json files in it (not schema.json, the format), in name order.
// sim::InputError for a directory without any.
std::vector<std::string> scenario_files(const std::vector<std::string>& paths);
Scenario parse_scenario(const nlohmann::json& json, const std::string& path,
                        const ParamValues& overrides = {});

// Why `scenario` cannot run at `variant` ("" if it can): it uses an address
// space the kernel state does not have, a gfn_to_pfn_cache before there was
// one, or the x86 MMU at a state the model's MMU does not mirror.
std::string cannot_run_at(const Scenario& scenario, const Variant& variant);

// The starting generations of `scenario` at `variant`: its expectation's
// for that state if it gives them, else vm.generations.
const Generations& generations_at(const Scenario& scenario, const std::string& variant);

// "A..B" (inclusive) into its bounds; throws std::invalid_argument.
std::pair<uint64_t, uint64_t> parse_seed_range(const std::string& text);

}  // namespace model

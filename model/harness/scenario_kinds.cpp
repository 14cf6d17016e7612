// SPDX-License-Identifier: GPL-2.0-only
#include "model/harness/scenario_kinds.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>

#include "model/harness/scenario.hpp"
#include "model/variants/variants.hpp"

namespace model {

namespace {

// What must be in a scenario for its executions to reach the code that
// reports a kind.
enum class Needs {
  nothing,              // the engine: any execution
  stale_mmio_oracle,    // "oracles": ["stale-mmio"]
  in_flux_oracle,       // "oracles": ["stale-mmio-in-flux"]
  backwards_oracle,     // "oracles": ["generation-backwards"]
  memslot_update,       // an updater ioctl: install_new_memslots runs
  x86_mmu,              // a kernel state of the x86 MMU model (up to 5.1)
  x86_memslot_update,   // both: kvm_arch_memslots_updated's MMIO SPTE hooks
  gpc,                  // a gfn_to_pfn_cache (vm.gpcs)
};

struct Kind {
  std::string_view name;
  Needs needs;
};

// In name order. Where each is raised: sim/ (the engine and its locks),
// model/virt/kvm/oracles.cpp, model/virt/kvm/kvm_main.cpp, model/arch/x86/, model/include/linux/list.cpp,
// model/mm/, model/pfncache*.cpp, sim/sync/rwlock.cpp (rwlock_init is
// only the cache's, before 52491a38b2c2).
constexpr Kind kKinds[] = {
    {"deadlock", Needs::nothing},
    {"generation-backwards", Needs::backwards_oracle},
    {"khva-offset-mismatch", Needs::gpc},
    {"list-walk-freed-page", Needs::x86_mmu},
    {"lock-reinit-while-held", Needs::gpc},
    {"lockless-walk-freed-page", Needs::x86_mmu},
    {"null-khva", Needs::gpc},
    {"page-ref-leak", Needs::gpc},
    {"page-ref-underflow", Needs::gpc},
    {"stale-mmio", Needs::stale_mmio_oracle},
    {"stale-mmio-in-flux", Needs::in_flux_oracle},
    {"stale-pfn", Needs::gpc},
    {"step-bound", Needs::nothing},
    {"use-after-free-page", Needs::gpc},
    {"warn:clear_unsync_child_bit", Needs::x86_mmu},
    {"warn:generation_mmio_spte_mask", Needs::x86_memslot_update},
    {"warn:gfn_to_pfn_cache_invalidate_start", Needs::gpc},
    {"warn:handle_ept_misconfig", Needs::x86_mmu},
    {"warn:handle_mmio_page_fault", Needs::x86_mmu},
    {"warn:hva_to_pfn_retry", Needs::gpc},
    {"warn:install_new_memslots", Needs::memslot_update},
    {"warn:kvm_mmu_commit_zap_page", Needs::x86_mmu},
    {"warn:kvm_mmu_invalidate_mmio_sptes", Needs::x86_memslot_update},
    {"warn:kvm_unlink_unsync_page", Needs::x86_mmu},
    {"warn:mmu_pages_first", Needs::x86_mmu},
    {"warn:read-unlock-not-reader", Needs::nothing},
    {"warn:srcu-unbalanced", Needs::nothing},
    {"warn:unlock-not-owner", Needs::nothing},
    {"warn:write-unlock-not-owner", Needs::nothing},
};

const Kind* find_kind(const std::string& name) {
  const auto it = std::find_if(std::begin(kKinds), std::end(kKinds),
                               [&](const Kind& k) { return k.name == name; });
  return it == std::end(kKinds) ? nullptr : it;
}

bool updates_memslots(const Scenario& scenario) {
  for (const ThreadSpec& t : scenario.threads)
    for (const Op& op : t.program)
      if (op.kind >= Op::Kind::create_memslot && op.kind <= Op::Kind::memslot_updates) return true;
  return false;
}

}  // namespace

bool is_known_kind(const std::string& kind) { return find_kind(kind) != nullptr; }

std::string known_kinds_text() {
  std::string s;
  for (const Kind& k : kKinds) s += (s.empty() ? "" : ", ") + std::string(k.name);
  return s;
}

std::string cannot_report(const Scenario& scenario, const Variant& variant,
                          const std::string& kind) {
  const Kind* k = find_kind(kind);
  if (!k) return "unknown violation kind '" + kind + "' (known: " + known_kinds_text() + ")";
  const std::string x86 = variant.name + " is not a state of the x86 MMU model (up to 5.1)";
  const std::string updates = "no thread updates a memslot (create, delete, move, flags)";
  switch (k->needs) {
    case Needs::nothing:
      return "";
    case Needs::stale_mmio_oracle:
      return scenario.oracles.stale_mmio ? "" : "the scenario's oracles do not include stale-mmio";
    case Needs::in_flux_oracle:
      return scenario.oracles.stale_mmio_in_flux
                 ? ""
                 : "the scenario's oracles do not include stale-mmio-in-flux";
    case Needs::backwards_oracle:
      return scenario.oracles.generation_backwards
                 ? ""
                 : "the scenario's oracles do not include generation-backwards";
    case Needs::memslot_update:
      return updates_memslots(scenario) ? "" : updates;
    case Needs::x86_mmu:
      return variant.models_x86_mmu ? "" : x86;
    case Needs::x86_memslot_update:
      if (!variant.models_x86_mmu) return x86;
      return updates_memslots(scenario) ? "" : updates;
    case Needs::gpc:
      return scenario.gpcs.empty() ? "the scenario has no gfn_to_pfn_cache (vm.gpcs)" : "";
  }
  return "";
}

}  // namespace model

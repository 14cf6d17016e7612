// SPDX-License-Identifier: GPL-2.0-only
// vm.shadow_pages in a scenario: the shadow pages present when it starts,
// as kvm_mmu_get_page and the fault path would have left them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/include/linux/kvm_host.hpp"
#include "sim/json_input.hpp"

namespace model {

// `count` pages shadowing gfn, gfn + 1, ...; each linked under `parent` (an
// earlier entry of one page) at spt index `index`, `index` + 1, ...
// Allocated in file order, so later entries are nearer the head of
// active_mmu_pages (newer), as kvm_mmu_alloc_page leaves them.
struct InitialShadowPage {
  std::string id;
  uint64_t count = 1;
  gfn_t gfn = 0;
  unsigned level = 1;
  bool direct = false;
  int root_count = 0;
  // Already zapped (role.invalid) but still some vCPU's root: a root that an
  // earlier zap moved back to the head of active_mmu_pages.
  bool invalid = false;
  bool unsync = false;
  std::optional<size_t> parent;  // index into the entries
  unsigned index = 0;
  // The vCPU thread (an index into the scenario's threads) whose
  // vcpu->arch.mmu.root_hpa is this page.
  std::optional<size_t> root_of;
};

// `threads` names the scenario's threads, `is_vcpu` says which are vCPUs
// (root_of names one of those).
std::vector<InitialShadowPage> parse_shadow_pages(const sim::JsonIn& j,
                                                  const std::vector<std::string>& threads,
                                                  const std::vector<bool>& is_vcpu);

// Allocates the pages in `vm` (before the execution starts) and makes the
// root_of pages the roots of `vcpu_of_thread` (per thread; null for others).
void build_shadow_pages(kvm* vm, const std::vector<InitialShadowPage>& pages,
                        const std::vector<kvm_vcpu*>& vcpu_of_thread);

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
// virt/kvm/pfncache.c: the gfn_to_pfn_cache, from 982ed0de4753 (5.17)
// through the 6.1 fixes. Every difference between kernel states is a
// Variant::pfncache feature naming its commit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "model/include/linux/kvm_host.hpp"
#include "sim/sync/rwlock.hpp"

namespace model {

struct gfn_to_pfn_cache {
  explicit gfn_to_pfn_cache(std::string name);

  std::string name;  // "gpc0"
  // Fields protected by gpc->lock; each is a shared variable.
  sim::Shared<uint64_t> generation;
  sim::Shared<gpa_t> gpa;
  sim::Shared<hva_t> uhva;
  sim::Shared<uint64_t> khva;  // pfn << PAGE_SHIFT | offset; 0 is NULL
  sim::Shared<pfn_t> pfn;
  sim::Shared<bool> active;
  sim::Shared<bool> valid;
  sim::Shared<bool> dirty;  // until cf1d88b36ba7 (5.18): written, never acted on here
  kvm_vcpu* vcpu = nullptr;
  bool kernel_map = true;
  bool guest_uses_pa = false;
  // rwlock_t; until 52491a38b2c2 (6.1) re-initialised on every activation.
  std::unique_ptr<sim::RwLock> lock;
  sim::Mutex refresh_lock;  // 93984f19e7bc (6.0)
};

// The KVM_HVA_ERR_BAD of the model: an hva no slot translates to.
inline constexpr hva_t KVM_HVA_ERR_BAD = ~0ULL;
inline bool kvm_is_error_hva(hva_t hva) { return hva == KVM_HVA_ERR_BAD; }

// kvm_gfn_to_pfn_cache_init (kvm_gpc_activate from 6.1): activate if
// inactive, then refresh. Returns 0 or -errno.
int kvm_gfn_to_pfn_cache_init(kvm* kvm, gfn_to_pfn_cache* gpc, kvm_vcpu* vcpu,
                              bool guest_uses_pa, bool kernel_map, gpa_t gpa, uint64_t len);
// kvm_gfn_to_pfn_cache_check: may the caller use pfn/khva for gpa? Callers
// outside guest mode hold gpc->lock for read across the check and the use.
bool kvm_gfn_to_pfn_cache_check(kvm* kvm, gfn_to_pfn_cache* gpc, gpa_t gpa, uint64_t len);
int kvm_gfn_to_pfn_cache_refresh(kvm* kvm, gfn_to_pfn_cache* gpc, gpa_t gpa, uint64_t len);
void kvm_gfn_to_pfn_cache_unmap(kvm* kvm, gfn_to_pfn_cache* gpc);
// kvm_gfn_to_pfn_cache_destroy (kvm_gpc_deactivate from 6.1).
void kvm_gfn_to_pfn_cache_destroy(kvm* kvm, gfn_to_pfn_cache* gpc);

// Called by kvm_mmu_notifier_invalidate_range_start for [start, end).
void gfn_to_pfn_cache_invalidate_start(kvm* kvm, hva_t start, hva_t end, bool may_block);

}  // namespace model

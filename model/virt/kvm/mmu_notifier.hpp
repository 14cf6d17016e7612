// SPDX-License-Identifier: GPL-2.0-only
// virt/kvm/kvm_main.c, the MMU notifier side (5.13-6.1 shape): what KVM does
// when the primary MMU invalidates a range of the VMM's address space.
#pragma once

#include <cstdint>

#include "model/include/linux/kvm_host.hpp"

namespace model {

struct mmu_notifier_range {
  hva_t start = 0;
  hva_t end = 0;  // exclusive
  bool may_block = true;  // false from the OOM reaper
};

// kvm_mmu_notifier_invalidate_range_start: mn_active_invalidate_count++,
// gfn_to_pfn_cache_invalidate_start, then under mmu_lock
// kvm_inc_notifier_count (and the SPTE unmap, which no pfncache scenario
// has SPTEs for).
void kvm_mmu_notifier_invalidate_range_start(kvm* kvm, const mmu_notifier_range& range);
// kvm_mmu_notifier_invalidate_range_end: under mmu_lock
// kvm_dec_notifier_count (seq++, count--), then mn_active_invalidate_count--.
void kvm_mmu_notifier_invalidate_range_end(kvm* kvm, const mmu_notifier_range& range);

// mmu_notifier_retry_hva (include/linux/kvm_host.h), with mmu_lock held:
// 1 while an invalidation covering `hva` is in progress or any completed
// since `mmu_seq` was read.
int mmu_notifier_retry_hva(kvm* kvm, uint64_t mmu_seq, hva_t hva);

// The memslot updater's wait (52ac8b358b0c): with mn_invalidate_lock held
// on entry and exit, wait until mn_active_invalidate_count is 0.
void kvm_wait_for_invalidations(kvm* kvm);

}  // namespace model

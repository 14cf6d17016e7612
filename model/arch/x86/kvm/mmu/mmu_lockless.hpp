// SPDX-License-Identifier: GPL-2.0-only
// The lockless shadow-page walk of arch/x86/kvm/mmu.c (c142786c6291 "KVM:
// MMU: lockless walking shadow page table"): a vCPU reads SPTEs from its
// root down without mmu_lock. What keeps the pages it reads allocated is
// vcpu->mode: kvm_mmu_commit_zap_page frees only after
// kvm_flush_remote_tlbs (model/virt/kvm/kvm_requests.hpp) has waited for every vCPU
// in READING_SHADOW_PAGE_TABLES.
#pragma once

#include "model/include/linux/kvm_host.hpp"

namespace model {

// 4.19: local_irq_disable(); smp_store_mb(vcpu->mode,
// READING_SHADOW_PAGE_TABLES).
void walk_shadow_page_lockless_begin(kvm_vcpu* vcpu);
// 4.19: smp_store_release(&vcpu->mode, OUTSIDE_GUEST_MODE);
// local_irq_enable().
void walk_shadow_page_lockless_end(kvm_vcpu* vcpu);

// The walk walk_shadow_page_get_mmio_spte does (4.19; kvm_mmu_get_spte_hierarchy
// walks the same way): nothing without a root; else lockless_begin, then
// from vcpu->arch.mmu.root_hpa down, at each level reading the SPTE at
// SHADOW_PT_INDEX(gfn, level) and following it to the page below, until a
// non-present SPTE or level 1; then lockless_end. Each read is a scheduling
// point; reading a page that kvm_mmu_free_page freed is a violation
// (lockless-walk-freed-page). Takes no lock. Returns the level of the last
// SPTE read (0 without a root).
unsigned walk_shadow_page_lockless(kvm_vcpu* vcpu, gfn_t gfn);

}  // namespace model

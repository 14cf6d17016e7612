// SPDX-License-Identifier: GPL-2.0-only
// The shadow MMU's page lifetimes in arch/x86/kvm/mmu.c: allocation on the
// fault path, kvm_mmu_prepare_zap_page, the commit that frees, and the walks
// over kvm->arch.active_mmu_pages that zap every page, at the kernel states
// the variant names (Variant::flush_shadow_all,
// Variant::prepare_zap_reports_list_unstable).
//
// The pages live in kvm->arch (model/arch/x86/include/asm/kvm_host.hpp) and are protected by
// kvm->mmu_lock. The zapping and fault functions run inside a
// sim::Execution: every list-walk step is a scheduling point, and
// cond_resched_lock (model/include/linux/sched.hpp) may drop mmu_lock mid-walk. They
// report, in the execution's metrics:
//   walk_steps             list entries a zapping walk visited
//   restarts               walks started again from the head (or tail)
//   pages_zapped           pages kvm_mmu_commit_zap_page freed
//   lock_drops             times cond_resched_lock dropped mmu_lock
//   mmu_lock_longest_hold  longest mmu_lock hold, in scheduling decisions
//                          (named by kvm_mmu_init_vm)
#pragma once

#include "model/include/linux/kvm_host.hpp"
#include "model/include/linux/list.hpp"
#include "model/arch/x86/kvm/mmu/mmu_internal.hpp"

namespace model {

// --- set-up: plain functions, no scheduling points --------------------------
// A scenario builds its initial shadow pages with these before the execution
// starts (they also work inside one). Pages get ids in allocation order:
// "sp0", "sp1", ... name them in traces.

// The part of kvm_arch_init_vm -> kvm_mmu_init_vm the model needs: names
// the mmu_lock hold metric (mmu_lock_longest_hold). Call once per VM.
void kvm_mmu_init_vm(kvm* kvm);

// A shadow page for `gfn` at `level` (PT_PAGE_TABLE_LEVEL = 1 ..
// PT64_ROOT_MAX_LEVEL), direct (TDP / direct map) or shadowing a guest page
// table, used as a root by `root_count` vCPUs. It goes to the head of
// active_mmu_pages with the current kvm->arch.mmu_valid_gen, as
// kvm_mmu_get_page leaves it. To make an obsolete page (4.19), set its
// mmu_valid_gen to another value afterwards; to limit the pages,
// set kvm->arch.n_max_mmu_pages.
kvm_mmu_page* kvm_mmu_alloc_page(kvm* kvm, gfn_t gfn, unsigned level, bool direct,
                                 int root_count = 0);
// parent->spt[index] points at sp (link_shadow_page, with its mark_unsync).
void link_shadow_page(kvm_mmu_page* parent, unsigned index, kvm_mmu_page* sp);
// sp becomes unsync and its parents learn it (kvm_unsync_page).
void kvm_unsync_page(kvm_mmu_page* sp);

// --- zapping, with kvm->mmu_lock held ---------------------------------------
// Zaps sp's unsync descendants, unlinks sp from its children and parents,
// and moves it to invalid_list, or to the head of active_mmu_pages while it
// is a root. Returns list_unstable: children were zapped (83cdb56864).
bool __kvm_mmu_prepare_zap_page(kvm* kvm, kvm_mmu_page* sp, list_head* invalid_list,
                                int* nr_zapped);
// The pages zapped: children + 1 unless sp is a root.
int kvm_mmu_prepare_zap_page(kvm* kvm, kvm_mmu_page* sp, list_head* invalid_list);
// Flushes remote TLBs, which waits for vCPUs in a lockless walk
// (model/virt/kvm/kvm_requests.hpp), then frees every page of invalid_list.
void kvm_mmu_commit_zap_page(kvm* kvm, list_head* invalid_list);
// Zaps the oldest page (the tail of active_mmu_pages); false when nothing
// was zapped.
bool prepare_zap_oldest_mmu_page(kvm* kvm, list_head* invalid_list);
// 4.19 fault path, before kvm_mmu_get_page: when fewer than
// KVM_MIN_FREE_MMU_PAGES are available, zaps the oldest pages until
// KVM_REFILL_PAGES are, and frees them. -ENOSPC when none is available.
int make_mmu_pages_available(kvm_vcpu* vcpu);

// --- whole operations: each takes and releases kvm->mmu_lock ----------------
// kvm_arch_flush_shadow_all (x86.c): zaps every shadow page, the way
// kvm->variant.flush_shadow_all says: 4.19's fast invalidate
// (kvm_mmu_invalidate_zap_all_pages: mmu_valid_gen++, then
// kvm_zap_obsolete_pages walking back from the oldest page), or 5.1's
// kvm_mmu_zap_all. Either also clears the leaf SPTE tables
// (model/arch/x86/kvm/mmu.hpp).
void kvm_arch_flush_shadow_all(kvm* kvm);
// Up to the 5.1 reverts: fast invalidate, mmu_valid_gen++ and
// kvm_zap_obsolete_pages walking back from the oldest page. Also the memslot
// flush and the MMIO-generation-wrap zap of those kernels.
void kvm_mmu_invalidate_zap_all_pages(kvm* kvm);
// 5.1: a forward walk zapping every page.
void kvm_mmu_zap_all(kvm* kvm);
// Zaps oldest pages until at most `goal_nr_mmu_pages` are in use or no
// progress is made, then makes the result the new limit.
void kvm_mmu_change_mmu_pages(kvm* kvm, unsigned long goal_nr_mmu_pages);
// A vCPU's page fault that needs a shadow page for (gfn, level): under
// mmu_lock, make_mmu_pages_available, then kvm_mmu_get_page (an existing
// valid page for gfn/level, else a new one at the head of active_mmu_pages).
// nullptr when no page was available. Simplified from tdp_page_fault ->
// __direct_map: there are no guest page tables and no roots to walk down
// from, so one page is asked for and linked under nothing.
kvm_mmu_page* kvm_mmu_fault_in_shadow_page(kvm_vcpu* vcpu, gfn_t gfn, unsigned level);

namespace testing {
// Test only, never a kernel state: kvm_mmu_zap_all as at the variant but
// never restarting (neither after zapping children nor after a lock drop),
// so that a test can show what the restarts protect against.
void kvm_mmu_zap_all_never_restarting(kvm* kvm);
}  // namespace testing

}  // namespace model

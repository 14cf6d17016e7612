// Shadow-MMU zapping in arch/x86/kvm/mmu.c: kvm_mmu_prepare_zap_page, the
// commit that frees, and the walks over kvm->arch.active_mmu_pages that
// zap, at the two states 83cdb56864 ("KVM: x86/mmu: Differentiate between
// nr zapped and list unstable", 5.1) separates.
//
// Everything here runs inside a sim::Execution: each walk step is a
// scheduling point, and the walkers take kvm->mmu_lock as the kernel does.
// The set-up helpers (kvm_mmu_alloc_page, link_shadow_page, kvm_unsync_page)
// are plain and may run outside one.
#pragma once

#include <cstdint>
#include <deque>

#include "model/list.hpp"
#include "model/x86/mmu_internal.hpp"
#include "sim/sync/lock.hpp"

namespace model {

// The shadow-MMU fields of struct kvm / kvm->arch that zapping uses. Kept
// apart from model::kvm until zapping is wired into scenarios.
struct kvm_shadow_mmu {
  kvm_shadow_mmu(sim::Spinlock& mmu_lock, bool prepare_zap_reports_list_unstable)
      : mmu_lock(mmu_lock),
        prepare_zap_reports_list_unstable(prepare_zap_reports_list_unstable) {}

  sim::Spinlock& mmu_lock;  // kvm->mmu_lock
  // 83cdb56864: __kvm_mmu_prepare_zap_page returns whether active_mmu_pages
  // became unstable (children were zapped) and the number zapped through an
  // out-parameter; kvm_mmu_zap_all restarts only when unstable. Before it,
  // kvm_mmu_zap_all restarted whenever kvm_mmu_prepare_zap_page's count
  // (54a4f0239f2e: children zapped + 1 for the page itself) was non-zero.
  bool prepare_zap_reports_list_unstable;

  list_head active_mmu_pages{"kvm->arch.active_mmu_pages"};
  unsigned long n_used_mmu_pages = 0;
  unsigned long n_max_mmu_pages = 0;
  unsigned long mmu_valid_gen = 0;
  struct {
    uint64_t mmu_shadow_zapped = 0;  // kvm_mmu_prepare_zap_page calls
  } stat;
  // Model only: every page ever allocated, in allocation order; freed ones
  // stay (kvm_mmu_page::freed).
  std::deque<kvm_mmu_page> pages;

  // Test only, never a kernel state: kvm_mmu_zap_all does not restart, so a
  // test can show what restart-on-unstable protects against.
  struct {
    bool zap_all_never_restarts = false;
  } test;
};

// What one call cost.
struct zap_stats {
  uint64_t walk_steps = 0;    // list entries the zapping loop visited
  uint64_t restarts = 0;      // walks started again from the head
  uint64_t pages_zapped = 0;  // pages kvm_mmu_commit_zap_page freed

  bool operator==(const zap_stats&) const = default;
};

// --- set-up: what kvm_mmu_get_page and the fault path leave behind --------
// kvm_mmu_alloc_page plus the fields kvm_mmu_get_page fills in: the new page
// goes to the head of active_mmu_pages.
kvm_mmu_page* kvm_mmu_alloc_page(kvm_shadow_mmu* kvm, uint64_t gfn, unsigned level, bool direct);
// parent->spt[index] points at sp (link_shadow_page, with its mark_unsync).
void link_shadow_page(kvm_mmu_page* parent, unsigned index, kvm_mmu_page* sp);
// sp becomes unsync and its parents learn it (kvm_unsync_page).
void kvm_unsync_page(kvm_mmu_page* sp);

// --- zapping ---------------------------------------------------------------
// Zaps sp's unsync descendants, unlinks sp from its children and parents,
// and moves it to invalid_list, or to the head of active_mmu_pages while it
// is a root. Returns list_unstable: children were zapped (83cdb56864).
bool __kvm_mmu_prepare_zap_page(kvm_shadow_mmu* kvm, kvm_mmu_page* sp, list_head* invalid_list,
                                int* nr_zapped);
// The pages zapped: children + 1 unless sp is a root.
int kvm_mmu_prepare_zap_page(kvm_shadow_mmu* kvm, kvm_mmu_page* sp, list_head* invalid_list);
// Flushes remote TLBs, then frees every page of invalid_list. Returns how
// many it freed (model only: the kernel's returns nothing).
unsigned kvm_mmu_commit_zap_page(kvm_shadow_mmu* kvm, list_head* invalid_list);

// Zaps every shadow page under mmu_lock.
zap_stats kvm_mmu_zap_all(kvm_shadow_mmu* kvm);

// Zaps the oldest page (the tail of active_mmu_pages); false when nothing
// was zapped.
bool prepare_zap_oldest_mmu_page(kvm_shadow_mmu* kvm, list_head* invalid_list);
// Zaps oldest pages until at most `goal_nr_mmu_pages` are in use or no
// progress is made, then makes the result the new limit.
zap_stats kvm_mmu_change_mmu_pages(kvm_shadow_mmu* kvm, unsigned long goal_nr_mmu_pages);

}  // namespace model

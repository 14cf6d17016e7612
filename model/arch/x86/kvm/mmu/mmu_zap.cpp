// SPDX-License-Identifier: GPL-2.0-only
// Sources read, re-expressed here, not copied:
// - 4.19 arch/x86/kvm/mmu.c:
//   kvm_mmu_alloc_page, mark_unsync, mmu_pages_add (KVM_PAGE_ARRAY_NR 16),
//   clear_unsync_child_bit, __mmu_unsync_walk, mmu_unsync_walk,
//   kvm_unlink_unsync_page, mmu_pages_first/next/clear_parents,
//   mmu_zap_unsync_children, kvm_mmu_prepare_zap_page ("Count self"),
//   kvm_mmu_free_page (list_del before freeing), kvm_mmu_commit_zap_page,
//   prepare_zap_oldest_mmu_page, kvm_mmu_change_mmu_pages,
//   for_each_valid_sp (skips obsolete and invalid pages), kvm_mmu_get_page,
//   make_mmu_pages_available, kvm_zap_obsolete_pages (BATCH_ZAP_PAGES 10),
//   kvm_mmu_invalidate_zap_all_pages; 4.19 x86.c: kvm_arch_flush_shadow_all
//   calls kvm_mmu_invalidate_zap_all_pages. kvm_mmu_commit_zap_page flushes
//   with kvm_flush_remote_tlbs before freeing (its comment that the flush
//   waits for lockless walks read in a 4.20-era diff's context).
// - 5.1-5.10 kvm_mmu_zap_all (diffs of later patches): skip
//   `role.invalid && root_count`, restart when __kvm_mmu_prepare_zap_page
//   says unstable, and restart when cond_resched_lock(&kvm->mmu_lock)
//   returns true; commit after the walk. list_unstable = nr_zapped of
//   children, taken before "count self".
// - Not read, inferred: kvm_mmu_zap_all between the reverts and 83cdb56864
//   (the 5.1 body restarting on kvm_mmu_prepare_zap_page's count), and
//   kvm_mmu_available_pages (n_max - n_used, or 0).
#include "model/arch/x86/kvm/mmu/mmu_zap.hpp"

#include <algorithm>
#include <cerrno>

#include "model/virt/kvm/kvm_requests.hpp"
#include "model/include/linux/sched.hpp"
#include "model/arch/x86/kvm/mmu.hpp"
#include "sim/check.hpp"
#include "sim/runtime/execution.hpp"

namespace model {

namespace {

constexpr int INVALID_INDEX = -1;
constexpr unsigned KVM_PAGE_ARRAY_NR = 16;

constexpr int BATCH_ZAP_PAGES = 10;

void kvm_mod_used_mmu_pages(kvm* kvm, long nr) { kvm->arch.n_used_mmu_pages += nr; }

unsigned long kvm_mmu_available_pages(const kvm* kvm) {
  if (kvm->arch.n_max_mmu_pages > kvm->arch.n_used_mmu_pages)
    return kvm->arch.n_max_mmu_pages - kvm->arch.n_used_mmu_pages;
  return 0;
}

// 4.19. From the reverts (5.1) there is no generation: mmu_valid_gen never
// changes there, so no page is obsolete, which is the same.
bool is_obsolete_sp(const kvm* kvm, const kvm_mmu_page* sp) {
  return sp->mmu_valid_gen != kvm->arch.mmu_valid_gen;
}

// The vCPUs' run loop does not model requests here: a note. In 4.19
// KVM_REQ_MMU_RELOAD is a KVM_REQUEST_WAIT request too, but nothing is
// freed behind it, so its wait is left out (kvm_flush_remote_tlbs has it).
void kvm_reload_remote_mmus(const char* why) {
  sim::Execution::current().note("kvm_reload_remote_mmus", "KVM_REQ_MMU_RELOAD to every vCPU: {}",
                                 why);
}

sim::Metrics& metrics() { return sim::Execution::current().metrics(); }

void mark_unsync(kvm_mmu_page* sp, unsigned index);

void kvm_mmu_mark_parents_unsync(kvm_mmu_page* sp) {
  for (auto [parent, index] : sp->parent_ptes) mark_unsync(parent, index);
}

void mark_unsync(kvm_mmu_page* sp, unsigned index) {
  if (sp->unsync_child_bitmap.test(index)) return;
  sp->unsync_child_bitmap.set(index);
  if (sp->unsync_children++) return;
  kvm_mmu_mark_parents_unsync(sp);
}

// struct kvm_mmu_pages: the pages an unsync walk collected, each with its
// index in its parent.
struct kvm_mmu_pages {
  struct mmu_page_and_offset {
    kvm_mmu_page* sp;
    int idx;
  } page[KVM_PAGE_ARRAY_NR];
  unsigned nr = 0;
};

// True once the vector is full.
bool mmu_pages_add(kvm_mmu_pages* pvec, kvm_mmu_page* sp, int idx) {
  if (sp->unsync)
    for (unsigned i = 0; i < pvec->nr; i++)
      if (pvec->page[i].sp == sp) return false;
  pvec->page[pvec->nr++] = {sp, idx};
  return pvec->nr == KVM_PAGE_ARRAY_NR;
}

void clear_unsync_child_bit(kvm_mmu_page* sp, unsigned idx) {
  --sp->unsync_children;
  sim::warn_on(static_cast<int>(sp->unsync_children) < 0, "clear_unsync_child_bit",
               "WARN_ON((int)sp->unsync_children < 0)");
  sp->unsync_child_bitmap.reset(idx);
}

// Collects the unsync leaves below sp, depth first, with the intermediate
// pages that lead to them; returns how many leaves, or -1 (-ENOSPC) when
// the vector filled up.
int __mmu_unsync_walk(kvm_mmu_page* sp, kvm_mmu_pages* pvec) {
  int nr_unsync_leaf = 0;
  for (unsigned i = 0; i < PT64_ENT_PER_PAGE; ++i) {
    if (!sp->unsync_child_bitmap.test(i)) continue;
    auto ent = sp->spt.find(i);
    if (ent == sp->spt.end()) {  // !is_shadow_present_pte
      clear_unsync_child_bit(sp, i);
      continue;
    }
    kvm_mmu_page* child = ent->second;
    if (child->unsync_children) {
      if (mmu_pages_add(pvec, child, static_cast<int>(i))) return -1;
      const int ret = __mmu_unsync_walk(child, pvec);
      if (!ret) {
        clear_unsync_child_bit(sp, i);
        continue;
      }
      if (ret < 0) return ret;
      nr_unsync_leaf += ret;
    } else if (child->unsync) {
      nr_unsync_leaf++;
      if (mmu_pages_add(pvec, child, static_cast<int>(i))) return -1;
    } else {
      clear_unsync_child_bit(sp, i);
    }
  }
  return nr_unsync_leaf;
}

int mmu_unsync_walk(kvm_mmu_page* sp, kvm_mmu_pages* pvec) {
  pvec->nr = 0;
  if (!sp->unsync_children) return 0;
  mmu_pages_add(pvec, sp, INVALID_INDEX);
  return __mmu_unsync_walk(sp, pvec);
}

void kvm_unlink_unsync_page(kvm_mmu_page* sp) {
  sim::warn_on(!sp->unsync, "kvm_unlink_unsync_page", "WARN_ON(!sp->unsync)");
  sp->unsync = false;
}

// The path from the walk's root down to the current leaf, per level.
struct mmu_page_path {
  kvm_mmu_page* parent[PT64_ROOT_MAX_LEVEL];
  unsigned idx[PT64_ROOT_MAX_LEVEL];
};

unsigned mmu_pages_next(kvm_mmu_pages* pvec, mmu_page_path* parents, unsigned i) {
  unsigned n;
  for (n = i + 1; n < pvec->nr; n++) {
    kvm_mmu_page* sp = pvec->page[n].sp;
    const unsigned level = sp->role.level;
    parents->idx[level - 1] = static_cast<unsigned>(pvec->page[n].idx);
    if (level == PT_PAGE_TABLE_LEVEL) break;
    parents->parent[level - 2] = sp;
  }
  return n;
}

unsigned mmu_pages_first(kvm_mmu_pages* pvec, mmu_page_path* parents) {
  if (pvec->nr == 0) return 0;
  sim::warn_on(pvec->page[0].idx != INVALID_INDEX, "mmu_pages_first",
               "WARN_ON(pvec->page[0].idx != INVALID_INDEX)");
  kvm_mmu_page* sp = pvec->page[0].sp;
  const unsigned level = sp->role.level;
  sim::warn_on(level == PT_PAGE_TABLE_LEVEL, "mmu_pages_first",
               "WARN_ON(level == PT_PAGE_TABLE_LEVEL)");
  parents->parent[level - 2] = sp;
  parents->parent[level - 1] = nullptr;  // sentinel: the walk's root has no parent here
  return mmu_pages_next(pvec, parents, 0);
}

// Clears the leaf's bit in its parent, and each parent's bit in its own
// parent while that leaves it with no unsync children.
void mmu_pages_clear_parents(mmu_page_path* parents) {
  kvm_mmu_page* sp;
  unsigned level = 0;
  do {
    const unsigned idx = parents->idx[level];
    sp = parents->parent[level];
    if (!sp) return;
    clear_unsync_child_bit(sp, idx);
    level++;
  } while (!sp->unsync_children);
}

// drop_parent_pte: parent->spt[index] no longer points at sp.
void drop_parent_pte(kvm_mmu_page* sp, kvm_mmu_page* parent, unsigned index) {
  auto& ptes = sp->parent_ptes;
  ptes.erase(std::find(ptes.begin(), ptes.end(), std::pair{parent, index}));
  parent->spt.erase(index);  // mmu_spte_clear_no_track
}

void kvm_mmu_page_unlink_children(kvm_mmu_page* sp) {
  while (!sp->spt.empty()) {
    auto [index, child] = *sp->spt.begin();
    drop_parent_pte(child, sp, index);
  }
}

void kvm_mmu_unlink_parents(kvm_mmu_page* sp) {
  while (!sp->parent_ptes.empty()) {
    auto [parent, index] = sp->parent_ptes.front();
    drop_parent_pte(sp, parent, index);
  }
}

int mmu_zap_unsync_children(kvm* kvm, kvm_mmu_page* parent, list_head* invalid_list) {
  if (parent->role.level == PT_PAGE_TABLE_LEVEL) return 0;
  int zapped = 0;
  mmu_page_path parents{};
  kvm_mmu_pages pages;
  while (mmu_unsync_walk(parent, &pages)) {
    for (unsigned i = mmu_pages_first(&pages, &parents); i < pages.nr;
         i = mmu_pages_next(&pages, &parents, i)) {
      kvm_mmu_prepare_zap_page(kvm, pages.page[i].sp, invalid_list);
      mmu_pages_clear_parents(&parents);
      zapped++;
    }
  }
  return zapped;
}

void kvm_mmu_free_page(kvm_mmu_page* sp) {
  list_del(&sp->link);
  sp->freed = true;
}

// kvm_mmu_get_page for a direct page: a valid page of the same gfn and role
// if there is one (for_each_valid_sp over the gfn's hash bucket skips
// obsolete and invalid pages; the model scans its page store instead of a
// hash, which finds the same page), else a new page at the head.
kvm_mmu_page* kvm_mmu_get_page(kvm_vcpu* vcpu, gfn_t gfn, unsigned level) {
  kvm* kvm = vcpu->kvm;
  for (kvm_mmu_page& sp : kvm->arch.mmu_pages)
    if (!sp.freed && !is_obsolete_sp(kvm, &sp) && !sp.role.invalid && sp.gfn == gfn &&
        sp.role.level == level && sp.role.direct)
      return &sp;
  ++kvm->arch.stat.mmu_cache_miss;
  kvm_mmu_page* sp = kvm_mmu_alloc_page(kvm, gfn, level, true);
  sim::Execution::current().note("kvm_mmu_get_page", "{} for gfn {:#x} level {} at the head of {}",
                                 sp->name, gfn, level, kvm->arch.active_mmu_pages.name());
  return sp;
}

// 4.19: walks back from the oldest page and zaps obsolete pages into
// kvm->arch.zapped_obsolete_pages, with mmu_lock held.
void kvm_zap_obsolete_pages(kvm* kvm) {
  sim::Metrics& m = metrics();
  int batch = 0;
restart:
  for (list_safe_walk_reverse<kvm_mmu_page> w(&kvm->arch.active_mmu_pages, __func__); !w.done();
       w.next()) {
    kvm_mmu_page* sp = w.pos();
    m.add("walk_steps");
    // "No obsolete page exists before new created page since
    // active_mmu_pages is the FIFO list."
    if (!is_obsolete_sp(kvm, sp)) break;
    // Zapped roots went back to the head, where a reverse walk meets them
    // again: skipping invalid pages keeps the walk finite.
    if (sp->role.invalid) continue;
    // 5304b8d37c2a: the lock-break. No TLB flush is needed first: only
    // obsolete pages were zapped, and no vCPU uses those after the reload.
    if (batch >= BATCH_ZAP_PAGES && cond_resched_lock(&kvm->mmu_lock)) {
      batch = 0;
      m.add("restarts");
      goto restart;
    }
    const int ret = kvm_mmu_prepare_zap_page(kvm, sp, &kvm->arch.zapped_obsolete_pages);
    batch += ret;
    // Any page zapped restarts the walk, not only an unstable list.
    if (ret) {
      m.add("restarts");
      goto restart;
    }
  }
  // Flush before freeing: lockless walkers may still use the pages.
  kvm_mmu_commit_zap_page(kvm, &kvm->arch.zapped_obsolete_pages);
}

// kvm_mmu_zap_all, with `may_restart` false only for the test entry point.
void zap_all(kvm* kvm, bool may_restart, const char* function) {
  sim::Metrics& m = metrics();
  list_head invalid_list("invalid_list");
  kvm->mmu_lock.lock(function);
restart:
  for (list_safe_walk<kvm_mmu_page> w(&kvm->arch.active_mmu_pages, function); !w.done();
       w.next()) {
    kvm_mmu_page* sp = w.pos();
    m.add("walk_steps");
    // "skip over invalid root pages when zapping all sptes" (before
    // 83cdb56864): an invalid root is back at the head and cannot be freed;
    // zapping it again would only move it there again.
    if (sp->role.invalid && sp->root_count) continue;
    bool restart;
    if (kvm->variant.prepare_zap_reports_list_unstable) {
      int ign;
      // 83cdb56864: restart only when the list may have become unstable.
      restart = __kvm_mmu_prepare_zap_page(kvm, sp, &invalid_list, &ign);
    } else {
      // Before 83cdb56864: any page zapped, itself included (54a4f0239f2e),
      // restarts the walk.
      restart = kvm_mmu_prepare_zap_page(kvm, sp, &invalid_list) != 0;
    }
    // "Voluntarily reschedule as needed when zapping all sptes": whatever
    // ran while mmu_lock was dropped may have freed the saved next entry.
    if (!restart) restart = cond_resched_lock(&kvm->mmu_lock);
    if (restart && may_restart) {
      m.add("restarts");
      goto restart;
    }
  }
  kvm_mmu_commit_zap_page(kvm, &invalid_list);
  zap_all_leaf_sptes(kvm, function);  // the leaf SPTEs go with the pages
  kvm->mmu_lock.unlock(function);
}

}  // namespace

// 4.19 fast invalidate of every shadow page (5304b8d37c2a): what
// kvm_arch_flush_shadow_all, the memslot flush and the MMIO generation wrap
// use up to the 5.1 reverts.
void kvm_mmu_invalidate_zap_all_pages(kvm* kvm) {
  kvm->mmu_lock.lock(__func__);
  kvm->arch.mmu_valid_gen++;
  // Under mmu_lock, so that no vCPU frees a page but misses the TLB flush.
  kvm_reload_remote_mmus("mmu_valid_gen changed");
  kvm_zap_obsolete_pages(kvm);
  // The leaf SPTEs those pages held go with them.
  zap_all_leaf_sptes(kvm, __func__);
  kvm->mmu_lock.unlock(__func__);
}

void kvm_mmu_init_vm(kvm* kvm) { kvm->mmu_lock.report_longest_hold_as("mmu_lock_longest_hold"); }

kvm_mmu_page* kvm_mmu_alloc_page(kvm* kvm, gfn_t gfn, unsigned level, bool direct,
                                 int root_count) {
  kvm_mmu_page_role role;
  role.level = level;
  role.direct = direct;
  auto& pages = kvm->arch.mmu_pages;
  kvm_mmu_page* sp = &pages.emplace_back(static_cast<unsigned>(pages.size()), gfn, role);
  // "The active_mmu_pages list is the FIFO list": new pages at the head.
  list_add(&sp->link, &kvm->arch.active_mmu_pages);
  kvm_mod_used_mmu_pages(kvm, +1);
  sp->mmu_valid_gen = kvm->arch.mmu_valid_gen;
  sp->root_count = root_count;
  return sp;
}

void link_shadow_page(kvm_mmu_page* parent, unsigned index, kvm_mmu_page* sp) {
  parent->spt[index] = sp;
  sp->parent_ptes.emplace_back(parent, index);  // mmu_page_add_parent_pte
  if (sp->unsync_children || sp->unsync) mark_unsync(parent, index);
}

void kvm_unsync_page(kvm_mmu_page* sp) {
  sp->unsync = true;
  kvm_mmu_mark_parents_unsync(sp);
}

bool __kvm_mmu_prepare_zap_page(kvm* kvm, kvm_mmu_page* sp, list_head* invalid_list,
                                int* nr_zapped) {
  ++kvm->arch.stat.mmu_shadow_zapped;
  *nr_zapped = mmu_zap_unsync_children(kvm, sp, invalid_list);
  kvm_mmu_page_unlink_children(sp);
  kvm_mmu_unlink_parents(sp);
  // 83cdb56864: zapping children means active_mmu_pages has become
  // unstable: they may include the walker's saved next entry.
  const bool list_unstable = *nr_zapped != 0;
  // unaccount_shadowed (write tracking of the gfn) is not modeled.
  if (sp->unsync) kvm_unlink_unsync_page(sp);
  sim::Execution& ex = sim::Execution::current();
  if (!sp->root_count) {
    // 54a4f0239f2e: count self.
    (*nr_zapped)++;
    list_move(&sp->link, invalid_list);
    kvm_mod_used_mmu_pages(kvm, -1);
    ex.note("kvm_mmu_prepare_zap_page", "{} to {} ({} unsync children zapped)", sp->name,
            invalid_list->name(), *nr_zapped - 1);
  } else {
    // Up to 5.8 an active root goes back to the head of active_mmu_pages
    // and stays until its root_count drops (f95eec9bed76, 5.9, list_del's it).
    list_move(&sp->link, &kvm->arch.active_mmu_pages);
    ex.note("kvm_mmu_prepare_zap_page", "root {} to the head of {} ({} unsync children zapped)",
            sp->name, kvm->arch.active_mmu_pages.name(), *nr_zapped);
    // 4.19: obsolete pages are already unusable (fast invalidate).
    if (!sp->role.invalid && !is_obsolete_sp(kvm, sp)) kvm_reload_remote_mmus("a root was zapped");
  }
  sp->role.invalid = true;
  return list_unstable;
}

int kvm_mmu_prepare_zap_page(kvm* kvm, kvm_mmu_page* sp, list_head* invalid_list) {
  // 83cdb56864 kept this as a wrapper returning the count. Before it, this
  // function had the body itself and returned the same count (children
  // zapped, +1 for itself unless a root), so one body serves both states.
  int nr_zapped;
  __kvm_mmu_prepare_zap_page(kvm, sp, invalid_list, &nr_zapped);
  return nr_zapped;
}

void kvm_mmu_commit_zap_page(kvm* kvm, list_head* invalid_list) {
  if (list_empty(invalid_list)) return;
  // "kvm_flush_remote_tlbs waits for all vcpus to exit guest mode and/or
  // lockless shadow page table walks" (the comment above this call in
  // 4.x-5.x): a vCPU that read a pointer to one of these pages before
  // prepare_zap unlinked it is still in its walk, so only then may they go.
  kvm_flush_remote_tlbs(kvm);
  sim::Metrics& m = metrics();
  for (list_safe_walk<kvm_mmu_page> w(invalid_list, __func__); !w.done(); w.next()) {
    kvm_mmu_page* sp = w.pos();
    sim::warn_on(!sp->role.invalid || sp->root_count, "kvm_mmu_commit_zap_page",
                 "WARN_ON(!sp->role.invalid || sp->root_count)");
    kvm_mmu_free_page(sp);
    m.add("pages_zapped");
  }
}

bool prepare_zap_oldest_mmu_page(kvm* kvm, list_head* invalid_list) {
  if (list_empty(&kvm->arch.active_mmu_pages)) return false;
  kvm_mmu_page* sp = list_last_entry<kvm_mmu_page>(&kvm->arch.active_mmu_pages);
  return kvm_mmu_prepare_zap_page(kvm, sp, invalid_list) != 0;
}

int make_mmu_pages_available(kvm_vcpu* vcpu) {
  kvm* kvm = vcpu->kvm;
  list_head invalid_list("invalid_list");
  if (kvm_mmu_available_pages(kvm) >= KVM_MIN_FREE_MMU_PAGES) return 0;
  while (kvm_mmu_available_pages(kvm) < KVM_REFILL_PAGES) {
    // A root at the tail without unsync children zaps nothing.
    if (!prepare_zap_oldest_mmu_page(kvm, &invalid_list)) break;
    ++kvm->arch.stat.mmu_recycled;
  }
  kvm_mmu_commit_zap_page(kvm, &invalid_list);
  if (!kvm_mmu_available_pages(kvm)) return -ENOSPC;
  return 0;
}

void kvm_arch_flush_shadow_all(kvm* kvm) {
  switch (kvm->variant.flush_shadow_all) {
    case FlushShadowAll::invalidate_zap_all_pages: kvm_mmu_invalidate_zap_all_pages(kvm); return;
    case FlushShadowAll::zap_all: kvm_mmu_zap_all(kvm); return;
  }
}

void kvm_mmu_zap_all(kvm* kvm) { zap_all(kvm, true, __func__); }

void kvm_mmu_change_mmu_pages(kvm* kvm, unsigned long goal_nr_mmu_pages) {
  list_head invalid_list("invalid_list");
  kvm->mmu_lock.lock(__func__);
  if (kvm->arch.n_used_mmu_pages > goal_nr_mmu_pages) {
    while (kvm->arch.n_used_mmu_pages > goal_nr_mmu_pages)
      // A root at the tail without unsync children zaps nothing and moves
      // to the head: the loop stops with more pages in use than asked for.
      if (!prepare_zap_oldest_mmu_page(kvm, &invalid_list)) break;
    kvm_mmu_commit_zap_page(kvm, &invalid_list);
    goal_nr_mmu_pages = kvm->arch.n_used_mmu_pages;
  }
  kvm->arch.n_max_mmu_pages = goal_nr_mmu_pages;
  kvm->mmu_lock.unlock(__func__);
}

kvm_mmu_page* kvm_mmu_fault_in_shadow_page(kvm_vcpu* vcpu, gfn_t gfn, unsigned level) {
  kvm* kvm = vcpu->kvm;
  kvm_mmu_page* sp = nullptr;
  kvm->mmu_lock.lock(__func__);
  if (make_mmu_pages_available(vcpu) >= 0) sp = kvm_mmu_get_page(vcpu, gfn, level);
  kvm->mmu_lock.unlock(__func__);
  return sp;
}

namespace testing {
void kvm_mmu_zap_all_never_restarting(kvm* kvm) { zap_all(kvm, false, "kvm_mmu_zap_all"); }
}  // namespace testing

}  // namespace model

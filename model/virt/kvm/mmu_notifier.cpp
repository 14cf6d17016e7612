// SPDX-License-Identifier: GPL-2.0-only
// virt/kvm/kvm_main.c's MMU notifier. Sources, re-expressed: the
// kvm_main.c hunk of 982ed0de4753's v4 posting (20 Nov 2021), 58cd407ca4c6's
// hunk, and the kvm_inc/dec_notifier_count diffs of 5.13-6.2:
// range_start raises mn_active_invalidate_count under mn_invalidate_lock,
// calls gfn_to_pfn_cache_invalidate_start without mmu_lock, then
// __kvm_handle_hva_range takes mmu_lock and runs kvm_inc_notifier_count;
// range_end runs kvm_dec_notifier_count (seq++, smp_wmb, count--) under
// mmu_lock and only then drops mn_active_invalidate_count, waking the
// memslot updater at 0. That last order is read from 6.x and 5.18-era
// text, [U] for 5.17 (docs/pfncache-history.md).
#include "model/virt/kvm/mmu_notifier.hpp"

#include "model/virt/kvm/pfncache.hpp"

namespace model {

namespace {

void kvm_inc_notifier_count(kvm* kvm, hva_t start, hva_t end) {
  // The count and the range are only written under mmu_lock.
  const long count = kvm->mmu_notifier_count.load(__func__);
  kvm->mmu_notifier_count.store(count + 1, __func__);
  if (count == 0) {
    kvm->mmu_notifier_range_start.store(start, __func__);
    kvm->mmu_notifier_range_end.store(end, __func__);
  } else {
    // Several overlapping invalidations: one range covering all of them.
    kvm->mmu_notifier_range_start.store(
        std::min(kvm->mmu_notifier_range_start.load(__func__), start), __func__);
    kvm->mmu_notifier_range_end.store(std::max(kvm->mmu_notifier_range_end.load(__func__), end),
                                      __func__);
  }
}

void kvm_dec_notifier_count(kvm* kvm) {
  // seq before count (smp_wmb between): a retry check that sees the count
  // drop also sees the new sequence number.
  kvm->mmu_notifier_seq.store(kvm->mmu_notifier_seq.load(__func__) + 1, __func__);
  kvm->mmu_notifier_count.store(kvm->mmu_notifier_count.load(__func__) - 1, __func__);
}

}  // namespace

void kvm_mmu_notifier_invalidate_range_start(kvm* kvm, const mmu_notifier_range& range) {
  kvm->mn_invalidate_lock.lock(__func__);
  kvm->mn_active_invalidate_count.store(kvm->mn_active_invalidate_count.load(__func__) + 1,
                                        __func__);
  kvm->mn_invalidate_lock.unlock(__func__);

  gfn_to_pfn_cache_invalidate_start(kvm, range.start, range.end, range.may_block);

  // __kvm_handle_hva_range with .on_lock = kvm_inc_notifier_count; the
  // kvm_unmap_gfn_range handler finds no SPTEs in pfncache scenarios.
  kvm->mmu_lock.lock("__kvm_handle_hva_range");
  kvm_inc_notifier_count(kvm, range.start, range.end);
  kvm->mmu_lock.unlock("__kvm_handle_hva_range");
}

void kvm_mmu_notifier_invalidate_range_end(kvm* kvm, const mmu_notifier_range&) {
  kvm->mmu_lock.lock("__kvm_handle_hva_range");
  kvm_dec_notifier_count(kvm);
  kvm->mmu_lock.unlock("__kvm_handle_hva_range");

  kvm->mn_invalidate_lock.lock(__func__);
  kvm->mn_active_invalidate_count.store(kvm->mn_active_invalidate_count.load(__func__) - 1,
                                        __func__);
  // The rcuwait_wake_up of the memslot updater is its next look at the count.
  kvm->mn_invalidate_lock.unlock(__func__);
}

int mmu_notifier_retry_hva(kvm* kvm, uint64_t mmu_seq, hva_t hva) {
  if (kvm->mmu_notifier_count.load(__func__) != 0 &&
      hva >= kvm->mmu_notifier_range_start.load(__func__) &&
      hva < kvm->mmu_notifier_range_end.load(__func__))
    return 1;
  return kvm->mmu_notifier_seq.load(__func__) != mmu_seq;
}

void kvm_wait_for_invalidations(kvm* kvm) {
  // kvm_swap_active_memslots: prepare_to_rcuwait; while the count is not 0,
  // drop the lock and schedule; the last range_end wakes the waiter.
  sim::Execution& ex = sim::Execution::current();
  while (kvm->mn_active_invalidate_count.load("kvm_swap_active_memslots") != 0) {
    kvm->mn_invalidate_lock.unlock("kvm_swap_active_memslots");
    ex.point(sim::Label(nullptr, "kvm_swap_active_memslots", sim::Access::none), /*yielding=*/true);
    kvm->mn_invalidate_lock.lock("kvm_swap_active_memslots");
  }
}

}  // namespace model

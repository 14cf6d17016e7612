// SPDX-License-Identifier: GPL-2.0-only
// mm/memory.c: zap_page_range calls mmu_notifier_invalidate_range_start
// before it clears PTEs and _end after.
#include "model/mm/mm.hpp"

#include "model/include/linux/kvm_host.hpp"
#include "model/virt/kvm/mmu_notifier.hpp"

namespace model {

namespace {

// Clears the pte and drops the mapping's reference: zap_pte_range.
void zap_pte(kvm* kvm, hva_t hva) {
  mm_struct& mm = kvm->mm;
  sim::Shared<pfn_t>& pte = *mm.ptes.at(hva);
  mm.page_table_lock.lock("zap_pte_range");
  const pfn_t pfn = pte.load("zap_pte_range");
  if (pfn) {
    pte.store(0, "zap_pte_range");
    revoke(kvm, hva, pfn);
  }
  mm.page_table_lock.unlock("zap_pte_range");
  if (pfn) put_page(mm.pfn_to_page(pfn));
}

}  // namespace

void unmap_page(kvm* kvm, hva_t hva, bool may_block) {
  const hva_t page = hva & PAGE_MASK;
  const mmu_notifier_range range{page, page + PAGE_SIZE, may_block};
  kvm_mmu_notifier_invalidate_range_start(kvm, range);
  zap_pte(kvm, page);
  kvm_mmu_notifier_invalidate_range_end(kvm, range);
}

}  // namespace model

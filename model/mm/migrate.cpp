// SPDX-License-Identifier: GPL-2.0-only
// mm/migrate.c: migration unmaps, checks that only the mapping holds the
// page, copies, remaps.
#include "model/mm/mm.hpp"

#include "model/include/linux/kvm_host.hpp"
#include "sim/runtime/execution.hpp"
#include "model/virt/kvm/mmu_notifier.hpp"

namespace model {

void migrate_page(kvm* kvm, hva_t hva) {
  sim::Execution& ex = sim::Execution::current();
  mm_struct& mm = kvm->mm;
  const hva_t a = hva & PAGE_MASK;
  const mmu_notifier_range range{a, a + PAGE_SIZE, true};
  ex.note("migrate_pages", "migrate the page at {:#x}", a);
  kvm_mmu_notifier_invalidate_range_start(kvm, range);
  sim::Shared<pfn_t>& pte = *mm.ptes.at(a);
  mm.page_table_lock.lock("migrate_pages");
  const pfn_t old = pte.load("migrate_pages");
  struct page* page = old ? mm.pfn_to_page(old) : nullptr;
  // The mapping's reference is the only one expected.
  if (page && page->_refcount.load("folio_migrate_mapping") == 1) {
    struct page* copy = mm.alloc_page();
    copy->data.init(page->data.peek());
    pte.store(copy->pfn, "remove_migration_ptes");
    revoke(kvm, a, old);
    mm.page_table_lock.unlock("migrate_pages");
    put_page(page);
  } else {
    mm.page_table_lock.unlock("migrate_pages");
    ex.note("migrate_pages", "-EAGAIN: the page has extra references (pinned)");
  }
  kvm_mmu_notifier_invalidate_range_end(kvm, range);
}

}  // namespace model

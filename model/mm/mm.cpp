// SPDX-License-Identifier: GPL-2.0-only
// Sources, re-expressed: mm/memory.c zap_page_range and mm/oom_kill.c
// __oom_reap_task_mm call mmu_notifier_invalidate_range_start (the reaper
// the _nonblock form) before they clear PTEs and _end after; migration
// unmaps, checks that only the mapping holds the page, copies, remaps
// (mm/migrate.c). get_user_pages takes a page reference under the pte lock.
#include "model/mm/mm.hpp"

#include <vector>

#include <fmt/format.h>

#include "model/include/linux/kvm_host.hpp"
#include "model/virt/kvm/mmu_notifier.hpp"
#include "sim/check.hpp"

namespace model {

namespace {

constexpr pfn_t kFirstPfn = 0x100;  // pfns the model hands out start here

// Oracle: the primary MMU stops mapping `pfn` at `hva`; caches that still
// use the pair from now on use a stale pfn.
void revoke(kvm* kvm, hva_t hva, pfn_t pfn) { kvm->mm.revoked.insert({hva, pfn}); }

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

void unmap_page(kvm* kvm, hva_t hva, bool may_block) {
  const hva_t page = hva & PAGE_MASK;
  const mmu_notifier_range range{page, page + PAGE_SIZE, may_block};
  kvm_mmu_notifier_invalidate_range_start(kvm, range);
  zap_pte(kvm, page);
  kvm_mmu_notifier_invalidate_range_end(kvm, range);
}

}  // namespace

std::string page::fmt_name(pfn_t p) { return fmt::format("page {:#x}", p); }

void mm_struct::map_initial(hva_t hva, uint64_t npages) {
  for (uint64_t i = 0; i < npages; ++i) {
    const hva_t a = (hva & PAGE_MASK) + i * PAGE_SIZE;
    struct page* p = alloc_page();
    ptes[a] = std::make_unique<sim::Shared<pfn_t>>(fmt::format("pte({:#x})", a), p->pfn);
  }
}

struct page* mm_struct::pfn_to_page(pfn_t pfn) {
  if (pfn < kFirstPfn || pfn - kFirstPfn >= pages.size()) return nullptr;
  return pages[pfn - kFirstPfn].get();
}

struct page* mm_struct::alloc_page() {
  pages.push_back(std::make_unique<struct page>(kFirstPfn + pages.size()));
  return pages.back().get();
}

void get_page(struct page* page) {
  // Callers hold a reference or the pte lock of a pte mapping the page, so
  // the count is above 0 (page_ref_inc).
  page->_refcount.fetch_add(1, "get_page");
}

void put_page(struct page* page) {
  const int old = page->_refcount.fetch_add(-1, "put_page");
  if (old <= 0)
    sim::fail("page-ref-underflow",
              fmt::format("put_page of pfn {:#x} with reference count {}", page->pfn, old));
  if (old == 1) {
    page->freed = true;
    sim::Execution::current().note("put_page", "pfn {:#x} freed", page->pfn);
  }
}

pfn_t hva_to_pfn(kvm* kvm, hva_t hva) {
  mm_struct& mm = kvm->mm;
  auto it = mm.ptes.find(hva & PAGE_MASK);
  if (it == mm.ptes.end()) return KVM_PFN_ERR_FAULT;
  // get_user_pages: follow_page_pte takes the reference under the pte lock.
  mm.page_table_lock.lock("hva_to_pfn");
  const pfn_t pfn = it->second->load("hva_to_pfn");
  if (pfn) get_page(mm.pfn_to_page(pfn));
  mm.page_table_lock.unlock("hva_to_pfn");
  return pfn ? pfn : KVM_PFN_ERR_FAULT;
}

void kvm_release_pfn(kvm* kvm, pfn_t pfn) {
  if (is_error_noslot_pfn(pfn)) return;
  put_page(kvm->mm.pfn_to_page(pfn));
}

uint64_t kmap(pfn_t pfn) { return pfn << PAGE_SHIFT; }

void access_host_page(kvm* kvm, hva_t uhva, uint64_t khva_or_pa, bool write, const char* who) {
  if (khva_or_pa < PAGE_SIZE)
    sim::fail("null-khva", fmt::format("{} dereferences khva {:#x} (NULL + offset)", who,
                                       khva_or_pa));
  const pfn_t pfn = khva_or_pa >> PAGE_SHIFT;
  struct page* page = kvm->mm.pfn_to_page(pfn);
  if (!page)
    sim::fail("stale-pfn", fmt::format("{} uses pfn {:#x}, which is no page", who, pfn));
  if (write) page->data.store(page->data.peek() + 1, who);
  else page->data.load(who);
  if (page->freed)
    sim::fail("use-after-free-page",
              fmt::format("{} {} pfn {:#x} after it was freed", who, write ? "writes" : "reads",
                          pfn));
  if (kvm->mm.revoked.count({uhva & PAGE_MASK, pfn}))
    sim::fail("stale-pfn",
              fmt::format("{} {} pfn {:#x} for hva {:#x}, which the primary MMU no longer maps "
                          "there (invalidate_range_start for it has returned)",
                          who, write ? "writes" : "reads", pfn, uhva & PAGE_MASK));
}

void munmap_page(kvm* kvm, hva_t hva) {
  sim::Execution::current().note("munmap", "munmap({:#x}, PAGE_SIZE)", hva & PAGE_MASK);
  unmap_page(kvm, hva, true);
}

void oom_reap_page(kvm* kvm, hva_t hva) {
  sim::Execution::current().note("__oom_reap_task_mm", "OOM reaper unmaps {:#x}",
                                 hva & PAGE_MASK);
  unmap_page(kvm, hva, false);
}

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

void exit_mmap_and_check_leaks(kvm* kvm) {
  // After the last modeled thread: nothing runs concurrently, so exit_mmap
  // is applied without scheduling points (each mapped page loses the
  // mapping's reference) and every page must then be free.
  mm_struct& mm = kvm->mm;
  std::vector<bool> mapped(mm.pages.size(), false);  // by pfn - kFirstPfn
  for (const auto& [hva, pte] : mm.ptes)
    if (const pfn_t pfn = pte->peek()) mapped[pfn - kFirstPfn] = true;
  for (const auto& p : mm.pages) {
    const int left = p->_refcount.peek() - (mapped[p->pfn - kFirstPfn] ? 1 : 0);
    if (left > 0)
      sim::fail("page-ref-leak",
                fmt::format("pfn {:#x} still has {} reference(s) after the VM is destroyed and "
                            "the VMM's mappings are gone",
                            p->pfn, left));
  }
}

}  // namespace model

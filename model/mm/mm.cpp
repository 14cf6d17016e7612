// SPDX-License-Identifier: GPL-2.0-only
// include/linux/mm.h, mm_types.h and highmem.h: struct page, get_page/put_page,
// kmap; and the oracles' view of host pages (revoke, access_host_page).
#include "model/mm/mm.hpp"

#include <fmt/format.h>

#include "model/include/linux/kvm_host.hpp"
#include "sim/check.hpp"

namespace model {

void revoke(kvm* kvm, hva_t hva, pfn_t pfn) { kvm->mm.revoked.insert({hva, pfn}); }

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

}  // namespace model

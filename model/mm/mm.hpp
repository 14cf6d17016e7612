// SPDX-License-Identifier: GPL-2.0-only
// The host side of guest memory, as far as gfn_to_pfn_cache races need it:
// the VMM's userspace mapping (hva -> pfn page table entries), struct page
// reference counts, kernel mappings of pages, and the mm events that change
// a mapping (munmap, page migration, the OOM reaper), each bracketed by MMU
// notifier invalidate_range_start/end the way mm/ calls them. Each is
// defined in the file named after the kernel's: mm.cpp (struct page,
// get_page/put_page, kmap), memory.cpp, mmap.cpp, oom_kill.cpp, migrate.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sim/sync/lock.hpp"
#include "sim/sync/shared.hpp"

namespace model {

using hva_t = uint64_t;
using pfn_t = uint64_t;

struct kvm;

inline constexpr pfn_t kFirstPfn = 0x100;  // pfns the model hands out start here

// struct page: a host page frame. Freed when its reference count drops to 0.
struct page : sim::Object {
  page(pfn_t p)
      : sim::Object(fmt_name(p)), pfn(p), _refcount(fmt_name(p) + "->_refcount", 1),
        data(fmt_name(p) + " data", 0) {}
  static std::string fmt_name(pfn_t p);

  pfn_t pfn;
  sim::Shared<int> _refcount;
  // The page's contents: what a kernel or guest access through the page reads
  // or writes (a scheduling point, traced).
  sim::Shared<uint64_t> data;
  bool freed = false;  // ground truth for oracles
};

// The VMM process's mm_struct: one PTE per mapped user page.
struct mm_struct {
  mm_struct() : page_table_lock("mm->page_table_lock") {}

  // Scenario set-up: `npages` fresh pages mapped from `hva` on.
  void map_initial(hva_t hva, uint64_t npages);
  struct page* pfn_to_page(pfn_t pfn);  // null if the pfn was never allocated
  struct page* alloc_page();            // refcount 1 (the caller's)

  // Follows what a pte lock protects: the pte and the get/put of the page it
  // maps happen together (split PTE locks, one lock here).
  sim::Spinlock page_table_lock;
  std::map<hva_t, std::unique_ptr<sim::Shared<pfn_t>>> ptes;  // 0: not present
  std::vector<std::unique_ptr<struct page>> pages;           // every page ever allocated

  // Oracle state: (page-aligned hva, pfn) pairs whose mapping the primary MMU
  // changed after invalidate_range_start for that hva returned.
  std::set<std::pair<hva_t, pfn_t>> revoked;
};

inline constexpr pfn_t KVM_PFN_ERR_FAULT = 0x7ff0000000000000ULL;  // is_error_pfn
inline bool is_error_noslot_pfn(pfn_t pfn) { return pfn >= KVM_PFN_ERR_FAULT; }

// get_page / put_page: one atomic read-modify-write each. put_page frees
// the page at 0; a put of a page with no reference is `page-ref-underflow`.
void get_page(struct page* page);
void put_page(struct page* page);

// kmap of a lowmem page is its linear-map address; kunmap does nothing. A
// khva is modeled as pfn << PAGE_SHIFT | offset, so NULL is 0.
uint64_t kmap(pfn_t pfn);

// A read or write through a kernel mapping (or by the guest through the pfn)
// on behalf of a cache of `uhva`. Oracles: NULL dereference (`null-khva`),
// a freed page (`use-after-free-page`), a pfn the primary MMU no longer maps
// at uhva after invalidate_range_start returned (`stale-pfn`).
void access_host_page(kvm* kvm, hva_t uhva, uint64_t khva_or_pa, bool write, const char* who);

// Oracle: the primary MMU stops mapping `pfn` at `hva`; caches that still
// use the pair from now on use a stale pfn.
void revoke(kvm* kvm, hva_t hva, pfn_t pfn);

// zap_page_range for the page at `hva`, between invalidate_range_start and
// _end (may_block false: the OOM reaper's _nonblock form).
void unmap_page(kvm* kvm, hva_t hva, bool may_block);

// The mm events. Each calls the MMU notifier around its page-table change.
// munmap of one page: the pte is cleared and the mapping's reference put.
void munmap_page(kvm* kvm, hva_t hva);
// The OOM reaper unmapping the page with may_block = false
// (mmu_notifier_invalidate_range_start_nonblock).
void oom_reap_page(kvm* kvm, hva_t hva);
// migrate_pages for one page: the pte is switched to a copy and the old
// page's mapping reference put, unless someone else holds a reference to
// the old page (a pinned page cannot migrate: folio_migrate_mapping's
// refcount check), in which case the mapping is left as it was.
void migrate_page(kvm* kvm, hva_t hva);

// Process exit, after the VM is gone: every mapping's reference put; a page
// still referenced then is `page-ref-leak`.
void exit_mmap_and_check_leaks(kvm* kvm);

}  // namespace model

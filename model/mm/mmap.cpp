// SPDX-License-Identifier: GPL-2.0-only
// mm/mmap.c: munmap and exit_mmap.
#include "model/mm/mm.hpp"

#include <vector>

#include <fmt/format.h>

#include "model/include/linux/kvm_host.hpp"
#include "sim/check.hpp"
#include "sim/runtime/execution.hpp"

namespace model {

void munmap_page(kvm* kvm, hva_t hva) {
  sim::Execution::current().note("munmap", "munmap({:#x}, PAGE_SIZE)", hva & PAGE_MASK);
  unmap_page(kvm, hva, true);
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

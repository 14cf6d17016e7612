// SPDX-License-Identifier: GPL-2.0-only
// mm/oom_kill.c: __oom_reap_task_mm calls the _nonblock form of
// mmu_notifier_invalidate_range_start before it clears PTEs and _end after.
#include "model/mm/mm.hpp"

#include "model/include/linux/kvm_host.hpp"
#include "sim/runtime/execution.hpp"

namespace model {

void oom_reap_page(kvm* kvm, hva_t hva) {
  sim::Execution::current().note("__oom_reap_task_mm", "OOM reaper unmaps {:#x}",
                                 hva & PAGE_MASK);
  unmap_page(kvm, hva, false);
}

}  // namespace model

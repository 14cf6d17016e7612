// SPDX-License-Identifier: GPL-2.0-only
// The guest-mode user is the one thing here that no kernel had: nothing
// ever set guest_uses_pa (df06dae3f2a8's text; a4bff3df5147 removed
// KVM_GUEST_USES_PFN in 6.9 as incomplete). It follows 982ed0de4753's
// contract: invalidations evict the vCPU with a request, and the cache is
// checked under kvm->srcu, with the x86 vcpu_enter_guest order around it
// (mode = IN_GUEST_MODE, srcu_read_unlock, kvm_vcpu_exit_request).
#include "model/arch/x86/kvm/pfncache_users.hpp"

#include <fmt/format.h>

#include "model/virt/kvm/kvm_requests.hpp"

namespace model {

int gpc_atomic_access(kvm* kvm, gfn_to_pfn_cache* gpc, gpa_t gpa, bool write) {
  const uint64_t idx = kvm->srcu.read_lock("kvm_xen_shared_info");
  int ret = 0;
  gpc->lock->read_lock("kvm_xen_shared_info");
  while (!kvm_gfn_to_pfn_cache_check(kvm, gpc, gpa, kGpcAccessLen)) {
    gpc->lock->read_unlock("kvm_xen_shared_info");
    ret = kvm_gfn_to_pfn_cache_refresh(kvm, gpc, gpa, kGpcAccessLen);
    if (ret) break;
    gpc->lock->read_lock("kvm_xen_shared_info");
  }
  if (!ret) {
    const uint64_t khva = gpc->khva.load("kvm_xen_shared_info");
    // Oracle: the check passed for gpa, so khva must point at gpa's byte.
    if (khva >= PAGE_SIZE && (khva & ~PAGE_MASK) != (gpa & ~PAGE_MASK))
      sim::fail("khva-offset-mismatch",
                fmt::format("kvm_xen_shared_info uses khva {:#x} for gpa {:#x}: offset {:#x} in "
                            "the page instead of {:#x}",
                            khva, gpa, khva & ~PAGE_MASK, gpa & ~PAGE_MASK));
    access_host_page(kvm, gpc->uhva.peek(), khva, write, "kvm_xen_shared_info");
    gpc->lock->read_unlock("kvm_xen_shared_info");
  }
  kvm->srcu.read_unlock(idx, "kvm_xen_shared_info");
  return ret;
}

// x86 kvm_vcpu_exit_request (5.8+): a kick in flight or any pending request.
static bool kvm_vcpu_exit_request(kvm_vcpu* vcpu) {
  return vcpu->mode.load(__func__) == EXITING_GUEST_MODE || kvm_request_pending(vcpu);
}

void vcpu_enter_guest_using_gpc(kvm_vcpu* vcpu, gfn_to_pfn_cache* gpc, gpa_t gpa) {
  kvm* kvm = vcpu->kvm;
  sim::Execution& ex = sim::Execution::current();
  for (;;) {
    vcpu->srcu_idx = kvm->srcu.read_lock("vcpu_run");
    // vcpu_enter_guest: x86 services the requests it knows here; no modeled
    // request is one of them (982ed0de4753's bit 5 has no x86 handler).
    vcpu->mode.store(IN_GUEST_MODE, "vcpu_enter_guest");  // smp_store_release, irqs off
    const bool usable = kvm_gfn_to_pfn_cache_check(kvm, gpc, gpa, kGpcAccessLen);
    const pfn_t pfn = usable ? gpc->pfn.load("vcpu_enter_guest") : KVM_PFN_ERR_FAULT;
    kvm->srcu.read_unlock(vcpu->srcu_idx, "vcpu_enter_guest");
    if (!usable || kvm_vcpu_exit_request(vcpu)) {
      // Cancel the entry: outside guest mode, interrupts on (a pending
      // kick's IPI is taken here), back to vcpu_run's loop.
      vcpu->mode.store(OUTSIDE_GUEST_MODE, "vcpu_enter_guest");
      ex.metrics().add("vm_entries_cancelled");
      if (!usable) {
        vcpu->srcu_idx = kvm->srcu.read_lock("vcpu_run");
        const int r = kvm_gfn_to_pfn_cache_refresh(kvm, gpc, gpa, kGpcAccessLen);
        kvm->srcu.read_unlock(vcpu->srcu_idx, "vcpu_run");
        if (r) {
          // The page is gone: KVM_RUN fails and userspace decides.
          ex.note("vcpu_run", "KVM_RUN returns {}", r);
          return;
        }
      }
      ex.point(sim::Label(nullptr, "vcpu_run", sim::Access::none),
               /*yielding=*/true);  // the vcpu_run loop goes round
      continue;
    }
    // In guest mode: the guest reads the page through the pfn.
    access_host_page(kvm, gpc->uhva.peek(), pfn << PAGE_SHIFT | (gpa & ~PAGE_MASK), false,
                     "guest");
    vcpu->mode.store(OUTSIDE_GUEST_MODE, "vcpu_enter_guest");  // VM exit
    return;
  }
}

}  // namespace model

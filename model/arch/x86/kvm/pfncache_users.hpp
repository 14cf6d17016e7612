// SPDX-License-Identifier: GPL-2.0-only
// The users of a gfn_to_pfn_cache that scenarios run: the atomic user of
// the Xen shared-info kind, and a vCPU using the cached pfn in guest mode.
#pragma once

#include "model/include/linux/kvm_host.hpp"
#include "model/virt/kvm/pfncache.hpp"

namespace model {

// Bytes a cache user reads or writes: one u64, as the Xen shared-info
// users do.
inline constexpr uint64_t kGpcAccessLen = 8;

// The pattern of kvm_xen_update_runstate_guest and kvm_xen_set_evtchn_fast
// (arch/x86/kvm/xen.c): under kvm->srcu, take gpc->lock for read; while
// kvm_gfn_to_pfn_cache_check fails, drop it, refresh, retake it; then read
// or write the u64 at khva and drop the lock. Returns the refresh error
// that ended the attempt, or 0.
int gpc_atomic_access(kvm* kvm, gfn_to_pfn_cache* gpc, gpa_t gpa, bool write);

// One VM entry of a vCPU whose guest uses the cached pfn (guest_uses_pa):
// the vcpu_run loop around vcpu_enter_guest, until an entry got through.
// The cache is checked under kvm->srcu after vcpu->mode = IN_GUEST_MODE
// (so an invalidation either sees the vCPU in guest mode and kicks it, or
// the check sees valid cleared) and refreshed outside guest mode when it
// fails (a failed refresh ends the attempt: KVM_RUN returns the error);
// kvm_vcpu_exit_request cancels the entry while a request is pending.
void vcpu_enter_guest_using_gpc(kvm_vcpu* vcpu, gfn_to_pfn_cache* gpc, gpa_t gpa);

}  // namespace model

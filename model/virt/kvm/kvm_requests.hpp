// SPDX-License-Identifier: GPL-2.0-only
// virt/kvm/kvm_main.c: vCPU requests and kicks (kvm_make_vcpus_request_mask,
// kvm_request_needs_ipi, kvm_kick_many_cpus), and kvm_flush_remote_tlbs as
// far as freeing shadow pages needs it: the wait for vCPUs in a lockless
// shadow-page walk.
#pragma once

#include <cstdint>
#include <vector>

#include "model/include/linux/kvm_host.hpp"

namespace model {

// Request flags (include/linux/kvm_host.h).
inline constexpr uint32_t KVM_REQUEST_MASK = 0xff;
inline constexpr uint32_t KVM_REQUEST_NO_WAKEUP = 1U << 8;
inline constexpr uint32_t KVM_REQUEST_WAIT = 1U << 9;
inline constexpr uint32_t KVM_REQUEST_NO_ACTION = 1U << 10;  // df06dae3f2a8 (5.18)
// 982ed0de4753 (5.17 only): no x86 code ever clears bit 5.
inline constexpr uint32_t KVM_REQ_GPC_INVALIDATE = 5 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP;
// df06dae3f2a8: kick and wait, without setting a request bit.
inline constexpr uint32_t KVM_REQ_OUTSIDE_GUEST_MODE =
    KVM_REQUEST_NO_ACTION | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP;

// kvm_request_pending: any bit set in vcpu->requests.
bool kvm_request_pending(kvm_vcpu* vcpu);

// kvm_make_vcpus_request_mask(kvm, req, vcpu_bitmap): for each vCPU, set
// the request bit (unless KVM_REQUEST_NO_ACTION), then IPI the CPUs
// kvm_request_needs_ipi picks and, for KVM_REQUEST_WAIT, wait until each
// took the IPI. Returns whether any IPI was sent ("called").
bool kvm_make_vcpus_request_mask(kvm* kvm, uint32_t req, const std::vector<kvm_vcpu*>& vcpus);

// kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH): KVM_REQ_TLB_FLUSH is
// (0 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP), so it IPIs every vCPU
// whose mode is not OUTSIDE_GUEST_MODE and waits until each has taken the
// IPI. Returns once no vCPU it saw in a lockless walk is still in it. The
// TLB-flush request bit is not modeled: no modeled vCPU consumes it.
void kvm_flush_remote_tlbs(kvm* kvm);

namespace testing {
// Test only, never a kernel state: while an instance lives (on any OS
// thread), kvm_flush_remote_tlbs sends its requests but does not wait for
// the vCPUs it would IPI, so that a test can show what the wait protects.
class FlushRemoteTlbsWithoutWaiting {
 public:
  FlushRemoteTlbsWithoutWaiting();
  ~FlushRemoteTlbsWithoutWaiting();
  FlushRemoteTlbsWithoutWaiting(const FlushRemoteTlbsWithoutWaiting&) = delete;
  FlushRemoteTlbsWithoutWaiting& operator=(const FlushRemoteTlbsWithoutWaiting&) = delete;
};
}  // namespace testing

}  // namespace model

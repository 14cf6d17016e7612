// virt/kvm/kvm_main.c (4.19): kvm_flush_remote_tlbs and the broadcast
// request behind it, as far as freeing shadow pages needs them: the wait
// for vCPUs in a lockless shadow-page walk.
#pragma once

#include "model/kvm_host.hpp"

namespace model {

// kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH): KVM_REQ_TLB_FLUSH is
// (0 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP), so it IPIs every vCPU
// whose mode is not OUTSIDE_GUEST_MODE and waits until each has taken the
// IPI. Returns once no vCPU it saw in a lockless walk is still in it.
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

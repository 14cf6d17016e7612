// Sources read (via the code search), re-expressed here, not copied:
// - 4.19 virt/kvm/kvm_main.c (0x88888888/Linux-4.19): kvm_flush_remote_tlbs
//   calls kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH);
//   kvm_make_vcpus_request_mask does kvm_make_request on every vCPU and
//   puts its CPU in the IPI mask when cpu != -1, cpu != me and
//   kvm_request_needs_ipi, which for a KVM_REQUEST_WAIT request is
//   kvm_vcpu_exiting_guest_mode(vcpu) != OUTSIDE_GUEST_MODE ("We need to
//   wait for the VCPU to reenable interrupts and get out of
//   READING_SHADOW_PAGE_TABLES mode"); kvm_kick_many_cpus then calls
//   smp_call_function_many(cpus, ack_flush, NULL, wait) with wait set.
// - 4.19 include/linux/kvm_host.h: KVM_REQ_TLB_FLUSH is
//   (0 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP); the vcpu->mode enum.
// Inferred, not read: smp_call_function_many with wait returns once every
// target CPU ran the (empty) ack_flush, which an interrupts-disabled CPU
// does only when it enables them again.
#include "model/kvm_requests.hpp"

#include <atomic>
#include <vector>

#include "sim/runtime/execution.hpp"

namespace model {

namespace {

std::atomic<int> flush_without_waiting{0};

// smp_call_function_many(..., wait = true) for vCPU threads: the IPI is
// taken when the target has interrupts enabled. A vCPU disables them only
// in walk_shadow_page_lockless_begin..end, where its mode is
// READING_SHADOW_PAGE_TABLES; lockless_end stores OUTSIDE_GUEST_MODE and
// then enables interrupts, with no page read in between, so "its mode is no
// longer READING_SHADOW_PAGE_TABLES" stands for "it took the IPI". The
// flusher spins on that, one scheduling point per re-read.
//
// Simplified: a vCPU in IN_GUEST_MODE (or EXITING_GUEST_MODE) takes the IPI
// promptly through a VM exit, so it is not waited for. The model's vCPUs
// never enter the guest, so kvm_vcpu_exiting_guest_mode always finds
// OUTSIDE_GUEST_MODE or READING_SHADOW_PAGE_TABLES.
void wait_for_ipi_ack(kvm_vcpu* vcpu) {
  sim::Execution& ex = sim::Execution::current();
  while (vcpu->mode.load("smp_call_function_many") == READING_SHADOW_PAGE_TABLES)
    ex.point(/*yielding=*/true);
}

}  // namespace

void kvm_flush_remote_tlbs(kvm* kvm) {
  sim::Execution& ex = sim::Execution::current();
  ex.note("kvm_flush_remote_tlbs", "KVM_REQ_TLB_FLUSH to every vCPU");
  // kvm_make_vcpus_request_mask. The cpu != me test is not modeled: a vCPU
  // zaps only from its fault path, outside any lockless walk, so it never
  // waits for itself.
  std::vector<kvm_vcpu*> ipi;
  for (const auto& vcpu : kvm->vcpus)
    if (kvm_vcpu_exiting_guest_mode(vcpu.get()) != OUTSIDE_GUEST_MODE) ipi.push_back(vcpu.get());
  if (flush_without_waiting.load() > 0) return;
  for (kvm_vcpu* vcpu : ipi) wait_for_ipi_ack(vcpu);
}

namespace testing {
FlushRemoteTlbsWithoutWaiting::FlushRemoteTlbsWithoutWaiting() { ++flush_without_waiting; }
FlushRemoteTlbsWithoutWaiting::~FlushRemoteTlbsWithoutWaiting() { --flush_without_waiting; }
}  // namespace testing

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
// Sources read, re-expressed here, not copied:
// - 4.19 virt/kvm/kvm_main.c: kvm_flush_remote_tlbs
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
// - 6.x virt/kvm/kvm_main.c: kvm_make_vcpu_request skips the bit for
//   KVM_REQUEST_NO_ACTION (df06dae3f2a8).
// Inferred, not read: smp_call_function_many with wait returns once every
// target CPU ran the (empty) ack_flush, which an interrupts-disabled CPU
// does only when it enables them again.
#include "model/virt/kvm/kvm_requests.hpp"

#include <atomic>
#include <vector>

#include "sim/runtime/execution.hpp"

namespace model {

namespace {

std::atomic<int> flush_without_waiting{0};

// smp_call_function_many(..., wait = true) for vCPU threads: the IPI is
// taken when the target has interrupts enabled. A vCPU disables them in
// walk_shadow_page_lockless_begin..end (mode READING_SHADOW_PAGE_TABLES)
// and from entering the guest until its VM exit (IN_GUEST_MODE, or
// EXITING_GUEST_MODE once kicked); it stores OUTSIDE_GUEST_MODE and then
// enables interrupts, with no shared access in between, so "its mode is
// OUTSIDE_GUEST_MODE" stands for "it took the IPI". The sender spins on
// that, one scheduling point per re-read.
void wait_for_ipi_ack(kvm_vcpu* vcpu) {
  sim::Execution& ex = sim::Execution::current();
  while (vcpu->mode.load("smp_call_function_many") != OUTSIDE_GUEST_MODE)
    ex.point(sim::Label(nullptr, "smp_call_function_many", sim::Access::none), /*yielding=*/true);
}

// kvm_request_needs_ipi: a KVM_REQUEST_WAIT request waits for any vCPU
// not outside guest mode (READING_SHADOW_PAGE_TABLES included), others
// only kick a vCPU in guest mode.
bool kvm_request_needs_ipi(kvm_vcpu* vcpu, uint32_t req) {
  const int mode = kvm_vcpu_exiting_guest_mode(vcpu);
  if (req & KVM_REQUEST_WAIT) return mode != OUTSIDE_GUEST_MODE;
  return mode == IN_GUEST_MODE;
}

// kvm_make_request: set_bit in vcpu->requests (an atomic read-modify-write).
void kvm_make_request(uint32_t req, kvm_vcpu* vcpu) {
  const uint64_t bit = 1ULL << (req & KVM_REQUEST_MASK);
  uint64_t old = vcpu->requests.load("kvm_make_request");
  while (!vcpu->requests.compare_exchange(old, old | bit, "kvm_make_request")) {
  }
}

}  // namespace

bool kvm_request_pending(kvm_vcpu* vcpu) { return vcpu->requests.load(__func__) != 0; }

bool kvm_make_vcpus_request_mask(kvm*, uint32_t req, const std::vector<kvm_vcpu*>& vcpus) {
  std::vector<kvm_vcpu*> ipi;
  for (kvm_vcpu* vcpu : vcpus) {
    if (!(req & KVM_REQUEST_NO_ACTION)) kvm_make_request(req, vcpu);
    // KVM_REQUEST_NO_WAKEUP on every request the model sends: no
    // kvm_vcpu_wake_up.
    if (kvm_request_needs_ipi(vcpu, req)) ipi.push_back(vcpu);
  }
  // kvm_kick_many_cpus(cpus, !!(req & KVM_REQUEST_WAIT))
  if (req & KVM_REQUEST_WAIT)
    for (kvm_vcpu* vcpu : ipi) wait_for_ipi_ack(vcpu);
  return !ipi.empty();
}

void kvm_flush_remote_tlbs(kvm* kvm) {
  sim::Execution& ex = sim::Execution::current();
  ex.note("kvm_flush_remote_tlbs", "KVM_REQ_TLB_FLUSH to every vCPU");
  // kvm_make_vcpus_request_mask. The cpu != me test is not modeled: a vCPU
  // zaps only from its fault path, outside any lockless walk, so it never
  // waits for itself.
  std::vector<kvm_vcpu*> ipi;
  for (const auto& vcpu : kvm->vcpus)
    if (kvm_request_needs_ipi(vcpu.get(), KVM_REQUEST_WAIT)) ipi.push_back(vcpu.get());
  if (flush_without_waiting.load() > 0) return;
  for (kvm_vcpu* vcpu : ipi) wait_for_ipi_ack(vcpu);
}

namespace testing {
FlushRemoteTlbsWithoutWaiting::FlushRemoteTlbsWithoutWaiting() { ++flush_without_waiting; }
FlushRemoteTlbsWithoutWaiting::~FlushRemoteTlbsWithoutWaiting() { --flush_without_waiting; }
}  // namespace testing

}  // namespace model

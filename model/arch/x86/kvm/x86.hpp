// SPDX-License-Identifier: GPL-2.0-only
// arch/x86/kvm/x86.c and x86.h: the per-vCPU MMIO cache, the emulator's
// MMIO decision, the vCPU run loop, and the arch memslot hooks.
#pragma once

#include "model/include/linux/kvm_host.hpp"

namespace model {

enum EmulationResult { EMULATE_DONE, EMULATE_USER_EXIT };

void vcpu_cache_mmio_info(kvm_vcpu* vcpu, uint64_t gva, gfn_t gfn, unsigned access);
bool vcpu_match_mmio_gva(kvm_vcpu* vcpu, uint64_t gva);
bool vcpu_match_mmio_gpa(kvm_vcpu* vcpu, gpa_t gpa);

// The emulator's memory operand at `gpa`: RAM through kvm_read/write_guest,
// or KVM_EXIT_MMIO to userspace.
EmulationResult x86_emulate_instruction(kvm_vcpu* vcpu, gpa_t gpa);

// See kvm_mmu_invalidate_mmio_sptes for which of `slots` and `gen` a kernel
// state uses.
void kvm_arch_memslots_updated(kvm* kvm, struct kvm_memslots* slots, uint64_t gen);
void kvm_arch_flush_shadow_memslot(kvm* kvm, const kvm_memory_slot& slot);

// enter_smm / RSM: switch the vCPU between address spaces 0 and 1.
void kvm_smm_changed(kvm_vcpu* vcpu, bool in_smm);

// KVM_RUN until the guest's access to `gpa` has completed, in guest mode or
// through the emulator, or has exited to userspace as MMIO.
void vcpu_run_access(kvm_vcpu* vcpu, gpa_t gpa, bool write);

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
#include "model/arch/x86/kvm/x86.hpp"

#include <fmt/format.h>

#include "model/virt/kvm/kvm_main.hpp"
#include "model/virt/kvm/oracles.hpp"
#include "model/arch/x86/kvm/mmu.hpp"
#include "model/arch/x86/kvm/mmu/mmu_zap.hpp"
#include "model/arch/x86/kvm/mmu/spte.hpp"
#include "model/arch/x86/kvm/vmx/vmx.hpp"

namespace model {

// The cache is tagged with kvm_memslots(kvm)->generation: address space 0's,
// even for a vCPU in SMM (4.19 and 5.1 x86.h read it that way).
void vcpu_cache_mmio_info(kvm_vcpu* vcpu, uint64_t gva, gfn_t gfn, unsigned access) {
  const Variant& v = vcpu->kvm->variant;
  uint64_t gen = 0;
  if (v.mmio_cache_skips_in_flux) {
    // ddfd1730fd82: read the generation first and cache nothing from
    // memslots that are in flux.
    gen = kvm_memslots(vcpu->kvm)->generation.load("vcpu_cache_mmio_info");
    if (gen & memslot_gen_update_in_progress(v)) {
      sim::Execution::current().note("vcpu_cache_mmio_info", "memslot update in progress: not cached");
      return;
    }
  }
  vcpu->arch.mmio_gva = gva & PAGE_MASK;
  vcpu->arch.access = access;
  vcpu->arch.mmio_gfn = gfn;
  // 56f17dd3fbc4: remember which memslots the decision was made under.
  if (v.mmio_cache_checks_generation)
    vcpu->arch.mmio_gen = v.mmio_cache_skips_in_flux
                              ? gen
                              : kvm_memslots(vcpu->kvm)->generation.load("vcpu_cache_mmio_info");
  sim::Execution::current().note("vcpu_cache_mmio_info", "cache MMIO gfn {:#x}", gfn);
}

static bool vcpu_match_mmio_gen(kvm_vcpu* vcpu) {
  if (!vcpu->kvm->variant.mmio_cache_checks_generation) return true;  // before 56f17dd3fbc4
  return vcpu->arch.mmio_gen == kvm_memslots(vcpu->kvm)->generation.load("vcpu_match_mmio_gen");
}

bool vcpu_match_mmio_gva(kvm_vcpu* vcpu, uint64_t gva) {
  return vcpu_match_mmio_gen(vcpu) && vcpu->arch.mmio_gva &&
         vcpu->arch.mmio_gva == (gva & PAGE_MASK);
}

bool vcpu_match_mmio_gpa(kvm_vcpu* vcpu, gpa_t gpa) {
  return vcpu_match_mmio_gen(vcpu) && vcpu->arch.mmio_gfn &&
         vcpu->arch.mmio_gfn == gpa >> PAGE_SHIFT;
}

// vcpu_mmio_gva_to_gpa: 1 when the access is known to be MMIO. Guest paging
// is the identity here (gva == gpa), so the walk itself touches nothing shared.
static int vcpu_mmio_gva_to_gpa(kvm_vcpu* vcpu, uint64_t gva, gpa_t* gpa) {
  if (vcpu_match_mmio_gva(vcpu, gva)) {
    *gpa = vcpu->arch.mmio_gfn << PAGE_SHIFT | (gva & (PAGE_SIZE - 1));
    return 1;
  }
  *gpa = gva;
  if (vcpu_match_mmio_gpa(vcpu, *gpa)) return 1;
  return 0;
}

EmulationResult x86_emulate_instruction(kvm_vcpu* vcpu, gpa_t addr) {
  // emulator_read_write_onepage for the instruction's memory operand.
  gpa_t gpa = 0;
  if (!vcpu_mmio_gva_to_gpa(vcpu, addr, &gpa) && kvm_read_guest(vcpu, gpa) == 0) {
    sim::Execution::current().note("emulator_read_write_onepage",
                                   "emulated access to RAM gpa {:#x}", gpa);
    vcpu->access_emulated = true;
    return EMULATE_DONE;
  }
  // vcpu_mmio_read/write: no in-kernel device claims it, so userspace must.
  sim::Execution::current().note("emulator_read_write_onepage", "KVM_EXIT_MMIO gpa {:#x}", gpa);
  oracle_mmio_exit(vcpu, gpa >> PAGE_SHIFT);
  return EMULATE_USER_EXIT;
}

void kvm_arch_memslots_updated(kvm* kvm, struct kvm_memslots* slots, uint64_t gen) {
  kvm_mmu_invalidate_mmio_sptes(kvm, slots, gen);
}

void kvm_arch_flush_shadow_memslot(kvm* kvm, const kvm_memory_slot& slot) {
  // kvm_mmu_invalidate_zap_pages_in_memslot: up to 5.0 it zaps every shadow
  // page (fast invalidate); 4e103134b862 zaps only the slot's.
  if (kvm->variant.flush_memslot_zaps_slot_only)
    kvm_mmu_invalidate_zap_pages_in_memslot(kvm, slot);
  else
    kvm_mmu_invalidate_zap_all_pages(kvm);
}

void kvm_smm_changed(kvm_vcpu* vcpu, bool in_smm) {
  if (in_smm) vcpu->arch.hflags |= HF_SMM_MASK;
  else vcpu->arch.hflags &= ~HF_SMM_MASK;
  // kvm_mmu_reset_context: the vCPU now walks the roots of the other
  // address space; the per-vCPU MMIO cache is left as it is.
  sim::Execution::current().note("kvm_smm_changed", "{} SMM: address space {}",
                                 in_smm ? "enter" : "leave", in_smm ? 1 : 0);
}

void vcpu_run_access(kvm_vcpu* vcpu, gpa_t gpa, bool write) {
  kvm* kvm = vcpu->kvm;
  sim::Execution& ex = sim::Execution::current();
  for (;;) {
    // Guest mode: the CPU's EPT walk reads the leaf entry.
    const uint64_t spte =
        kvm->arch.sptes[kvm_arch_vcpu_memslots_id(vcpu)].at(gpa >> PAGE_SHIFT).load("guest");
    if (is_shadow_present_pte(spte)) {
      ex.note("guest", "guest {} RAM gpa {:#x}", write ? "writes" : "reads", gpa);
      return;
    }
    // VM exit. vcpu_enter_guest retakes kvm->srcu right after the exit, so
    // the whole exit handler is one SRCU read-side section.
    vcpu->srcu_idx = kvm->srcu.read_lock("vcpu_enter_guest");
    oracle_exit_handler_begins(vcpu);
    const bool misconfig = is_mmio_spte(spte);
    ex.note("vmx_handle_exit", "VM exit: EPT {} gpa {:#x}", misconfig ? "misconfig" : "violation",
            gpa);
    vcpu->access_emulated = false;
    const int r = misconfig ? handle_ept_misconfig(vcpu, gpa) : handle_ept_violation(vcpu, gpa);
    // r == 0: exit to userspace (vcpu_run drops SRCU on the way out);
    // r == 1: re-enter the guest (vcpu_enter_guest drops SRCU before entry).
    kvm->srcu.read_unlock(vcpu->srcu_idx, r == 0 ? "vcpu_run" : "vcpu_enter_guest");
    if (r == 0 || vcpu->access_emulated) return;
  }
}

}  // namespace model

#include "model/x86/x86.hpp"

#include <fmt/format.h>

#include "model/kvm_main.hpp"
#include "model/oracles.hpp"
#include "model/x86/mmu.hpp"
#include "model/x86/vmx.hpp"

namespace model {

void vcpu_cache_mmio_info(kvm_vcpu* vcpu, uint64_t gva, gfn_t gfn, unsigned access) {
  vcpu->arch.mmio_gva = gva & PAGE_MASK;
  vcpu->arch.access = access;
  vcpu->arch.mmio_gfn = gfn;
  // 56f17dd3fbc4: remember which memslots the decision was made under.
  if (vcpu->kvm->variant.mmio_cache_checks_generation)
    vcpu->arch.mmio_gen = kvm_memslots(vcpu->kvm)->generation.load("vcpu_cache_mmio_info");
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
  if (!vcpu_mmio_gva_to_gpa(vcpu, addr, &gpa) && kvm_read_guest(vcpu->kvm, gpa) == 0) {
    sim::Execution::current().note("emulator_read_write_onepage",
                                   "emulated access to RAM gpa {:#x}", gpa);
    vcpu->access_emulated = true;
    return EMULATE_DONE;
  }
  // vcpu_mmio_read/write: no in-kernel device claims it, so userspace must.
  sim::Execution::current().note("emulator_read_write_onepage", "KVM_EXIT_MMIO gpa {:#x}", gpa);
  oracle_mmio_exit(vcpu->kvm, gpa >> PAGE_SHIFT);
  return EMULATE_USER_EXIT;
}

void kvm_arch_memslots_updated(kvm* kvm) { kvm_mmu_invalidate_mmio_sptes(kvm); }

void kvm_arch_flush_shadow_memslot(kvm* kvm, const kvm_memory_slot&) {
  // 3.16/3.17 x86 flushes every shadow page, not only the slot's.
  kvm_mmu_invalidate_zap_all_pages(kvm);
}

void vcpu_run_access(kvm_vcpu* vcpu, gpa_t gpa, bool write) {
  kvm* kvm = vcpu->kvm;
  sim::Execution& ex = sim::Execution::current();
  for (;;) {
    // Guest mode: the CPU's EPT walk reads the leaf entry.
    const uint64_t spte = kvm->arch.sptes.at(gpa >> PAGE_SHIFT).load("guest");
    if (is_shadow_present_pte(spte)) {
      ex.note("guest", "guest {} RAM gpa {:#x}", write ? "writes" : "reads", gpa);
      return;
    }
    // VM exit. vcpu_enter_guest retakes kvm->srcu right after the exit, so
    // the whole exit handler is one SRCU read-side section.
    vcpu->srcu_idx = kvm->srcu.read_lock("vcpu_enter_guest");
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

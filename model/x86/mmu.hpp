// arch/x86/kvm/mmu.c: MMIO SPTEs and their generation, the TDP fault path.
#pragma once

#include <cstdint>

#include "model/kvm_host.hpp"

namespace model {

// The EPT MMIO SPTE mask, from vmx.c's ept_set_mmio_spte_mask: bits 2:0 =
// 110b (write/execute, not readable) cause an EPT misconfiguration, and
// bits 62-63 mark the SPTE as MMIO.
inline constexpr uint64_t shadow_mmio_mask = (0x3ULL << 62) | 0x6ULL;
inline constexpr uint64_t PT_PRESENT_MASK = 1ULL;
inline constexpr unsigned ACC_EXEC_MASK = 1, ACC_WRITE_MASK = 2, ACC_USER_MASK = 4;
inline constexpr unsigned ACC_ALL = ACC_EXEC_MASK | ACC_WRITE_MASK | ACC_USER_MASK;
inline constexpr uint32_t PFERR_RSVD_MASK = 1U << 3;

// handle_mmio_page_fault_common's results (mmu.h up to about 4.14).
enum RetMmioPf { RET_MMIO_PF_EMULATE = 1, RET_MMIO_PF_INVALID = 2, RET_MMIO_PF_RETRY = 0,
                 RET_MMIO_PF_BUG = -1 };

// The MMIO generation constants of one layout (see MmioGenLayout).
struct MmioGenConstants {
  unsigned MMIO_SPTE_GEN_LOW_SHIFT;
  unsigned MMIO_SPTE_GEN_HIGH_SHIFT;
  unsigned MMIO_GEN_SHIFT;
  unsigned MMIO_GEN_LOW_SHIFT;
  unsigned MMIO_GEN_LOW_MASK;
  unsigned MMIO_GEN_MASK;
  unsigned MMIO_MAX_GEN;
};
const MmioGenConstants& mmio_gen_constants(MmioGenLayout layout);

// Pure bit manipulation, exactly as the kernel of `layout` does it.
uint64_t generation_mmio_spte_mask(MmioGenLayout layout, unsigned gen);
unsigned get_mmio_spte_generation(MmioGenLayout layout, uint64_t spte);
uint64_t make_mmio_spte_value(MmioGenLayout layout, gfn_t gfn, unsigned access, unsigned gen);
gfn_t get_mmio_spte_gfn(MmioGenLayout layout, uint64_t spte);
inline bool is_mmio_spte(uint64_t spte) { return (spte & shadow_mmio_mask) == shadow_mmio_mask; }
inline bool is_shadow_present_pte(uint64_t spte) {
  return (spte & PT_PRESENT_MASK) && !is_mmio_spte(spte);
}
// The MMIO generation a memslots generation maps to (kvm_current_mmio_generation
// without the memory access): biased before 00f034a12f.
unsigned mmio_generation_of(const Variant& v, uint64_t memslots_generation);

unsigned kvm_current_mmio_generation(kvm* kvm, const char* caller = __builtin_FUNCTION());
int handle_mmio_page_fault_common(kvm_vcpu* vcpu, uint64_t addr, bool direct);
int kvm_mmu_page_fault(kvm_vcpu* vcpu, gpa_t cr2, uint32_t error_code);
void kvm_mmu_invalidate_mmio_sptes(kvm* kvm);
void kvm_mmu_invalidate_zap_all_pages(kvm* kvm);

}  // namespace model

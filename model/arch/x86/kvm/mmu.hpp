// SPDX-License-Identifier: GPL-2.0-only
// arch/x86/kvm/mmu.c: MMIO SPTEs and their generation, the TDP fault path.
#pragma once

#include <cstdint>

#include "model/include/linux/kvm_host.hpp"

namespace model {

// The EPT MMIO SPTE mask, from vmx.c's ept_set_mmio_spte_mask (3.x): bits
// 2:0 = 110b (write/execute, not readable) cause an EPT misconfiguration,
// and bits 62-63 mark the SPTE as MMIO. Later kernels mark MMIO SPTEs
// differently; only the generation bits matter to the races modeled here.
inline constexpr uint64_t shadow_mmio_mask = (0x3ULL << 62) | 0x6ULL;
inline constexpr uint64_t PT_PRESENT_MASK = 1ULL;
inline constexpr unsigned ACC_EXEC_MASK = 1, ACC_WRITE_MASK = 2, ACC_USER_MASK = 4;
inline constexpr unsigned ACC_ALL = ACC_EXEC_MASK | ACC_WRITE_MASK | ACC_USER_MASK;
inline constexpr uint32_t PFERR_RSVD_MASK = 1U << 3;

// handle_mmio_page_fault_common's results (mmu.h up to about 4.14; 4.19
// calls them RET_PF_*).
enum RetMmioPf { RET_MMIO_PF_EMULATE = 1, RET_MMIO_PF_INVALID = 2, RET_MMIO_PF_RETRY = 0,
                 RET_MMIO_PF_BUG = -1 };

// The MMIO generation constants of one layout (see MmioGenLayout), under
// their pre-cae7ed3c2cb0 names. For the GENMASK layouts the SPTE shifts are
// MMIO_SPTE_GEN_LOW_START (3) and MMIO_SPTE_GEN_HIGH_START (52).
struct MmioGenConstants {
  unsigned MMIO_SPTE_GEN_LOW_SHIFT;
  unsigned MMIO_SPTE_GEN_HIGH_SHIFT;
  unsigned MMIO_GEN_SHIFT;
  unsigned MMIO_GEN_LOW_SHIFT;
  uint64_t MMIO_GEN_LOW_MASK;
  // The memslots-generation bits an MMIO SPTE keeps (cae7ed3c2cb0:
  // MMIO_SPTE_GEN_MASK).
  uint64_t MMIO_GEN_MASK;
  uint64_t MMIO_MAX_GEN;
  // Low generation bits not stored, the bit-0 in-progress flag
  // (cae7ed3c2cb0: MMIO_SPTE_GEN_SHIFT; 164bf7e56c5a: none).
  unsigned MMIO_SPTE_GEN_SHIFT;
};
const MmioGenConstants& mmio_gen_constants(MmioGenLayout layout);

// Pure bit manipulation, exactly as the kernel of `layout` does it.
uint64_t generation_mmio_spte_mask(MmioGenLayout layout, uint64_t gen);
uint64_t get_mmio_spte_generation(MmioGenLayout layout, uint64_t spte);
uint64_t make_mmio_spte_value(MmioGenLayout layout, gfn_t gfn, unsigned access, uint64_t gen);
gfn_t get_mmio_spte_gfn(MmioGenLayout layout, uint64_t spte);
inline bool is_mmio_spte(uint64_t spte) { return (spte & shadow_mmio_mask) == shadow_mmio_mask; }
inline bool is_shadow_present_pte(uint64_t spte) {
  return (spte & PT_PRESENT_MASK) && !is_mmio_spte(spte);
}
// The MMIO generation an MMIO SPTE stores for a memslots generation
// (kvm_current_mmio_generation / make_mmio_spte without the memory access):
// biased before 00f034a12f, masked to the layout's bits.
uint64_t mmio_generation_of(const Variant& v, uint64_t memslots_generation);
// kvm_mmu_invalidate_mmio_sptes's wrap test on the generation it was given
// (for 3.x and 4.x kernels, the one it read).
bool mmio_generation_wrapped(const Variant& v, uint64_t gen);

int handle_mmio_page_fault_common(kvm_vcpu* vcpu, uint64_t addr, bool direct);
int kvm_mmu_page_fault(kvm_vcpu* vcpu, gpa_t cr2, uint32_t error_code);
// kvm_arch_memslots_updated's x86 side. Which arguments it reads depends on
// the kernel: 3.x reads kvm->memslots, 4bd518f1598d passes `slots`,
// 152482580a1b passes the generation about to be stored (`gen`).
void kvm_mmu_invalidate_mmio_sptes(kvm* kvm, struct kvm_memslots* slots, uint64_t gen);
// Zapping every shadow page (model/arch/x86/kvm/mmu/mmu_zap.cpp) drops every leaf SPTE
// with them: this clears the leaf tables, mmu_lock held.
void zap_all_leaf_sptes(kvm* kvm, const char* caller);
// 4e103134b862: zap the shadow pages of one memslot.
void kvm_mmu_invalidate_zap_pages_in_memslot(kvm* kvm, const kvm_memory_slot& slot);

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
// arch/x86/kvm/mmu/spte.h (in mmu.c before 5.10): MMIO SPTEs and their generation bits.
#pragma once

#include <cstdint>

#include "model/arch/x86/kvm/mmu.hpp"
#include "model/include/linux/kvm_host.hpp"

namespace model {

// The EPT MMIO SPTE mask, from vmx.c's ept_set_mmio_spte_mask (3.x): bits
// 2:0 = 110b (write/execute, not readable) cause an EPT misconfiguration,
// and bits 62-63 mark the SPTE as MMIO. Later kernels mark MMIO SPTEs
// differently; only the generation bits matter to the races modeled here.
inline constexpr uint64_t shadow_mmio_mask = (0x3ULL << 62) | 0x6ULL;
inline constexpr unsigned ACC_EXEC_MASK = 1, ACC_WRITE_MASK = 2, ACC_USER_MASK = 4;
inline constexpr unsigned ACC_ALL = ACC_EXEC_MASK | ACC_WRITE_MASK | ACC_USER_MASK;

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
inline bool is_mmio_spte(uint64_t spte) { return (spte & shadow_mmio_mask) == shadow_mmio_mask; }
inline bool is_shadow_present_pte(uint64_t spte) {
  return (spte & PT_PRESENT_MASK) && !is_mmio_spte(spte);
}

}  // namespace model

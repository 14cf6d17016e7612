// SPDX-License-Identifier: GPL-2.0-only
// arch/x86/kvm/mmu/spte.c, spte.h (in mmu.c before 5.10): MMIO SPTE generation bits.
#include "model/arch/x86/kvm/mmu/spte.hpp"

#include "sim/check.hpp"

namespace model {

const MmioGenConstants& mmio_gen_constants(MmioGenLayout layout) {
  // 3.11 .. 3.16: spte bits 3-11 hold gen bits 0-8, bits 52-61 gen bits 9-18.
  static const MmioGenConstants gen19 = {3, 52, 19, 9, (1U << 9) - 1, (1U << 19) - 1,
                                         (1U << 19) - 1, 0};
  // ee3d1570b586: the low bit is presumed zero; bits 3-11 hold gen bits 1-9,
  // bits 52-61 gen bits 10-19.
  static const MmioGenConstants gen20 = {2, 52, 20, 10, (1U << 10) - 2, (1U << 20) - 1,
                                         (1U << 20) - 1, 1};
  // cae7ed3c2cb0: GENMASK_ULL(19, 1) >> MMIO_SPTE_GEN_SHIFT 1.
  static const MmioGenConstants genmask20 = {3, 52, 20, 9, (1U << 9) - 1, ((1U << 19) - 1) << 1,
                                             ((1U << 19) - 1) << 1, 1};
  // 164bf7e56c5a: GENMASK_ULL(18, 0), no shift.
  static const MmioGenConstants genmask19 = {3, 52, 19, 9, (1U << 9) - 1, (1U << 19) - 1,
                                             (1U << 19) - 1, 0};
  switch (layout) {
    case MmioGenLayout::gen19: return gen19;
    case MmioGenLayout::gen20_low_bit_dropped: return gen20;
    case MmioGenLayout::genmask20_high_unshifted: return genmask20;
    case MmioGenLayout::genmask19_high_unshifted: return genmask19;
  }
  return gen19;
}

namespace {

bool genmask_layout(MmioGenLayout layout) {
  return layout == MmioGenLayout::genmask20_high_unshifted ||
         layout == MmioGenLayout::genmask19_high_unshifted;
}

// cae7ed3c2cb0's GENMASK_ULL SPTE fields.
constexpr uint64_t MMIO_SPTE_GEN_LOW_MASK = ((1ULL << 9) - 1) << 3;    // bits 3-11
constexpr uint64_t MMIO_SPTE_GEN_HIGH_MASK = ((1ULL << 10) - 1) << 52;  // bits 52-61

}  // namespace

uint64_t generation_mmio_spte_mask(MmioGenLayout layout, uint64_t gen) {
  const auto& c = mmio_gen_constants(layout);
  if (genmask_layout(layout)) {
    sim::warn_on(gen & ~c.MMIO_GEN_MASK, "generation_mmio_spte_mask",
                 "WARN_ON(gen & ~MMIO_SPTE_GEN_MASK)");
    gen >>= c.MMIO_SPTE_GEN_SHIFT;
    uint64_t mask = (gen << c.MMIO_SPTE_GEN_LOW_SHIFT) & MMIO_SPTE_GEN_LOW_MASK;
    // The kernel's bug (34c0f6f2695a): gen is not shifted right by the 9
    // bits the low field holds, so bits 52-61 receive the low gen bits again.
    mask |= (gen << c.MMIO_SPTE_GEN_HIGH_SHIFT) & MMIO_SPTE_GEN_HIGH_MASK;
    return mask;
  }
  sim::warn_on(gen > c.MMIO_MAX_GEN, "generation_mmio_spte_mask", "WARN_ON(gen > MMIO_MAX_GEN)");
  uint64_t mask = (gen & c.MMIO_GEN_LOW_MASK) << c.MMIO_SPTE_GEN_LOW_SHIFT;
  mask |= (gen >> c.MMIO_GEN_LOW_SHIFT) << c.MMIO_SPTE_GEN_HIGH_SHIFT;
  return mask;
}

uint64_t get_mmio_spte_generation(MmioGenLayout layout, uint64_t spte) {
  const auto& c = mmio_gen_constants(layout);
  spte &= ~shadow_mmio_mask;
  if (genmask_layout(layout)) {
    uint64_t gen = (spte & MMIO_SPTE_GEN_LOW_MASK) >> c.MMIO_SPTE_GEN_LOW_SHIFT;
    gen |= (spte & MMIO_SPTE_GEN_HIGH_MASK) >> c.MMIO_SPTE_GEN_HIGH_SHIFT;  // the same bug
    return gen << c.MMIO_SPTE_GEN_SHIFT;
  }
  uint64_t gen = (spte >> c.MMIO_SPTE_GEN_LOW_SHIFT) & c.MMIO_GEN_LOW_MASK;
  gen |= (spte >> c.MMIO_SPTE_GEN_HIGH_SHIFT) << c.MMIO_GEN_LOW_SHIFT;
  return gen & c.MMIO_GEN_MASK;
}

uint64_t make_mmio_spte_value(MmioGenLayout layout, gfn_t gfn, unsigned access, uint64_t gen) {
  uint64_t mask = generation_mmio_spte_mask(layout, gen);
  access &= ACC_WRITE_MASK | ACC_USER_MASK;
  mask |= shadow_mmio_mask | access | gfn << PAGE_SHIFT;
  return mask;
}

}  // namespace model

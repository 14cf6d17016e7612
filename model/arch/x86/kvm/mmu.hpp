// SPDX-License-Identifier: GPL-2.0-only
// arch/x86/kvm/mmu.c (later mmu/mmu.c): MMIO SPTE faults and generation
// wraps, the TDP fault path. The SPTE encoding is in mmu/spte.hpp.
#pragma once

#include <cstdint>

#include "model/include/linux/kvm_host.hpp"

namespace model {

inline constexpr uint64_t PT_PRESENT_MASK = 1ULL;
inline constexpr uint32_t PFERR_RSVD_MASK = 1U << 3;

// handle_mmio_page_fault_common's results (mmu.h up to about 4.14; 4.19
// calls them RET_PF_*).
enum RetMmioPf { RET_MMIO_PF_EMULATE = 1, RET_MMIO_PF_INVALID = 2, RET_MMIO_PF_RETRY = 0,
                 RET_MMIO_PF_BUG = -1 };

// The gfn an MMIO SPTE of `layout` holds: bit manipulation, but mmu.c
// keeps it next to the MMIO fault handling.
gfn_t get_mmio_spte_gfn(MmioGenLayout layout, uint64_t spte);
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

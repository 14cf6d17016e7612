#include "model/x86/mmu.hpp"

#include <fmt/format.h>

#include "model/kvm_main.hpp"
#include "model/x86/x86.hpp"

namespace model {

const MmioGenConstants& mmio_gen_constants(MmioGenLayout layout) {
  // 3.11 .. 3.16: spte bits 3-11 hold gen bits 0-8, bits 52-61 gen bits 9-18.
  static const MmioGenConstants gen19 = {3, 52, 19, 9, (1U << 9) - 1, (1U << 19) - 1,
                                         (1U << 19) - 1};
  // ee3d1570b586: the low bit is presumed zero; bits 3-11 hold gen bits 1-9,
  // bits 52-61 gen bits 10-19.
  static const MmioGenConstants gen20 = {2, 52, 20, 10, (1U << 10) - 2, (1U << 20) - 1,
                                         (1U << 20) - 1};
  return layout == MmioGenLayout::gen19 ? gen19 : gen20;
}

uint64_t generation_mmio_spte_mask(MmioGenLayout layout, unsigned gen) {
  const auto& c = mmio_gen_constants(layout);
  sim::warn_on(gen > c.MMIO_MAX_GEN, "generation_mmio_spte_mask", "WARN_ON(gen > MMIO_MAX_GEN)");
  uint64_t mask = static_cast<uint64_t>(gen & c.MMIO_GEN_LOW_MASK) << c.MMIO_SPTE_GEN_LOW_SHIFT;
  mask |= (static_cast<uint64_t>(gen) >> c.MMIO_GEN_LOW_SHIFT) << c.MMIO_SPTE_GEN_HIGH_SHIFT;
  return mask;
}

unsigned get_mmio_spte_generation(MmioGenLayout layout, uint64_t spte) {
  const auto& c = mmio_gen_constants(layout);
  spte &= ~shadow_mmio_mask;
  unsigned gen = static_cast<unsigned>(spte >> c.MMIO_SPTE_GEN_LOW_SHIFT) & c.MMIO_GEN_LOW_MASK;
  gen |= static_cast<unsigned>(spte >> c.MMIO_SPTE_GEN_HIGH_SHIFT) << c.MMIO_GEN_LOW_SHIFT;
  return gen;
}

uint64_t make_mmio_spte_value(MmioGenLayout layout, gfn_t gfn, unsigned access, unsigned gen) {
  uint64_t mask = generation_mmio_spte_mask(layout, gen);
  access &= ACC_WRITE_MASK | ACC_USER_MASK;
  mask |= shadow_mmio_mask | access | gfn << PAGE_SHIFT;
  return mask;
}

gfn_t get_mmio_spte_gfn(MmioGenLayout layout, uint64_t spte) {
  const uint64_t mask =
      generation_mmio_spte_mask(layout, mmio_gen_constants(layout).MMIO_GEN_MASK) |
      shadow_mmio_mask;
  return (spte & ~mask) >> PAGE_SHIFT;
}

unsigned mmio_generation_of(const Variant& v, uint64_t memslots_generation) {
  const auto& c = mmio_gen_constants(v.mmio_gen_layout);
  // 69c9ea93ea: init close to MMIO_MAX_GEN to exercise the wrap-around
  // code; 00f034a12f moved the bias into the initial memslots generation.
  const uint64_t bias = v.mmio_generation_biased ? c.MMIO_MAX_GEN - 150 : 0;
  return static_cast<unsigned>((memslots_generation + bias) & c.MMIO_GEN_MASK);
}

unsigned kvm_current_mmio_generation(kvm* kvm, const char* caller) {
  return mmio_generation_of(kvm->variant, kvm_memslots(kvm, caller)->generation.load(caller));
}

namespace {

void mark_mmio_spte(kvm* kvm, sim::Shared<uint64_t>* sptep, gfn_t gfn, unsigned access) {
  const unsigned gen = kvm_current_mmio_generation(kvm);
  sptep->store(make_mmio_spte_value(kvm->variant.mmio_gen_layout, gfn, access, gen));
}

bool check_mmio_spte(kvm* kvm, uint64_t spte) {
  const unsigned kvm_gen = kvm_current_mmio_generation(kvm);
  const unsigned spte_gen = get_mmio_spte_generation(kvm->variant.mmio_gen_layout, spte);
  sim::Execution::current().note("check_mmio_spte", "kvm_gen {:#x} spte_gen {:#x}", kvm_gen,
                                 spte_gen);
  return kvm_gen == spte_gen;
}

bool quickly_check_mmio_pf(kvm_vcpu* vcpu, uint64_t addr, bool direct) {
  if (direct) return vcpu_match_mmio_gpa(vcpu, addr);
  return vcpu_match_mmio_gva(vcpu, addr);
}

// walk_shadow_page_get_mmio_spte: the lockless walk's leaf. Shadow pages
// are never freed in this model, so the walk needs no protection here.
uint64_t walk_shadow_page_get_mmio_spte(kvm_vcpu* vcpu, uint64_t addr) {
  return vcpu->kvm->arch.sptes.at(addr >> PAGE_SHIFT).load();
}

// set_spte / set_mmio_spte for the leaf: a gfn without a slot gets an MMIO
// SPTE tagged with the generation read now, anything else maps the pfn.
// Returns the __direct_map "emulate" result.
int direct_map_leaf(kvm_vcpu* vcpu, gfn_t gfn, pfn_t pfn) {
  kvm* kvm = vcpu->kvm;
  sim::Shared<uint64_t>* sptep = &kvm->arch.sptes.at(gfn);
  if (is_noslot_pfn(pfn)) {
    mark_mmio_spte(kvm, sptep, gfn, ACC_ALL);
    return 1;  // mmu_set_spte: an MMIO SPTE means emulate
  }
  sptep->store(0x7 | (pfn << PAGE_SHIFT));  // EPT read/write/execute
  return 0;
}

// handle_abnormal_pfn: a noslot pfn is cached as MMIO before the SPTE is built.
bool handle_abnormal_pfn(kvm_vcpu* vcpu, uint64_t gva, gfn_t gfn, pfn_t pfn, unsigned access) {
  if (is_noslot_pfn(pfn)) vcpu_cache_mmio_info(vcpu, gva, gfn, access);
  return false;
}

// mapping_level_dirty_bitmap: one more gfn_to_memslot of the fault path.
bool mapping_level_dirty_bitmap(kvm_vcpu* vcpu, gfn_t gfn) {
  const kvm_memory_slot* slot = gfn_to_memslot(vcpu->kvm, gfn);
  return !slot || (slot->flags & KVM_MEMSLOT_INVALID);
}

int tdp_page_fault(kvm_vcpu* vcpu, gpa_t gpa, uint32_t error_code) {
  const gfn_t gfn = gpa >> PAGE_SHIFT;
  if (error_code & PFERR_RSVD_MASK) {
    const int r = handle_mmio_page_fault_common(vcpu, gpa, true);
    sim::warn_on(r == RET_MMIO_PF_BUG, "handle_mmio_page_fault", "WARN_ON(ret == RET_MMIO_PF_BUG)");
    if (r != RET_MMIO_PF_INVALID) return r;
  }
  mapping_level_dirty_bitmap(vcpu, gfn);
  const pfn_t pfn = gfn_to_pfn(vcpu->kvm, gfn);  // try_async_pf
  handle_abnormal_pfn(vcpu, 0, gfn, pfn, ACC_ALL);
  kvm* kvm = vcpu->kvm;
  kvm->mmu_lock.lock();
  const int r = direct_map_leaf(vcpu, gfn, pfn);
  kvm->mmu_lock.unlock();
  return r;
}

}  // namespace

int handle_mmio_page_fault_common(kvm_vcpu* vcpu, uint64_t addr, bool direct) {
  if (quickly_check_mmio_pf(vcpu, addr, direct)) return RET_MMIO_PF_EMULATE;
  const uint64_t spte = walk_shadow_page_get_mmio_spte(vcpu, addr);
  if (is_mmio_spte(spte)) {
    const MmioGenLayout layout = vcpu->kvm->variant.mmio_gen_layout;
    const gfn_t gfn = get_mmio_spte_gfn(layout, spte);
    const unsigned access = static_cast<unsigned>(spte & (ACC_WRITE_MASK | ACC_USER_MASK));
    if (!check_mmio_spte(vcpu->kvm, spte)) return RET_MMIO_PF_INVALID;
    if (direct) addr = 0;
    vcpu_cache_mmio_info(vcpu, addr, gfn, access);
    return RET_MMIO_PF_EMULATE;
  }
  // The page table was zapped by another CPU: let the CPU fault again.
  return RET_MMIO_PF_RETRY;
}

int kvm_mmu_page_fault(kvm_vcpu* vcpu, gpa_t cr2, uint32_t error_code) {
  const int r = tdp_page_fault(vcpu, cr2, error_code);
  if (r < 0) return r;
  if (r == 0) return 1;  // fixed: resume the guest
  switch (x86_emulate_instruction(vcpu, cr2)) {
    case EMULATE_DONE:
      return 1;
    case EMULATE_USER_EXIT:
      return 0;
  }
  return 0;
}

void kvm_mmu_invalidate_zap_all_pages(kvm* kvm) {
  // Fast invalidate (f8f559422b6c) makes every shadow page obsolete and zaps
  // them under mmu_lock; for the leaf-only table that clears every SPTE.
  kvm->mmu_lock.lock();
  // Only mmu_lock holders write SPTEs, so peeking under the lock is exact;
  // it keeps empty entries out of the schedule.
  for (auto& spte : kvm->arch.sptes)
    if (spte.peek() != 0) spte.store(0);
  kvm->mmu_lock.unlock();
}

void kvm_mmu_invalidate_mmio_sptes(kvm* kvm) {
  const unsigned gen = kvm_current_mmio_generation(kvm);
  const bool wrapped = kvm->variant.mmio_wrap_at_zero
                           ? gen == 0
                           : gen >= mmio_gen_constants(kvm->variant.mmio_gen_layout).MMIO_MAX_GEN;
  if (wrapped) {
    sim::Execution::current().note("kvm_mmu_invalidate_mmio_sptes",
                                   "kvm: zapping shadow pages for mmio generation wraparound");
    kvm_mmu_invalidate_zap_all_pages(kvm);
  }
}

}  // namespace model

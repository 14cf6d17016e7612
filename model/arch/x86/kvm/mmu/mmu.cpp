// SPDX-License-Identifier: GPL-2.0-only
// arch/x86/kvm/mmu/mmu.c (once arch/x86/kvm/mmu.c): MMIO faults, the TDP fault path.
#include "model/arch/x86/kvm/mmu.hpp"

#include <fmt/format.h>

#include "model/virt/kvm/kvm_main.hpp"
#include "model/arch/x86/kvm/mmu/mmu_zap.hpp"
#include "model/arch/x86/kvm/mmu/spte.hpp"
#include "model/arch/x86/kvm/x86.hpp"

namespace model {

gfn_t get_mmio_spte_gfn(MmioGenLayout layout, uint64_t spte) {
  const uint64_t mask =
      generation_mmio_spte_mask(layout, mmio_gen_constants(layout).MMIO_GEN_MASK) |
      shadow_mmio_mask;
  return (spte & ~mask) >> PAGE_SHIFT;
}

uint64_t mmio_generation_of(const Variant& v, uint64_t memslots_generation) {
  const auto& c = mmio_gen_constants(v.mmio_gen_layout);
  // 69c9ea93ea: init close to MMIO_MAX_GEN to exercise the wrap-around
  // code; 00f034a12f moved the bias into the initial memslots generation.
  const uint64_t bias = v.mmio_generation_biased ? c.MMIO_MAX_GEN - 150 : 0;
  return (memslots_generation + bias) & c.MMIO_GEN_MASK;
}

bool mmio_generation_wrapped(const Variant& v, uint64_t gen) {
  const auto& c = mmio_gen_constants(v.mmio_gen_layout);
  switch (v.mmio_wrap_check) {
    case MmioWrapCheck::at_max_gen:  // gen is kvm_current_mmio_generation's
      return gen >= c.MMIO_MAX_GEN;
    case MmioWrapCheck::at_zero:
      return (gen & c.MMIO_GEN_MASK) == 0;
    case MmioWrapCheck::at_zero_any_address_space:
      gen &= c.MMIO_GEN_MASK;
      // e1359e2beb8b: shift out the in-progress bit, which the SPTE does not
      // store (cae7ed3c2cb0: MMIO_SPTE_GEN_SHIFT; 0 from 164bf7e56c5a) ...
      gen >>= c.MMIO_SPTE_GEN_SHIFT;
      // ... and strip the address-space part of the generation so that a
      // wrap in any address space is detected.
      gen &= ~(static_cast<uint64_t>(v.address_spaces) - 1);
      return gen == 0;
  }
  return false;
}

namespace {

// kvm_current_mmio_generation(vcpu) / make_mmio_spte's generation: read
// from the vCPU's address space (4bd518f1598d; 3.x has only one).
uint64_t kvm_current_mmio_generation(kvm_vcpu* vcpu, const char* caller = __builtin_FUNCTION()) {
  return mmio_generation_of(vcpu->kvm->variant,
                            kvm_vcpu_memslots(vcpu, caller)->generation.load(caller));
}

void mark_mmio_spte(kvm_vcpu* vcpu, sim::Shared<uint64_t>* sptep, gfn_t gfn, unsigned access) {
  const uint64_t gen = kvm_current_mmio_generation(vcpu);
  sptep->store(make_mmio_spte_value(vcpu->kvm->variant.mmio_gen_layout, gfn, access, gen));
}

bool check_mmio_spte(kvm_vcpu* vcpu, uint64_t spte) {
  const Variant& v = vcpu->kvm->variant;
  uint64_t kvm_gen;
  if (v.check_mmio_spte_tests_in_progress) {
    // cae7ed3c2cb0: the flag is not part of the MMIO generation; test it
    // explicitly.
    const uint64_t gen = kvm_vcpu_memslots(vcpu)->generation.load("check_mmio_spte");
    if (gen & memslot_gen_update_in_progress(v)) {
      sim::Execution::current().note("check_mmio_spte", "memslot update in progress");
      sim::Execution::current().metrics().add("mmio_spte_misses");
      return false;
    }
    kvm_gen = mmio_generation_of(v, gen);
  } else {
    kvm_gen = kvm_current_mmio_generation(vcpu);
  }
  const uint64_t spte_gen = get_mmio_spte_generation(v.mmio_gen_layout, spte);
  sim::Execution& ex = sim::Execution::current();
  ex.note("check_mmio_spte", "kvm_gen {:#x} spte_gen {:#x}", kvm_gen, spte_gen);
  ex.metrics().add(kvm_gen == spte_gen ? "mmio_spte_hits" : "mmio_spte_misses");
  return kvm_gen == spte_gen;
}

bool quickly_check_mmio_pf(kvm_vcpu* vcpu, uint64_t addr, bool direct) {
  if (direct) return vcpu_match_mmio_gpa(vcpu, addr);
  return vcpu_match_mmio_gva(vcpu, addr);
}

sim::Shared<uint64_t>& leaf_spte(kvm_vcpu* vcpu, gfn_t gfn) {
  return vcpu->kvm->arch.sptes[kvm_arch_vcpu_memslots_id(vcpu)].at(gfn);
}

// walk_shadow_page_get_mmio_spte: the lockless walk's leaf, in the root of
// the vCPU's address space. Shadow pages are never freed in this model, so
// the walk needs no protection here.
uint64_t walk_shadow_page_get_mmio_spte(kvm_vcpu* vcpu, uint64_t addr) {
  return leaf_spte(vcpu, addr >> PAGE_SHIFT).load();
}

// set_spte / set_mmio_spte for the leaf: a gfn without a slot gets an MMIO
// SPTE tagged with the generation read now, anything else maps the pfn.
// Returns the __direct_map "emulate" result.
int direct_map_leaf(kvm_vcpu* vcpu, gfn_t gfn, pfn_t pfn) {
  sim::Shared<uint64_t>* sptep = &leaf_spte(vcpu, gfn);
  if (is_noslot_pfn(pfn)) {
    mark_mmio_spte(vcpu, sptep, gfn, ACC_ALL);
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

// mapping_level_dirty_bitmap: one more memslot lookup of the fault path.
bool mapping_level_dirty_bitmap(kvm_vcpu* vcpu, gfn_t gfn) {
  const kvm_memory_slot* slot = kvm_vcpu_gfn_to_memslot(vcpu, gfn);
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
  const pfn_t pfn = gfn_to_pfn(vcpu, gfn);  // try_async_pf
  handle_abnormal_pfn(vcpu, 0, gfn, pfn, ACC_ALL);
  kvm* kvm = vcpu->kvm;
  kvm->mmu_lock.lock();
  const int r = direct_map_leaf(vcpu, gfn, pfn);
  kvm->mmu_lock.unlock();
  return r;
}

// Clears every SPTE of every address space that `zap` selects; mmu_lock
// is held. The trace names the kernel function that zaps (`caller`).
template <class Select>
void clear_leaf_sptes(kvm* kvm, Select zap, const char* caller) {
  // Only mmu_lock holders write SPTEs, so peeking under the lock is exact;
  // it keeps untouched entries out of the schedule.
  for (unsigned as_id = 0; as_id < kvm->arch.spte_tables; ++as_id)
    for (size_t gfn = 0; gfn < kvm->arch.sptes[as_id].size(); ++gfn) {
      auto& spte = kvm->arch.sptes[as_id][gfn];
      if (spte.peek() != 0 && zap(gfn, spte.peek())) spte.store(0, caller);
    }
}

// clear_leaf_sptes under mmu_lock.
template <class Select>
void zap_sptes(kvm* kvm, Select zap, const char* caller) {
  kvm->mmu_lock.lock(caller);
  clear_leaf_sptes(kvm, zap, caller);
  kvm->mmu_lock.unlock(caller);
}

}  // namespace

int handle_mmio_page_fault_common(kvm_vcpu* vcpu, uint64_t addr, bool direct) {
  if (quickly_check_mmio_pf(vcpu, addr, direct)) return RET_MMIO_PF_EMULATE;
  const uint64_t spte = walk_shadow_page_get_mmio_spte(vcpu, addr);
  if (is_mmio_spte(spte)) {
    const MmioGenLayout layout = vcpu->kvm->variant.mmio_gen_layout;
    const gfn_t gfn = get_mmio_spte_gfn(layout, spte);
    const unsigned access = static_cast<unsigned>(spte & (ACC_WRITE_MASK | ACC_USER_MASK));
    if (!check_mmio_spte(vcpu, spte)) return RET_MMIO_PF_INVALID;
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

void zap_all_leaf_sptes(kvm* kvm, const char* caller) {
  clear_leaf_sptes(kvm, [](size_t, uint64_t) { return true; }, caller);
}

void kvm_mmu_invalidate_zap_pages_in_memslot(kvm* kvm, const kvm_memory_slot& slot) {
  // 4e103134b862 walks active_mmu_pages and zaps the pages whose gfn lies in
  // the slot, whichever address space their role says.
  auto in_slot = [&](size_t gfn, uint64_t) {
    return gfn >= slot.base_gfn && gfn < slot.base_gfn + slot.npages;
  };
  zap_sptes(kvm, in_slot, __func__);
}

void kvm_mmu_invalidate_mmio_sptes(kvm* kvm, struct kvm_memslots* slots, uint64_t gen) {
  const Variant& v = kvm->variant;
  if (v.address_spaces == 1) {
    // 3.x: kvm_arch_memslots_updated(kvm) reads kvm_current_mmio_generation(kvm).
    gen = mmio_generation_of(v, kvm_memslots(kvm)->generation.load());
  } else if (!v.arch_hook_before_final_generation) {
    // 4bd518f1598d .. 5.0: kvm_arch_memslots_updated(kvm, slots).
    gen = slots->generation.load();
  } else if (v.in_progress_flag == InProgressFlag::bit63) {
    // In 5.1, absent at cae7ed3c2cb0: attributed to 164bf7e56c5a. The hook
    // must never see a generation in flux.
    sim::warn_on(gen & memslot_gen_update_in_progress(v), "kvm_mmu_invalidate_mmio_sptes",
                 "WARN_ON(gen & KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS)");
  }
  if (!mmio_generation_wrapped(v, gen)) return;
  sim::Execution& ex = sim::Execution::current();
  ex.note("kvm_mmu_invalidate_mmio_sptes", "kvm: zapping shadow pages for mmio generation wraparound");
  ex.metrics().add("mmio_wrap_zaps");
  ex.metrics().set_first("wrap_zap_at_install", ex.metrics().get("memslot_installs"));
  if (v.mmio_wrap_response == MmioWrapResponse::zap_mmio_sptes) {
    // 5.1 kvm_mmu_zap_mmio_sptes: only the pages that hold MMIO SPTEs.
    zap_sptes(
        kvm, [](size_t, uint64_t spte) { return is_mmio_spte(spte); }, "kvm_mmu_zap_mmio_sptes");
  } else {
    kvm_mmu_invalidate_zap_all_pages(kvm);
  }
}

}  // namespace model

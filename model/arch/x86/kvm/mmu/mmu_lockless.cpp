// SPDX-License-Identifier: GPL-2.0-only
// Sources read, re-expressed here, not copied:
// - 4.19 arch/x86/kvm/mmu.c:
//   walk_shadow_page_lockless_begin ("Prevent page table teardown by making
//   any free-er wait during kvm_flush_remote_tlbs() IPI to all active
//   vcpus": local_irq_disable, smp_store_mb(vcpu->mode,
//   READING_SHADOW_PAGE_TABLES)); walk_shadow_page_lockless_end
//   (smp_store_release(&vcpu->mode, OUTSIDE_GUEST_MODE), local_irq_enable);
//   walk_shadow_page_get_mmio_spte (returns early when
//   !VALID_PAGE(vcpu->arch.mmu.root_hpa), then begin, shadow_walk_init,
//   mmu_spte_get_lockless per level, break on !is_shadow_present_pte, end);
//   SHADOW_PT_INDEX(addr, level) is PT64_INDEX(addr, level).
// - Recalled, not read: PT64_INDEX is (addr >> (PAGE_SHIFT + (level - 1) *
//   9)) & 511, so for a gfn (gfn >> (9 * (level - 1))) & 511; the commit id
//   c142786c6291 of the lockless walk is unverified.
#include "model/arch/x86/kvm/mmu/mmu_lockless.hpp"

#include <fmt/format.h>

#include "sim/check.hpp"
#include "sim/runtime/execution.hpp"

namespace model {

namespace {

constexpr unsigned PT64_LEVEL_BITS = 9;

unsigned SHADOW_PT_INDEX(gfn_t gfn, unsigned level) {
  return static_cast<unsigned>((gfn >> (PT64_LEVEL_BITS * (level - 1))) & (PT64_ENT_PER_PAGE - 1));
}

// The oracle of every lockless read (kind lockless-walk-freed-page): the
// page read must still be allocated. The model keeps freed pages, so the
// read that would be a use after free is reported instead.
void oracle_lockless_walk_step(const kvm_vcpu* vcpu, const kvm_mmu_page* sp, unsigned index,
                               const char* function) {
  if (!sp->freed) return;
  sim::fail("lockless-walk-freed-page",
            fmt::format("{}: vcpu{} read {}->spt[{}] in READING_SHADOW_PAGE_TABLES, but "
                        "kvm_mmu_free_page freed {}",
                        function, vcpu->vcpu_id, sp->name, index, sp->name));
}

// mmu_spte_get_lockless(iterator.sptep): the child page the SPTE points at,
// nullptr when not present (the model's spt holds non-leaf entries only).
kvm_mmu_page* mmu_spte_get_lockless(const kvm_vcpu* vcpu, kvm_mmu_page* sp, unsigned index,
                                    const char* function) {
  sim::Execution& ex = sim::Execution::current();
  ex.point(sim::Label(&sp->spt_page, function, sim::Access::read));
  oracle_lockless_walk_step(vcpu, sp, index, function);
  auto ent = sp->spt.find(index);
  kvm_mmu_page* child = ent == sp->spt.end() ? nullptr : ent->second;
  if (ex.recording())
    ex.record("load", &sp->spt_page,
              fmt::format("[{}] {}", index, child ? child->name : std::string("not present")),
              function);
  return child;
}

}  // namespace

void walk_shadow_page_lockless_begin(kvm_vcpu* vcpu) {
  // local_irq_disable(): from here the vCPU takes no IPI; the flusher's
  // wait (model/virt/kvm/kvm_requests.cpp) stands on the mode stored next.
  vcpu->mode.store(READING_SHADOW_PAGE_TABLES, __func__);
}

void walk_shadow_page_lockless_end(kvm_vcpu* vcpu) {
  vcpu->mode.store(OUTSIDE_GUEST_MODE, __func__);
  // local_irq_enable(): the pending IPI is taken here.
}

unsigned walk_shadow_page_lockless(kvm_vcpu* vcpu, gfn_t gfn) {
  kvm_mmu_page* sp = vcpu->arch.mmu.root_hpa;
  if (!sp) return 0;  // !VALID_PAGE(root_hpa)
  unsigned level = 0;
  walk_shadow_page_lockless_begin(vcpu);
  while (sp) {
    level = sp->role.level;
    kvm_mmu_page* child = mmu_spte_get_lockless(vcpu, sp, SHADOW_PT_INDEX(gfn, level), __func__);
    if (level == PT_PAGE_TABLE_LEVEL) break;  // the leaf SPTE
    sp = child;  // nullptr: !is_shadow_present_pte
  }
  walk_shadow_page_lockless_end(vcpu);
  return level;
}

}  // namespace model

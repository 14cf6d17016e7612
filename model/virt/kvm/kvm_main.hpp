// SPDX-License-Identifier: GPL-2.0-only
// virt/kvm/kvm_main.c: memslots, their generation, guest memory lookups, and
// the host pages behind them (hva_to_pfn, kvm_release_pfn).
#pragma once

#include <optional>
#include <vector>

#include "model/include/linux/kvm_host.hpp"

namespace model {

// Set-up before the scenario starts: kvm_create_vm's memslots per address
// space, plus slots that already existed. `generations[as_id]`, when set,
// overrides the variant's initial value.
void kvm_create_vm_memslots(kvm* kvm, const std::vector<std::vector<kvm_memory_slot>>& initial,
                            const std::vector<std::optional<uint64_t>>& generations);

// srcu_dereference(kvm->memslots[as_id]): reads the current pointer every
// call. The lookup helpers below record the access under their caller's
// name, so a trace says "gfn_to_pfn", not "kvm_memslots".
struct kvm_memslots* __kvm_memslots(kvm* kvm, unsigned as_id,
                                    const char* caller = __builtin_FUNCTION());
struct kvm_memslots* kvm_memslots(kvm* kvm, const char* caller = __builtin_FUNCTION());
// x86 kvm_arch_vcpu_memslots_id: the SMM address space while in SMM.
unsigned kvm_arch_vcpu_memslots_id(const kvm_vcpu* vcpu);
struct kvm_memslots* kvm_vcpu_memslots(kvm_vcpu* vcpu, const char* caller = __builtin_FUNCTION());

const kvm_memory_slot* search_memslots(const struct kvm_memslots* slots, gfn_t gfn);
// kvm_vcpu_gfn_to_memslot (gfn_to_memslot before 4bd518f1598d, when the one
// address space made the vCPU irrelevant).
const kvm_memory_slot* kvm_vcpu_gfn_to_memslot(kvm_vcpu* vcpu, gfn_t gfn,
                                               const char* caller = __builtin_FUNCTION());

// hva_to_pfn through get_user_pages: the pfn mapped at `hva` with a
// reference taken for the caller, or KVM_PFN_ERR_FAULT when nothing is
// mapped there (the VMA is gone).
pfn_t hva_to_pfn(kvm* kvm, hva_t hva);
// kvm_release_pfn_clean / kvm_release_pfn(pfn, dirty): put_page.
void kvm_release_pfn(kvm* kvm, pfn_t pfn);

inline constexpr pfn_t KVM_PFN_NOSLOT = ~0ULL;
inline bool is_noslot_pfn(pfn_t pfn) { return pfn == KVM_PFN_NOSLOT; }
pfn_t gfn_to_pfn(kvm_vcpu* vcpu, gfn_t gfn);

// kvm_vcpu_read_guest: 0 on success, -EFAULT without a usable slot. The
// emulator model uses it for writes too: writes look the slot up the same way.
int kvm_read_guest(kvm_vcpu* vcpu, gpa_t gpa);

// access_ok() of x86-64 for a slot of `npages` at `hva`: below TASK_SIZE_MAX.
inline constexpr hva_t TASK_SIZE_MAX = (1ULL << 47) - PAGE_SIZE;
inline bool userspace_range_ok(hva_t hva, uint64_t npages) {
  return npages <= TASK_SIZE_MAX >> PAGE_SHIFT && hva <= TASK_SIZE_MAX - (npages << PAGE_SHIFT);
}

// KVM_SET_USER_MEMORY_REGION: takes slots_lock. Returns 0 or -errno.
int kvm_set_memory_region(kvm* kvm, const kvm_userspace_memory_region& mem);

// Ground truth for oracles, without scheduling points: does `slots` back
// `gfn` with RAM (a slot that is not being deleted or moved)?
bool memslots_back_with_ram(const struct kvm_memslots* slots, gfn_t gfn);

}  // namespace model

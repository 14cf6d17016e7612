// virt/kvm/kvm_main.c: memslots, their generation, and guest memory lookups.
#pragma once

#include <vector>

#include "model/kvm_host.hpp"

namespace model {

// kvm_create_vm's memslots set-up, plus slots that existed before the
// scenario starts. `generation` overrides the variant's initial value.
void kvm_create_vm_memslots(kvm* kvm, const std::vector<kvm_memory_slot>& initial,
                            std::optional<uint64_t> generation);

// srcu_dereference(kvm->memslots): reads the current pointer every call.
// The lookup helpers below record the access under their caller's name, so a
// trace says "gfn_to_pfn", not "kvm_memslots".
struct kvm_memslots* kvm_memslots(kvm* kvm, const char* caller = __builtin_FUNCTION());

const kvm_memory_slot* search_memslots(const struct kvm_memslots* slots, gfn_t gfn);
const kvm_memory_slot* gfn_to_memslot(kvm* kvm, gfn_t gfn,
                                      const char* caller = __builtin_FUNCTION());

inline constexpr pfn_t KVM_PFN_NOSLOT = ~0ULL;
inline bool is_noslot_pfn(pfn_t pfn) { return pfn == KVM_PFN_NOSLOT; }
pfn_t gfn_to_pfn(kvm* kvm, gfn_t gfn);

// kvm_read_guest: 0 on success, -EFAULT without a usable slot. The emulator
// model uses it for writes too: kvm_write_guest looks the slot up the same way.
int kvm_read_guest(kvm* kvm, gpa_t gpa);

// access_ok() of x86-64 for a slot of `npages` at `hva`: below TASK_SIZE_MAX.
inline constexpr hva_t TASK_SIZE_MAX = (1ULL << 47) - PAGE_SIZE;
inline bool userspace_range_ok(hva_t hva, uint64_t npages) {
  return npages <= TASK_SIZE_MAX >> PAGE_SHIFT && hva <= TASK_SIZE_MAX - (npages << PAGE_SHIFT);
}

// KVM_SET_USER_MEMORY_REGION: takes slots_lock. Returns 0 or -errno.
int kvm_set_memory_region(kvm* kvm, const kvm_userspace_memory_region& mem);

// Ground truth for oracles, without scheduling points: does the current
// memslots array back `gfn` with RAM?
bool gfn_backed_by_ram(kvm* kvm, gfn_t gfn);

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
// include/linux/kvm_host.h: struct kvm, struct kvm_memslots, struct
// kvm_memory_slot, struct kvm_vcpu, as far as the modeled races need them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "model/mm/mm.hpp"
#include "model/virt/kvm/oracles_config.hpp"
#include "model/variants/variants.hpp"
#include "model/arch/x86/include/asm/kvm_host.hpp"
#include "sim/sync/lock.hpp"
#include "sim/sync/shared.hpp"
#include "sim/sync/srcu.hpp"

namespace model {

using gfn_t = uint64_t;
using gpa_t = uint64_t;

inline constexpr unsigned PAGE_SHIFT = 12;
inline constexpr uint64_t PAGE_SIZE = 1ULL << PAGE_SHIFT;
inline constexpr uint64_t PAGE_MASK = ~(PAGE_SIZE - 1);

inline constexpr uint32_t KVM_MEM_LOG_DIRTY_PAGES = 1U << 0;
inline constexpr uint32_t KVM_MEM_READONLY = 1U << 1;
inline constexpr uint32_t KVM_MEMSLOT_INVALID = 1U << 16;

// x86's KVM_ADDRESS_SPACE_NUM from 4bd518f1598d (4.2): normal and SMM. A
// variant has 1 or 2 (Variant::address_spaces).
inline constexpr unsigned KVM_ADDRESS_SPACE_MAX = 2;

struct kvm_memory_slot {
  gfn_t base_gfn = 0;
  uint64_t npages = 0;  // 0: the slot is unused
  hva_t userspace_addr = 0;
  uint32_t flags = 0;
  int id = 0;
};

// One published (or being built) memslots array. The slots themselves are
// never written after publication; only the generation is (ee3d1570b586
// increments it in place), so it alone is a shared variable.
struct kvm_memslots : sim::Object {
  kvm_memslots(std::string name, uint64_t generation)
      : sim::Object(name), generation(name + "->generation", generation) {}

  sim::Shared<uint64_t> generation;
  std::vector<kvm_memory_slot> memslots;  // indexed by slot id
};

// The userspace argument of KVM_SET_USER_MEMORY_REGION.
struct kvm_userspace_memory_region {
  uint32_t slot = 0;  // address space id << 16 | slot id (from 4bd518f1598d)
  uint32_t flags = 0;
  gpa_t guest_phys_addr = 0;
  uint64_t memory_size = 0;  // 0 deletes the slot
  hva_t userspace_addr = 0;
};

struct kvm;
struct gfn_to_pfn_cache;

// KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS of `v`: bit 0 since ee3d1570b586 (named
// by 361209e054a2), bit 63 since 164bf7e56c5a; none before.
inline uint64_t memslot_gen_update_in_progress(const Variant& v) {
  switch (v.in_progress_flag) {
    case InProgressFlag::none: return 0;
    case InProgressFlag::odd_generation:
    case InProgressFlag::bit0: return 1;
    case InProgressFlag::bit63: return 1ULL << 63;
  }
  return 0;
}

// vcpu->mode (include/linux/kvm_host.h, 4.19): where the vCPU thread is.
// The model's vCPUs never enter the guest, so they are OUTSIDE_GUEST_MODE
// except in a lockless shadow-page walk (model/arch/x86/kvm/mmu/mmu_lockless.hpp).
enum { OUTSIDE_GUEST_MODE, IN_GUEST_MODE, EXITING_GUEST_MODE, READING_SHADOW_PAGE_TABLES };

struct kvm_vcpu {
  kvm_vcpu(struct kvm* k, int id)
      : kvm(k), vcpu_id(id), mode(fmt::format("vcpu{}->mode", id), OUTSIDE_GUEST_MODE) {}
  struct kvm* kvm;
  int vcpu_id;
  uint64_t srcu_idx = 0;
  // kvm_make_request sets bits from other threads; kvm_request_pending reads.
  sim::Shared<uint64_t> requests{fmt::format("vcpu{}->requests", vcpu_id), 0};
  // Written by the vCPU's own thread, read by kvm_make_all_cpus_request on
  // other threads: a shared variable.
  sim::Shared<int> mode;
  kvm_vcpu_arch arch;
  // Model state, not kernel state: the emulator completed the guest's
  // access, so the vCPU does not retry it in guest mode.
  bool access_emulated = false;
  // Oracle state: how many memslots arrays of the vCPU's address space had
  // been published when the current exit handler took kvm->srcu.
  uint64_t ghost_publications_at_exit = 0;
};

// kvm_vcpu_exiting_guest_mode (4.19 include/linux/kvm_host.h):
// cmpxchg(&vcpu->mode, IN_GUEST_MODE, EXITING_GUEST_MODE); returns the mode
// it found.
inline int kvm_vcpu_exiting_guest_mode(kvm_vcpu* vcpu) {
  int mode = IN_GUEST_MODE;
  vcpu->mode.compare_exchange(mode, EXITING_GUEST_MODE, __func__);
  return mode;
}

// What the oracles know that the kernel does not: ground truth about
// memslot updates per address space, kept without scheduling points.
struct kvm_ghost {
  // The array an install_new_memslots in flight replaces (null when none):
  // from before its publication until the final generation is stored.
  const struct kvm_memslots* update_replaces[KVM_ADDRESS_SPACE_MAX] = {};
  uint64_t publications[KVM_ADDRESS_SPACE_MAX] = {};
  // The last generation stored, without the in-progress flag.
  uint64_t last_generation[KVM_ADDRESS_SPACE_MAX] = {};
};

struct kvm {
  // `spte_tables`: the address spaces whose EPT tables the scenario can
  // reach (at most the variant's); a VM is built for every execution, and an
  // SMM table nobody enters only costs.
  kvm(const Variant& v, uint64_t nr_gfns, size_t nr_slots,
      unsigned spte_tables = KVM_ADDRESS_SPACE_MAX)
      : variant(v),
        nr_memslots(nr_slots),
        memslots{sim::Shared<kvm_memslots*>(memslots_name(v, 0), nullptr),
                 sim::Shared<kvm_memslots*>(memslots_name(v, 1), nullptr)},
        srcu("kvm->srcu"),
        slots_lock("kvm->slots_lock"),
        mmu_lock("kvm->mmu_lock"),
        mn_invalidate_lock("kvm->mn_invalidate_lock"),
        mn_active_invalidate_count("kvm->mn_active_invalidate_count", 0),
        mmu_notifier_seq("kvm->mmu_notifier_seq", 0),
        mmu_notifier_count("kvm->mmu_notifier_count", 0),
        mmu_notifier_range_start("kvm->mmu_notifier_range_start", 0),
        mmu_notifier_range_end("kvm->mmu_notifier_range_end", 0),
        gpc_lock("kvm->gpc_lock"),
        arch(nr_gfns, std::min(spte_tables, v.address_spaces)) {}

  // 3.x has one kvm->memslots; 4bd518f1598d made it kvm->memslots[as_id].
  static std::string memslots_name(const Variant& v, unsigned as_id) {
    if (v.address_spaces == 1) return "kvm->memslots";
    return "kvm->memslots[" + std::to_string(as_id) + "]";
  }

  const Variant& variant;
  // Entries of each memslots array. The kernel's has KVM_MEM_SLOTS_NUM; the
  // model keeps only the ids a scenario uses (the others are always empty),
  // since every update copies the array.
  size_t nr_memslots;
  // rcu_assign_pointer / srcu_dereference; entries past
  // variant.address_spaces stay null.
  sim::Shared<kvm_memslots*> memslots[KVM_ADDRESS_SPACE_MAX];
  sim::Srcu srcu;
  sim::Mutex slots_lock;
  sim::Spinlock mmu_lock;
  // The MMU notifier's state (5.13+ names; mmu_invalidate_* from 6.3).
  sim::Spinlock mn_invalidate_lock;
  sim::Shared<long> mn_active_invalidate_count;
  sim::Shared<uint64_t> mmu_notifier_seq;
  sim::Shared<long> mmu_notifier_count;
  sim::Shared<hva_t> mmu_notifier_range_start;
  sim::Shared<hva_t> mmu_notifier_range_end;
  // 982ed0de4753: the active gfn_to_pfn_caches, walked by invalidations.
  sim::Spinlock gpc_lock;
  std::vector<struct gfn_to_pfn_cache*> gpc_list;  // protected by gpc_lock
  // The VMM's address space (kvm->mm).
  mm_struct mm;
  kvm_arch arch;
  std::vector<std::unique_ptr<kvm_vcpu>> vcpus;

  // Every memslots array ever allocated, freed with the VM (their contents
  // stay readable after kfree in the model; SRCU is what makes that safe).
  std::vector<std::unique_ptr<kvm_memslots>> allocated_memslots;
  kvm_ghost ghost;
  Oracles oracles;
};

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
#include "model/virt/kvm/kvm_main.hpp"

#include "model/virt/kvm/mmu_notifier.hpp"

#include <cerrno>

#include <fmt/format.h>

#include "model/virt/kvm/oracles.hpp"
#include "model/arch/x86/kvm/x86.hpp"

namespace model {

namespace {

inline constexpr size_t KVM_MEM_SLOTS_NUM = 512;  // KVM_USER_MEM_SLOTS + private slots (x86)

struct kvm_memslots* alloc_memslots(kvm* kvm, uint64_t generation) {
  auto& arena = kvm->allocated_memslots;
  arena.push_back(std::make_unique<struct kvm_memslots>(fmt::format("slots#{}", arena.size()),
                                                        generation));
  struct kvm_memslots* slots = arena.back().get();
  slots->memslots.resize(kvm->nr_memslots);
  for (size_t i = 0; i < kvm->nr_memslots; ++i) slots->memslots[i].id = static_cast<int>(i);
  return slots;
}

// kmemdup / kvzalloc + memcpy of the current array: the copy is private
// until published, so copying the generation field is not an access the
// model schedules around.
struct kvm_memslots* kmemdup_memslots(kvm* kvm, const struct kvm_memslots* old) {
  struct kvm_memslots* slots = alloc_memslots(kvm, old->generation.peek());
  slots->memslots = old->memslots;
  return slots;
}

// Every store of a memslots generation goes through here, so the
// generation-backwards oracle sees them all.
void store_generation(kvm* kvm, unsigned as_id, struct kvm_memslots* slots, uint64_t gen,
                      const char* caller = __builtin_FUNCTION()) {
  oracle_generation_stored(kvm, as_id, gen & ~memslot_gen_update_in_progress(kvm->variant));
  slots->generation.store(gen, caller);
}

// The generation after a completed update, from the one stored before
// publication (which carries the in-progress flag).
uint64_t next_generation(const Variant& v, uint64_t in_progress) {
  switch (v.in_progress_flag) {
    case InProgressFlag::none:
      break;
    case InProgressFlag::odd_generation:
      // ee3d1570b586 (3.17): ++; 4bd518f1598d: += KVM_ADDRESS_SPACE_NUM * 2 - 1,
      // the same expression with one address space.
      return in_progress + v.address_spaces * 2 - 1;
    case InProgressFlag::bit0:
      // 361209e054a2: drop the flag, then step by twice the number of spaces.
      return (in_progress & ~memslot_gen_update_in_progress(v)) + v.address_spaces * 2;
    case InProgressFlag::bit63:
      // 164bf7e56c5a: the flag no longer steals bit 0: step by the number of spaces.
      return (in_progress & ~memslot_gen_update_in_progress(v)) + v.address_spaces;
  }
  return in_progress;
}

// The update of `as_id` is complete as far as vCPUs can tell: synchronize
// returned and the final generation is visible.
void end_update(kvm* kvm, unsigned as_id) { kvm->ghost.update_replaces[as_id] = nullptr; }

// install_new_memslots: publish `slots`, wait for SRCU readers of the old
// array, then tell the architecture (kvm_arch_memslots_updated). The
// caller has already written the new slot into `slots` (update_memslots).
struct kvm_memslots* install_new_memslots(kvm* kvm, unsigned as_id, struct kvm_memslots* slots) {
  const Variant& v = kvm->variant;
  struct kvm_memslots* old_memslots = __kvm_memslots(kvm, as_id);
  kvm->ghost.update_replaces[as_id] = old_memslots;
  sim::Execution::current().metrics().add("memslot_installs");

  if (v.in_progress_flag == InProgressFlag::none) {
    // update_memslots(slots, new, kvm->memslots->generation): the new array
    // gets old + 1 before it is published, and nothing changes it later.
    store_generation(kvm, as_id, slots, old_memslots->generation.load() + 1, "update_memslots");
  } else {
    const uint64_t gen = old_memslots->generation.load();
    // ee3d1570b586: the previous update must have completed.
    sim::warn_on(gen & memslot_gen_update_in_progress(v), "install_new_memslots",
                 "WARN_ON(old_memslots->generation & KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS)");
    // ee3d1570b586: old + 1, odd while the update is in flight (from
    // 361209e054a2 spelled gen | flag, the same value while the flag is bit 0).
    store_generation(kvm, as_id, slots,
                     v.in_progress_flag == InProgressFlag::odd_generation
                         ? gen + 1
                         : gen | memslot_gen_update_in_progress(v));
  }

  // 52ac8b358b0c: no publication while an MMU-notifier invalidation is
  // between range_start and range_end (kvm_swap_active_memslots).
  const bool wait = v.memslot_publish_waits_for_invalidations;
  if (wait) {
    kvm->mn_invalidate_lock.lock("kvm_swap_active_memslots");
    kvm_wait_for_invalidations(kvm);
  }
  kvm->memslots[as_id].store(slots);  // rcu_assign_pointer
  if (wait) kvm->mn_invalidate_lock.unlock("kvm_swap_active_memslots");
  ++kvm->ghost.publications[as_id];
  kvm->srcu.synchronize();  // synchronize_srcu_expedited

  if (v.in_progress_flag == InProgressFlag::none) {
    end_update(kvm, as_id);
    kvm_arch_memslots_updated(kvm, slots, 0);
    return old_memslots;
  }
  // The second step, in the already published array, so a reader that
  // raced with the update cannot have cached a generation that stays valid.
  const uint64_t gen = next_generation(v, slots->generation.load());
  if (v.arch_hook_before_final_generation) {
    // 152482580a1b: let x86 zap on an MMIO generation wrap before any vCPU
    // can see the wrapped generation.
    kvm_arch_memslots_updated(kvm, slots, gen);
    store_generation(kvm, as_id, slots, gen);
    end_update(kvm, as_id);
  } else {
    store_generation(kvm, as_id, slots, gen);
    end_update(kvm, as_id);
    kvm_arch_memslots_updated(kvm, slots, gen);
  }
  return old_memslots;
}

bool overlaps_other_slot(const struct kvm_memslots* slots, const kvm_memory_slot& s) {
  for (const auto& other : slots->memslots) {
    if (other.id == s.id || other.npages == 0) continue;
    if (s.base_gfn < other.base_gfn + other.npages && other.base_gfn < s.base_gfn + s.npages)
      return true;
  }
  return false;
}

enum kvm_mr_change { KVM_MR_CREATE, KVM_MR_DELETE, KVM_MR_MOVE, KVM_MR_FLAGS_ONLY };

// __kvm_set_memory_region (4.19 shape; 3.16/3.17 differ only in having one
// address space). Returns 0 or -errno.
int __kvm_set_memory_region(kvm* kvm, const kvm_userspace_memory_region& mem) {
  const unsigned as_id = mem.slot >> 16;
  const unsigned id = mem.slot & 0xffff;
  if ((mem.memory_size & (PAGE_SIZE - 1)) || (mem.guest_phys_addr & (PAGE_SIZE - 1)))
    return -EINVAL;
  if ((mem.userspace_addr & (PAGE_SIZE - 1)) ||
      !userspace_range_ok(mem.userspace_addr, mem.memory_size >> PAGE_SHIFT))
    return -EINVAL;
  if (as_id >= kvm->variant.address_spaces || id >= KVM_MEM_SLOTS_NUM) return -EINVAL;

  const struct kvm_memslots* current = __kvm_memslots(kvm, as_id);
  const kvm_memory_slot old = current->memslots.at(id);
  kvm_memory_slot new_slot = old;
  new_slot.base_gfn = mem.guest_phys_addr >> PAGE_SHIFT;
  new_slot.npages = mem.memory_size >> PAGE_SHIFT;
  new_slot.flags = mem.flags;

  kvm_mr_change change;
  if (new_slot.npages) {
    if (!old.npages) {
      change = KVM_MR_CREATE;
      new_slot.userspace_addr = mem.userspace_addr;
    } else {
      if (mem.userspace_addr != old.userspace_addr || new_slot.npages != old.npages ||
          ((new_slot.flags ^ old.flags) & KVM_MEM_READONLY))
        return -EINVAL;
      if (new_slot.base_gfn != old.base_gfn) change = KVM_MR_MOVE;
      else if (new_slot.flags != old.flags) change = KVM_MR_FLAGS_ONLY;
      else return 0;  // nothing to change
    }
  } else {
    if (!old.npages) return -EINVAL;
    change = KVM_MR_DELETE;
    new_slot.base_gfn = 0;
    new_slot.flags = 0;
    new_slot.userspace_addr = 0;
  }
  if ((change == KVM_MR_CREATE || change == KVM_MR_MOVE) && overlaps_other_slot(current, new_slot))
    return -EEXIST;

  struct kvm_memslots* slots = kmemdup_memslots(kvm, current);
  if (change == KVM_MR_DELETE || change == KVM_MR_MOVE) {
    // Publish a copy in which the slot is KVM_MEMSLOT_INVALID, so no new
    // SPTE can point into it, then zap what already does.
    slots->memslots[id].flags |= KVM_MEMSLOT_INVALID;
    struct kvm_memslots* old_memslots = install_new_memslots(kvm, as_id, slots);
    kvm_arch_flush_shadow_memslot(kvm, old);
    // Reuse the old array for the second publication (it is no longer read:
    // synchronize_srcu_expedited has waited for its readers).
    slots = old_memslots;
  }
  slots->memslots[id] = new_slot;  // update_memslots
  install_new_memslots(kvm, as_id, slots);
  // kvm_arch_commit_memory_region: for FLAGS_ONLY, write-protecting RAM
  // SPTEs for dirty logging, which touches no MMIO SPTE and is not modeled.
  return 0;
}

}  // namespace

void kvm_create_vm_memslots(kvm* kvm, const std::vector<std::vector<kvm_memory_slot>>& initial,
                            const std::vector<std::optional<uint64_t>>& generations) {
  const Variant& v = kvm->variant;
  for (unsigned as_id = 0; as_id < v.address_spaces; ++as_id) {
    const std::optional<uint64_t> given = as_id < generations.size() ? generations[as_id] : std::nullopt;
    const uint64_t gen = given ? *given
                               : static_cast<uint64_t>(v.initial_generation_base) +
                                     as_id * v.initial_generation_stride;
    struct kvm_memslots* slots = alloc_memslots(kvm, gen);
    if (as_id < initial.size())
      for (const auto& s : initial[as_id]) slots->memslots[s.id] = s;
    kvm->memslots[as_id].init(slots);
    kvm->ghost.last_generation[as_id] = gen & ~memslot_gen_update_in_progress(v);
  }
}

struct kvm_memslots* __kvm_memslots(kvm* kvm, unsigned as_id, const char* caller) {
  return kvm->memslots[as_id].load(caller);
}

struct kvm_memslots* kvm_memslots(kvm* kvm, const char* caller) {
  return __kvm_memslots(kvm, 0, caller);
}

unsigned kvm_arch_vcpu_memslots_id(const kvm_vcpu* vcpu) {
  return (vcpu->arch.hflags & HF_SMM_MASK) ? 1 : 0;
}

struct kvm_memslots* kvm_vcpu_memslots(kvm_vcpu* vcpu, const char* caller) {
  return __kvm_memslots(vcpu->kvm, kvm_arch_vcpu_memslots_id(vcpu), caller);
}

const kvm_memory_slot* search_memslots(const struct kvm_memslots* slots, gfn_t gfn) {
  for (const auto& s : slots->memslots)
    if (s.npages && gfn >= s.base_gfn && gfn < s.base_gfn + s.npages) return &s;
  return nullptr;
}

const kvm_memory_slot* kvm_vcpu_gfn_to_memslot(kvm_vcpu* vcpu, gfn_t gfn, const char* caller) {
  return search_memslots(kvm_vcpu_memslots(vcpu, caller), gfn);
}

// __gfn_to_hva_many: no slot, or a slot being deleted or moved, has no hva.
static bool gfn_to_hva(const kvm_memory_slot* slot, gfn_t gfn, hva_t* hva) {
  if (!slot || (slot->flags & KVM_MEMSLOT_INVALID)) return false;
  *hva = slot->userspace_addr + (gfn - slot->base_gfn) * PAGE_SIZE;
  return true;
}

pfn_t hva_to_pfn(kvm* kvm, hva_t hva) {
  mm_struct& mm = kvm->mm;
  auto it = mm.ptes.find(hva & PAGE_MASK);
  if (it == mm.ptes.end()) return KVM_PFN_ERR_FAULT;
  // get_user_pages: follow_page_pte takes the reference under the pte lock.
  mm.page_table_lock.lock("hva_to_pfn");
  const pfn_t pfn = it->second->load("hva_to_pfn");
  if (pfn) get_page(mm.pfn_to_page(pfn));
  mm.page_table_lock.unlock("hva_to_pfn");
  return pfn ? pfn : KVM_PFN_ERR_FAULT;
}

pfn_t gfn_to_pfn(kvm_vcpu* vcpu, gfn_t gfn) {
  hva_t hva = 0;
  if (!gfn_to_hva(kvm_vcpu_gfn_to_memslot(vcpu, gfn), gfn, &hva)) return KVM_PFN_NOSLOT;
  return hva >> PAGE_SHIFT;  // host memory: one pfn per userspace page
}

void kvm_release_pfn(kvm* kvm, pfn_t pfn) {
  if (is_error_noslot_pfn(pfn)) return;
  put_page(kvm->mm.pfn_to_page(pfn));
}

int kvm_read_guest(kvm_vcpu* vcpu, gpa_t gpa) {
  hva_t hva = 0;
  const gfn_t gfn = gpa >> PAGE_SHIFT;
  return gfn_to_hva(kvm_vcpu_gfn_to_memslot(vcpu, gfn), gfn, &hva) ? 0 : -EFAULT;
}

int kvm_set_memory_region(kvm* kvm, const kvm_userspace_memory_region& mem) {
  kvm->slots_lock.lock();
  const int r = __kvm_set_memory_region(kvm, mem);
  kvm->slots_lock.unlock();
  return r;
}

bool memslots_back_with_ram(const struct kvm_memslots* slots, gfn_t gfn) {
  hva_t hva = 0;
  return gfn_to_hva(search_memslots(slots, gfn), gfn, &hva);
}

}  // namespace model

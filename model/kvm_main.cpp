#include "model/kvm_main.hpp"

#include <cerrno>

#include <fmt/format.h>

#include "model/x86/x86.hpp"

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

// kmemdup(kvm->memslots): the copy is private until published, so copying
// the generation field is not an access the model schedules around.
struct kvm_memslots* kmemdup_memslots(kvm* kvm, const struct kvm_memslots* old) {
  struct kvm_memslots* slots = alloc_memslots(kvm, old->generation.peek());
  slots->memslots = old->memslots;
  return slots;
}

// update_memslots: write `new` into the (unpublished) copy. Before
// ee3d1570b586 it also set the generation, before the copy is published.
void update_memslots(struct kvm_memslots* slots, const kvm_memory_slot* new_slot,
                     uint64_t last_generation, bool set_generation) {
  if (new_slot) slots->memslots[new_slot->id] = *new_slot;
  if (set_generation) slots->generation.store(last_generation + 1);
}

// install_new_memslots: publish `slots`, wait for SRCU readers of the old
// array, then tell the architecture (kvm_arch_memslots_updated).
struct kvm_memslots* install_new_memslots(kvm* kvm, struct kvm_memslots* slots,
                                   const kvm_memory_slot* new_slot) {
  const Variant& v = kvm->variant;
  struct kvm_memslots* old_memslots = kvm->memslots.load();
  kvm->ghost.memslot_update_in_flight = true;

  if (v.memslots_generation_bumped_after_srcu) {
    // ee3d1570b586: set the low bit, which disables MMIO SPTE caching until
    // the end of synchronize_srcu_expedited.
    const uint64_t old_gen = old_memslots->generation.load();
    sim::warn_on(old_gen & 1, "install_new_memslots-odd-generation",
                 "WARN_ON(old_memslots->generation & 1)");
    slots->generation.store(old_gen + 1);
    update_memslots(slots, new_slot, 0, false);
  } else {
    update_memslots(slots, new_slot, old_memslots->generation.load(), true);
  }

  kvm->memslots.store(slots);  // rcu_assign_pointer
  kvm->srcu.synchronize();     // synchronize_srcu_expedited

  if (v.memslots_generation_bumped_after_srcu) {
    // ee3d1570b586: increment again, in the already published array, so a
    // reader that raced with the update cannot have cached a generation that
    // stays valid.
    slots->generation.store(slots->generation.load() + 1);
  }
  // The update is complete once synchronize returned and the final
  // generation is stored: from here on, the oracle holds KVM to the new slots.
  kvm->ghost.memslot_update_in_flight = false;

  kvm_arch_memslots_updated(kvm);
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

// __kvm_set_memory_region, CREATE and DELETE (3.16/3.17 shape).
int __kvm_set_memory_region(kvm* kvm, const kvm_userspace_memory_region& mem) {
  if (mem.slot >= KVM_MEM_SLOTS_NUM) return -EINVAL;
  if ((mem.memory_size & (PAGE_SIZE - 1)) || (mem.guest_phys_addr & (PAGE_SIZE - 1)))
    return -EINVAL;
  if ((mem.userspace_addr & (PAGE_SIZE - 1)) ||
      !userspace_range_ok(mem.userspace_addr, mem.memory_size >> PAGE_SHIFT))
    return -EINVAL;

  const struct kvm_memslots* current = kvm->memslots.load();
  const kvm_memory_slot old = current->memslots.at(mem.slot);
  kvm_memory_slot new_slot = old;
  new_slot.base_gfn = mem.guest_phys_addr >> PAGE_SHIFT;
  new_slot.npages = mem.memory_size >> PAGE_SHIFT;
  new_slot.flags = mem.flags;
  new_slot.userspace_addr = mem.userspace_addr;

  const bool is_delete = new_slot.npages == 0;
  if (is_delete) {
    if (old.npages == 0) return -EINVAL;
    new_slot.base_gfn = 0;
    new_slot.flags = 0;
    new_slot.userspace_addr = 0;
  } else {
    // Only KVM_MR_CREATE is modeled; resizing, moving and flag changes of an
    // existing slot arrive with the memslot-history issue.
    if (old.npages != 0) return -EINVAL;
    if (overlaps_other_slot(current, new_slot)) return -EEXIST;
  }

  struct kvm_memslots* slots = nullptr;
  if (is_delete) {
    // Publish a copy in which the slot is KVM_MEMSLOT_INVALID, so no new
    // SPTE can point into it, then zap what already does.
    slots = kmemdup_memslots(kvm, current);
    slots->memslots[mem.slot].flags |= KVM_MEMSLOT_INVALID;
    struct kvm_memslots* old_memslots = install_new_memslots(kvm, slots, nullptr);
    kvm_arch_flush_shadow_memslot(kvm, old);
    // Reuse the old array for the second publication (it is no longer read:
    // synchronize_srcu_expedited has waited for its readers).
    slots = old_memslots;
  } else {
    slots = kmemdup_memslots(kvm, current);
  }
  install_new_memslots(kvm, slots, &new_slot);
  return 0;
}

}  // namespace

void kvm_create_vm_memslots(kvm* kvm, const std::vector<kvm_memory_slot>& initial,
                            std::optional<uint64_t> generation) {
  const uint64_t gen =
      generation ? *generation : static_cast<uint64_t>(kvm->variant.initial_memslots_generation);
  struct kvm_memslots* slots = alloc_memslots(kvm, gen);
  for (const auto& s : initial) slots->memslots[s.id] = s;
  kvm->memslots.init(slots);
}

struct kvm_memslots* kvm_memslots(kvm* kvm, const char* caller) {
  return kvm->memslots.load(caller);
}

const kvm_memory_slot* search_memslots(const struct kvm_memslots* slots, gfn_t gfn) {
  for (const auto& s : slots->memslots)
    if (s.npages && gfn >= s.base_gfn && gfn < s.base_gfn + s.npages) return &s;
  return nullptr;
}

const kvm_memory_slot* gfn_to_memslot(kvm* kvm, gfn_t gfn, const char* caller) {
  return search_memslots(kvm_memslots(kvm, caller), gfn);
}

// __gfn_to_hva_many: no slot, or a slot being deleted, has no hva.
static bool gfn_to_hva(const kvm_memory_slot* slot, gfn_t gfn, hva_t* hva) {
  if (!slot || (slot->flags & KVM_MEMSLOT_INVALID)) return false;
  *hva = slot->userspace_addr + (gfn - slot->base_gfn) * PAGE_SIZE;
  return true;
}

pfn_t gfn_to_pfn(kvm* kvm, gfn_t gfn) {
  hva_t hva = 0;
  if (!gfn_to_hva(gfn_to_memslot(kvm, gfn), gfn, &hva)) return KVM_PFN_NOSLOT;
  return hva >> PAGE_SHIFT;  // host memory: one pfn per userspace page
}

int kvm_read_guest(kvm* kvm, gpa_t gpa) {
  hva_t hva = 0;
  const gfn_t gfn = gpa >> PAGE_SHIFT;
  return gfn_to_hva(gfn_to_memslot(kvm, gfn), gfn, &hva) ? 0 : -EFAULT;
}

int kvm_set_memory_region(kvm* kvm, const kvm_userspace_memory_region& mem) {
  kvm->slots_lock.lock();
  const int r = __kvm_set_memory_region(kvm, mem);
  kvm->slots_lock.unlock();
  return r;
}

bool gfn_backed_by_ram(kvm* kvm, gfn_t gfn) {
  hva_t hva = 0;
  return gfn_to_hva(search_memslots(kvm->memslots.peek(), gfn), gfn, &hva);
}

}  // namespace model

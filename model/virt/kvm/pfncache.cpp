// SPDX-License-Identifier: GPL-2.0-only
// virt/kvm/pfncache.c. Sources, re-expressed (with the commit texts named
// in Variant::pfncache and docs/pfncache-history.md): the 982ed0de4753 v4
// posting (20 Nov 2021) with David Woodhouse's 9 Dec 2021 incremental
// folded into the commit (hva_to_pfn_retry), the 5.17.y
// backport of 79593c086eb9, Sean Christopherson's v3 "Fix mmu_notifier vs.
// pfncache vs. pfncache races" (6.0), a 6.x pfncache.c, and ecbcf030b456.
#include "model/virt/kvm/pfncache.hpp"

#include <algorithm>

#include "model/virt/kvm/kvm_main.hpp"
#include "model/virt/kvm/kvm_requests.hpp"
#include "model/virt/kvm/mmu_notifier.hpp"

namespace model {

namespace {

uint64_t offset_in_page(uint64_t a) { return a & ~PAGE_MASK; }

// The kernel address of a page's start; NULL stays NULL.
uint64_t khva_base(uint64_t khva) { return khva ? khva - offset_in_page(khva) : 0; }

// gfn_to_hva_memslot of the slot backing gfn, or KVM_HVA_ERR_BAD.
hva_t gfn_to_hva(const struct kvm_memslots* slots, gfn_t gfn) {
  const kvm_memory_slot* slot = search_memslots(slots, gfn);
  if (!slot || (slot->flags & KVM_MEMSLOT_INVALID)) return KVM_HVA_ERR_BAD;
  return slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
}

// __release_gpc (982ed0de4753 .. 5.18; gpc_release_pfn_and_khva in 6.0,
// gpc_unmap_khva once 85165781c5d9 stopped pinning): kunmap (a no-op for
// the model's lowmem pages) and, while the cache pins pages,
// kvm_release_pfn (with mark_page_dirty when dirty: no modeled effect).
void __release_gpc(kvm* kvm, pfn_t pfn) {
  if (is_error_noslot_pfn(pfn)) return;
  if (kvm->variant.pfncache.pins_page) kvm_release_pfn(kvm, pfn);
}

// 982ed0de4753's hva_to_pfn_retry(kvm, uhva): called without gpc->lock.
// A retried iteration's pfn is dropped without kvm_release_pfn (the leak
// 58cd407ca4c6 fixed).
pfn_t hva_to_pfn_retry_5_17(kvm* kvm, hva_t uhva) {
  sim::Execution& ex = sim::Execution::current();
  for (;;) {
    const uint64_t mmu_seq = kvm->mmu_notifier_seq.load("hva_to_pfn_retry");
    // smp_rmb()
    const pfn_t new_pfn = hva_to_pfn(kvm, uhva);
    if (is_error_noslot_pfn(new_pfn)) return new_pfn;
    kvm->mmu_lock.lock("hva_to_pfn_retry");  // KVM_MMU_READ_LOCK
    const int retry = mmu_notifier_retry_hva(kvm, mmu_seq, uhva);
    kvm->mmu_lock.unlock("hva_to_pfn_retry");
    if (!retry) return new_pfn;
    ex.metrics().add("gpc_refresh_retries");
    ex.point(sim::Label(nullptr, "hva_to_pfn_retry", sim::Access::none),
             /*yielding=*/true);  // cond_resched(): "we just spin"
  }
}

// 58cd407ca4c6's mmu_notifier_retry_cache: an invalidation is in progress
// (mn_active_invalidate_count, raised before gfn_to_pfn_cache_invalidate_start
// takes gpc->lock and dropped after the sequence bump) or one completed.
bool mmu_notifier_retry_cache(kvm* kvm, uint64_t mmu_seq) {
  if (kvm->mn_active_invalidate_count.load(__func__) != 0) return true;
  // smp_rmb()
  return kvm->mmu_notifier_seq.load(__func__) != mmu_seq;
}

// 58cd407ca4c6's hva_to_pfn_retry(kvm, gpc): entered and left with
// gpc->lock held for write; returns 0 with valid, pfn and khva set
// together, or -EFAULT.
int hva_to_pfn_retry_6_0(kvm* kvm, gfn_to_pfn_cache* gpc) {
  sim::Execution& ex = sim::Execution::current();
  const bool pins = kvm->variant.pfncache.pins_page;
  const hva_t uhva = gpc->uhva.load("hva_to_pfn_retry");
  const pfn_t old_pfn = gpc->pfn.load("hva_to_pfn_retry");
  const uint64_t old_khva = khva_base(gpc->khva.load("hva_to_pfn_retry"));
  pfn_t new_pfn = KVM_PFN_ERR_FAULT;
  uint64_t new_khva = 0;
  // Nobody may use the old pfn once the lock is dropped.
  gpc->valid.store(false, "hva_to_pfn_retry");
  uint64_t mmu_seq = 0;
  do {
    mmu_seq = kvm->mmu_notifier_seq.load("hva_to_pfn_retry");
    // smp_rmb()
    gpc->lock->write_unlock("hva_to_pfn_retry");
    // The previous iteration's pfn, if it lost a race: unmap (unless it is
    // the reused old mapping) and release it.
    if (!is_error_noslot_pfn(new_pfn)) {
      ex.metrics().add("gpc_refresh_retries");
      kvm_release_pfn(kvm, new_pfn);
      ex.point(sim::Label(nullptr, "hva_to_pfn_retry", sim::Access::none),
               /*yielding=*/true);  // cond_resched()
    }
    new_pfn = hva_to_pfn(kvm, uhva);
    if (is_error_noslot_pfn(new_pfn)) {
      gpc->lock->write_lock("hva_to_pfn_retry");
      return -14;  // -EFAULT
    }
    if (gpc->kernel_map) new_khva = new_pfn == old_pfn ? old_khva : kmap(new_pfn);
    gpc->lock->write_lock("hva_to_pfn_retry");
    // Refreshes are serialised (refresh_lock), so nobody else set it.
    sim::warn_on(gpc->valid.load("hva_to_pfn_retry"), "hva_to_pfn_retry",
                 "WARN_ON_ONCE(gpc->valid)");
  } while (mmu_notifier_retry_cache(kvm, mmu_seq));
  gpc->valid.store(true, "hva_to_pfn_retry");
  gpc->pfn.store(new_pfn, "hva_to_pfn_retry");
  gpc->khva.store(new_khva ? new_khva + offset_in_page(gpc->gpa.load("hva_to_pfn_retry")) : 0,
                  "hva_to_pfn_retry");
  // 85165781c5d9: rely on invalidations, not a page reference.
  if (!pins) kvm_release_pfn(kvm, new_pfn);
  return 0;
}

// Both refresh bodies trace as the kernel function they are.
constexpr const char* kRefresh = "kvm_gfn_to_pfn_cache_refresh";

// 982ed0de4753 .. 5.18: the whole refresh, with the speculative valid.
int refresh_5_17(kvm* kvm, gfn_to_pfn_cache* gpc, gpa_t gpa, const struct kvm_memslots* slots,
                 uint64_t slots_gen) {
  const Pfncache& f = kvm->variant.pfncache;
  const uint64_t page_offset = offset_in_page(gpa);
  int ret = 0;
  gpc->lock->write_lock(kRefresh);
  pfn_t old_pfn = gpc->pfn.load(kRefresh);
  // [U] whether the committed text took the base (khva - offset, as 5.18
  // does) or the offset (khva & ~PAGE_MASK, the 9 Dec incremental): only
  // kunmap sees it, a no-op for the model's lowmem pages. The base is used.
  uint64_t old_khva = khva_base(gpc->khva.load(kRefresh));
  const hva_t old_uhva = gpc->uhva.load(kRefresh);
  const bool old_valid = gpc->valid.load(kRefresh);

  if (gpc->gpa.load(kRefresh) != gpa || gpc->generation.load(kRefresh) != slots_gen ||
      kvm_is_error_hva(old_uhva)) {
    gpc->dirty.store(false, kRefresh);
    gpc->gpa.store(gpa, kRefresh);
    gpc->generation.store(slots_gen, kRefresh);
    const hva_t uhva = gfn_to_hva(slots, gpa >> PAGE_SHIFT);
    gpc->uhva.store(uhva, kRefresh);
    if (kvm_is_error_hva(uhva)) {
      ret = -14;  // -EFAULT
      // 79593c086eb9: otherwise gpc->pfn still names the page released below.
      if (f.error_hva_resets_pfn) gpc->pfn.store(KVM_PFN_ERR_FAULT, kRefresh);
      goto out;
    }
    gpc->uhva.store(uhva + page_offset, kRefresh);  // removed by 3ba2c95ea180
  }

  if (!old_valid || old_uhva != gpc->uhva.load(kRefresh)) {
    const hva_t uhva = gpc->uhva.load(kRefresh);
    uint64_t new_khva = 0;
    // Placeholders, and valid set speculatively: an invalidation in the
    // window below clears it, so a refresh that raced one stays invalid.
    // A reader's check passes on them (58cd407ca4c6 removed this).
    gpc->pfn.store(KVM_PFN_ERR_FAULT, kRefresh);
    gpc->khva.store(0, kRefresh);
    gpc->valid.store(true, kRefresh);
    gpc->lock->write_unlock(kRefresh);

    const pfn_t new_pfn = hva_to_pfn_retry_5_17(kvm, uhva);
    if (is_error_noslot_pfn(new_pfn)) {
      ret = -14;
    } else if (gpc->kernel_map) {
      if (new_pfn == old_pfn) {
        // Reuse the old mapping. Both references stay: the old one the
        // cache held and the new one hva_to_pfn took (3dddf65b4f4c puts it).
        new_khva = old_khva;
        old_pfn = KVM_PFN_ERR_FAULT;
        old_khva = 0;
      } else {
        new_khva = kmap(new_pfn);
      }
      new_khva += page_offset;
    }

    gpc->lock->write_lock(kRefresh);
    if (ret) {
      gpc->valid.store(false, kRefresh);
      gpc->pfn.store(KVM_PFN_ERR_FAULT, kRefresh);
      gpc->khva.store(0, kRefresh);
    } else {
      // valid is not set again: an invalidation in the window leaves it false.
      gpc->pfn.store(new_pfn, kRefresh);
      gpc->khva.store(new_khva, kRefresh);
    }
  } else {
    // The mapping is still valid: nothing to release.
    old_pfn = KVM_PFN_ERR_FAULT;
    old_khva = 0;
  }

out:
  if (ret) gpc->dirty.store(false, kRefresh);
  gpc->lock->write_unlock(kRefresh);
  __release_gpc(kvm, old_pfn);
  return ret;
}

// 58cd407ca4c6 onwards (6.0), with 93984f19e7bc's refresh_lock and, from
// ecbcf030b456 (6.1), the active test.
int refresh_6_0(kvm* kvm, gfn_to_pfn_cache* gpc, gpa_t gpa, const struct kvm_memslots* slots,
                uint64_t slots_gen) {
  const Pfncache& f = kvm->variant.pfncache;
  int ret = 0;
  bool unmap_old = false;
  pfn_t old_pfn = KVM_PFN_ERR_FAULT;
  gpc->refresh_lock.lock(kRefresh);
  gpc->lock->write_lock(kRefresh);
  if (f.active_rules && !gpc->active.load(kRefresh)) {
    ret = -22;  // -EINVAL
    goto out_unlock;
  }
  {
    old_pfn = gpc->pfn.load(kRefresh);
    const hva_t old_uhva = gpc->uhva.load(kRefresh);
    if (gpc->gpa.load(kRefresh) != gpa || gpc->generation.load(kRefresh) != slots_gen ||
        kvm_is_error_hva(old_uhva)) {
      gpc->gpa.store(gpa, kRefresh);
      gpc->generation.store(slots_gen, kRefresh);
      const hva_t uhva = gfn_to_hva(slots, gpa >> PAGE_SHIFT);
      gpc->uhva.store(uhva, kRefresh);
      if (kvm_is_error_hva(uhva)) {
        ret = -14;
        goto out;
      }
    }
    if (!gpc->valid.load(kRefresh) || old_uhva != gpc->uhva.load(kRefresh)) {
      ret = hva_to_pfn_retry_6_0(kvm, gpc);
    } else {
      // The mapping is still valid: nothing to unmap. Since 3ba2c95ea180
      // made uhva page aligned, a new offset in the same page lands here,
      // and until 8332f0ed4f18 khva keeps the old offset.
      old_pfn = KVM_PFN_ERR_FAULT;
      if (f.khva_follows_offset && gpc->kernel_map)
        gpc->khva.store(khva_base(gpc->khva.load(kRefresh)) + offset_in_page(gpa), kRefresh);
    }
  }
out:
  if (ret) {
    gpc->valid.store(false, kRefresh);
    gpc->pfn.store(KVM_PFN_ERR_FAULT, kRefresh);
    gpc->khva.store(0, kRefresh);
  }
  // Decided before the lock is dropped: the new pfn may change right after.
  unmap_old = old_pfn != gpc->pfn.load(kRefresh);
out_unlock:
  gpc->lock->write_unlock(kRefresh);
  gpc->refresh_lock.unlock(kRefresh);
  if (unmap_old) __release_gpc(kvm, old_pfn);
  return ret;
}

}  // namespace

gfn_to_pfn_cache::gfn_to_pfn_cache(std::string n)
    : name(n),
      generation(n + "->generation", 0),
      gpa(n + "->gpa", 0),
      uhva(n + "->uhva", KVM_HVA_ERR_BAD),
      khva(n + "->khva", 0),
      pfn(n + "->pfn", KVM_PFN_ERR_FAULT),
      active(n + "->active", false),
      valid(n + "->valid", false),
      dirty(n + "->dirty", false),
      lock(std::make_unique<sim::RwLock>(n + "->lock")),
      refresh_lock(n + "->refresh_lock") {}

int kvm_gfn_to_pfn_cache_init(kvm* kvm, gfn_to_pfn_cache* gpc, kvm_vcpu* vcpu,
                              bool guest_uses_pa, bool kernel_map, gpa_t gpa, uint64_t len) {
  const Pfncache& f = kvm->variant.pfncache;
  if (!gpc->active.load(__func__)) {
    // Until 52491a38b2c2 the lock is re-initialised on every activation,
    // under whoever may be holding it (then once, in kvm_gpc_init).
    if (!f.locks_initialized_once) gpc->lock->reinit(__func__);
    gpc->khva.store(0, __func__);
    gpc->pfn.store(KVM_PFN_ERR_FAULT, __func__);
    gpc->uhva.store(KVM_HVA_ERR_BAD, __func__);
    gpc->valid.store(false, __func__);
    gpc->vcpu = vcpu;
    gpc->kernel_map = kernel_map;
    gpc->guest_uses_pa = guest_uses_pa;
    if (f.active_rules) {
      // kvm_gpc_activate (ecbcf030b456): on the list first, then active
      // under gpc->lock, so "active" means "reachable by invalidations".
      kvm->gpc_lock.lock(__func__);
      kvm->gpc_list.push_back(gpc);
      kvm->gpc_lock.unlock(__func__);
      gpc->lock->write_lock(__func__);
      gpc->active.store(true, __func__);
      gpc->lock->write_unlock(__func__);
    } else {
      gpc->active.store(true, __func__);
      kvm->gpc_lock.lock(__func__);
      kvm->gpc_list.push_back(gpc);
      kvm->gpc_lock.unlock(__func__);
    }
  }
  return kvm_gfn_to_pfn_cache_refresh(kvm, gpc, gpa, len);
}

bool kvm_gfn_to_pfn_cache_check(kvm* kvm, gfn_to_pfn_cache* gpc, gpa_t gpa, uint64_t len) {
  if (kvm->variant.pfncache.active_rules && !gpc->active.load(__func__)) return false;
  if (offset_in_page(gpa) + len > PAGE_SIZE) return false;
  const uint64_t gen = kvm_memslots(kvm)->generation.load(__func__);
  if (gpc->gpa.load(__func__) != gpa || gpc->generation.load(__func__) != gen ||
      kvm_is_error_hva(gpc->uhva.load(__func__)))
    return false;
  return gpc->valid.load(__func__);
}

int kvm_gfn_to_pfn_cache_refresh(kvm* kvm, gfn_to_pfn_cache* gpc, gpa_t gpa, uint64_t len) {
  if (offset_in_page(gpa) + len > PAGE_SIZE) return -22;
  struct kvm_memslots* slots = kvm_memslots(kvm);
  const uint64_t gen = slots->generation.load(__func__);
  return kvm->variant.pfncache.refresh_reworked
             ? refresh_6_0(kvm, gpc, gpa, slots, gen)
             : refresh_5_17(kvm, gpc, gpa, slots, gen);
}

void kvm_gfn_to_pfn_cache_unmap(kvm* kvm, gfn_to_pfn_cache* gpc) {
  const bool serialized = kvm->variant.pfncache.refresh_reworked;  // 93984f19e7bc
  if (serialized) gpc->refresh_lock.lock(__func__);
  gpc->lock->write_lock(__func__);
  gpc->valid.store(false, __func__);
  const pfn_t old_pfn = gpc->pfn.load(__func__);
  gpc->khva.store(0, __func__);
  gpc->pfn.store(KVM_PFN_ERR_FAULT, __func__);
  gpc->lock->write_unlock(__func__);
  if (serialized) gpc->refresh_lock.unlock(__func__);
  __release_gpc(kvm, old_pfn);
}

void kvm_gfn_to_pfn_cache_destroy(kvm* kvm, gfn_to_pfn_cache* gpc) {
  if (!gpc->active.load(__func__)) return;
  const bool active_rules = kvm->variant.pfncache.active_rules;
  if (active_rules) {
    // ecbcf030b456: inactive first, so no refresh can make it valid again.
    gpc->lock->write_lock(__func__);
    gpc->active.store(false, __func__);
    gpc->lock->write_unlock(__func__);
  }
  kvm->gpc_lock.lock(__func__);
  kvm->gpc_list.erase(std::find(kvm->gpc_list.begin(), kvm->gpc_list.end(), gpc));
  kvm->gpc_lock.unlock(__func__);
  kvm_gfn_to_pfn_cache_unmap(kvm, gpc);
  if (!active_rules) gpc->active.store(false, __func__);
}

void gfn_to_pfn_cache_invalidate_start(kvm* kvm, hva_t start, hva_t end, bool may_block) {
  const Pfncache& f = kvm->variant.pfncache;
  std::vector<kvm_vcpu*> evict;
  kvm->gpc_lock.lock(__func__);
  for (gfn_to_pfn_cache* gpc : kvm->gpc_list) {
    gpc->lock->write_lock(__func__);
    // One page per cache, so only uhva is tested.
    if (gpc->valid.load(__func__) && !is_error_noslot_pfn(gpc->pfn.load(__func__))) {
      const hva_t uhva = gpc->uhva.load(__func__);
      if (uhva >= start && uhva < end) {
        gpc->valid.store(false, __func__);
        if (gpc->guest_uses_pa && std::find(evict.begin(), evict.end(), gpc->vcpu) == evict.end())
          evict.push_back(gpc->vcpu);
      }
    }
    gpc->lock->write_unlock(__func__);
  }
  kvm->gpc_lock.unlock(__func__);
  if (evict.empty()) return;
  uint32_t req = f.evict_without_request ? KVM_REQ_OUTSIDE_GUEST_MODE : KVM_REQ_GPC_INVALIDATE;
  // The OOM reaper cannot wait; the vCPUs are expected to be gone.
  if (!may_block) req &= ~KVM_REQUEST_WAIT;
  const bool called = kvm_make_vcpus_request_mask(kvm, req, evict);
  sim::warn_on(called && !may_block, "gfn_to_pfn_cache_invalidate_start",
               "WARN_ON_ONCE(called && !may_block)");
}

}  // namespace model

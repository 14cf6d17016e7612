// SPDX-License-Identifier: GPL-2.0-only
// Kernel states the model can run as. Model code branches on the named
// features below, never on the variant's name; each feature names the commit
// that introduced it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace model {

struct Commit {
  std::string id;
  std::string title;
};

// x86 MMIO SPTE generation layout (arch/x86/kvm/mmu.c).
enum class MmioGenLayout {
  // 3.11 (f8f559422b6c) .. 3.16: 19 bits; SPTE bits 3-11 <- gen 0-8, 52-61 <- gen 9-18.
  gen19,
  // ee3d1570b586 (3.17) .. 5.0: 20 bits with bit 0 presumed zero; SPTE bits
  // 3-11 <- gen 1-9, 52-61 <- gen 10-19.
  gen20_low_bit_dropped,
  // cae7ed3c2cb0: MMIO_SPTE_GEN_MASK = GENMASK_ULL(19, 1), shifted right by
  // MMIO_SPTE_GEN_SHIFT (1) and meant to land in SPTE bits 3-11 and 52-61,
  // but the high field is filled (and read back) without the shift by the 9
  // low bits, so it holds gen bits 1-10 (fixed by 34c0f6f2695a in 5.11).
  genmask20_high_unshifted,
  // 164bf7e56c5a .. 5.4: GENMASK_ULL(18, 0), no shift; the same missing shift.
  genmask19_high_unshifted,
};

// How install_new_memslots marks "update in progress" in the generation.
enum class InProgressFlag {
  none,            // before ee3d1570b586: bumped once, before publish
  odd_generation,  // ee3d1570b586: +1 (odd) before publish, the rest after SRCU
  bit0,            // 361209e054a2: KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS = BIT_ULL(0)
  bit63,           // 164bf7e56c5a: the flag moves to BIT_ULL(63)
};

// When kvm_mmu_invalidate_mmio_sptes decides the MMIO generation wrapped.
enum class MmioWrapCheck {
  at_max_gen,                 // f8f559422b6c: current MMIO gen >= MMIO_MAX_GEN
  at_zero,                    // 00f034a12f: MMIO gen == 0
  at_zero_any_address_space,  // e1359e2beb8b: strip the flag and address-space bits first
};

// What a detected wrap zaps.
enum class MmioWrapResponse {
  zap_all_pages,   // kvm_mmu_invalidate_zap_all_pages: every shadow page (fast invalidate)
  zap_mmio_sptes,  // 5.1 kvm_mmu_zap_mmio_sptes: only pages holding MMIO SPTEs
};

// How kvm_arch_flush_shadow_all zaps every shadow page.
enum class FlushShadowAll {
  // 5304b8d37c2a / 6ca18b6950f8 ("KVM: MMU: fast invalidate all pages",
  // "KVM: x86: use the fast way to invalidate all pages", 3.11):
  // kvm_mmu_invalidate_zap_all_pages bumps mmu_valid_gen and
  // kvm_zap_obsolete_pages walks back from the oldest page.
  invalidate_zap_all_pages,
  // 7390de1e99a7 and ea145aacf4ae (the reverts, 5.1 merge window):
  // kvm_mmu_zap_all walks forward over every page.
  zap_all,
};

// virt/kvm/pfncache.c, from 982ed0de4753 ("KVM: Reinstate gfn_to_pfn_cache
// with invalidation support", 5.17). Each flag names the commit that set it.
struct Pfncache {
  bool present = false;  // 982ed0de4753
  // 79593c086eb9 ("KVM: avoid double put_page with gfn-to-pfn cache",
  // 5.18-rc1): refresh sets pfn = KVM_PFN_ERR_FAULT when the uhva becomes an
  // error HVA, so unmap does not release the page a second time.
  bool error_hva_resets_pfn = false;
  // df06dae3f2a8 ("KVM: Don't actually set a request when evicting vCPUs for
  // GFN cache invd", 5.18-rc1): KVM_REQ_OUTSIDE_GUEST_MODE kicks and waits
  // without setting a bit in vcpu->requests (KVM_REQUEST_NO_ACTION).
  bool evict_without_request = false;
  // Sean Christopherson's series, merged for 6.0: the refresh as 58cd407ca4c6
  // ("KVM: Fix multiple races in gfn=>pfn cache refresh") wrote it, on top
  // of 93984f19e7bc ("KVM: Fully serialize gfn=>pfn cache refresh via
  // mutex": gpc->refresh_lock around refresh and unmap), 3ba2c95ea180 ("KVM:
  // Do not incorporate page offset into gfn=>pfn cache user address") and
  // 3dddf65b4f4c ("KVM: Put the extra pfn reference when reusing a pfn in
  // the gpc cache"). hva_to_pfn_retry retries while
  // mn_active_invalidate_count != 0, releases the pfn of a retried
  // iteration, maps outside the lock, and sets valid only with the final
  // pfn and khva. One body, one flag: the four commits rewrote the same
  // function and the model has it only as merged.
  bool refresh_reworked = false;
  // Until 85165781c5d9 ("KVM: Do not pin pages tracked by gfn=>pfn caches",
  // 6.0) the cache holds the page reference hva_to_pfn took.
  bool pins_page = true;
  // ecbcf030b456 ("KVM: Reject attempts to consume or refresh inactive
  // gfn_to_pfn_cache", 6.1): check and refresh fail when !active; activate
  // sets active under gpc->lock after the list add, deactivate clears it
  // first.
  bool active_rules = false;
  // 8332f0ed4f18 ("KVM: Update gfn_to_pfn_cache khva when it moves within
  // the same page", 6.1; Fixes: 3ba2c95ea180): a refresh to another offset in
  // the same, still valid page moves khva to the new offset.
  bool khva_follows_offset = false;
  // 52491a38b2c2 ("KVM: Initialize gfn_to_pfn_cache locks in dedicated
  // helper", 6.1): the locks are initialised once (kvm_gpc_init), not on
  // every activation.
  bool locks_initialized_once = false;
};

// A kernel state: model/variants/kernel-states.json sets every value, a
// user's --variants-file adds states, --feature overrides values at run
// time (registry.hpp). Only the fields below "the features" are read by the
// model.
struct Variant {
  std::string name;     // "v3.16"
  std::string base;     // the state this one extends ("" for the first)
  std::string version;  // the mainline release it mirrors, or its base
  std::vector<Commit> commits;  // the commits that make this state what it is
  std::string notes;            // what was looked up to model it
  // A series posted to the list and not merged: a state to review it by.
  bool proposed = false;
  // The state of model/variants/kernel-states.json this one is, or is
  // derived from (a user's state or --feature); a trace of a derived state
  // records how it differs (registry.hpp: variant_definition).
  std::string builtin;
  // The variants file a user's state was read from ("" for a built-in one).
  std::string file;

  // The features. Each is named in features.cpp, where variants files and
  // --feature spell it.

  // 4bd518f1598d (4.2): x86 has a normal and an SMM address space, each
  // with its own memslots and generation.
  unsigned address_spaces = 1;
  InProgressFlag in_progress_flag = InProgressFlag::none;
  // kvm_create_vm: generation of address space i = base + i * stride.
  // -150 is 69c9ea93ea's wrap test hack as moved there by 00f034a12f;
  // 0e32958ec449 removed it.
  int64_t initial_generation_base = 0;
  uint64_t initial_generation_stride = 0;
  // 152482580a1b: kvm_arch_memslots_updated(kvm, gen) runs before the final
  // generation is stored.
  bool arch_hook_before_final_generation = false;

  MmioGenLayout mmio_gen_layout = MmioGenLayout::gen19;
  // 69c9ea93ea biases kvm_current_mmio_generation by MMIO_MAX_GEN - 150;
  // 00f034a12f drops the bias.
  bool mmio_generation_biased = false;
  // cae7ed3c2cb0: check_mmio_spte tests the in-progress flag explicitly.
  bool check_mmio_spte_tests_in_progress = false;
  MmioWrapCheck mmio_wrap_check = MmioWrapCheck::at_max_gen;
  MmioWrapResponse mmio_wrap_response = MmioWrapResponse::zap_all_pages;
  // 56f17dd3fbc4: the per-vCPU MMIO cache records and checks the generation.
  bool mmio_cache_checks_generation = false;
  // ddfd1730fd82: vcpu_cache_mmio_info caches nothing while the generation
  // says "update in progress".
  bool mmio_cache_skips_in_flux = false;
  // 4e103134b862: kvm_arch_flush_shadow_memslot zaps only the slot's pages.
  bool flush_memslot_zaps_slot_only = false;
  FlushShadowAll flush_shadow_all = FlushShadowAll::invalidate_zap_all_pages;
  // 83cdb56864: __kvm_mmu_prepare_zap_page returns whether
  // active_mmu_pages became unstable (children were zapped) and passes the
  // number zapped out; kvm_mmu_zap_all restarts only when unstable. Before,
  // it restarted whenever kvm_mmu_prepare_zap_page's count (children + 1
  // for the page itself, 54a4f0239f2e) was non-zero.
  bool prepare_zap_reports_list_unstable = false;

  // The model's x86 MMU (MMIO SPTEs, the per-vCPU MMIO cache, shadow pages)
  // mirrors kernels up to 5.1; later states model virt/kvm/pfncache.c and
  // the MMU notifier instead, and refuse scenarios that need the MMU.
  bool models_x86_mmu = true;
  // 52ac8b358b0c ("KVM: Block memslot updates across range_start() and
  // range_end()"): the memslot updater waits for mn_active_invalidate_count
  // to reach 0 before it publishes.
  bool memslot_publish_waits_for_invalidations = false;
  Pfncache pfncache;
};

// Every state, in kernel-history order, then those of --variants-file in
// their files' order, each with the --feature overrides applied.
const std::vector<Variant>& all_variants();

// Looks a state up by name among all_variants(); throws sim::InputError
// naming the known ones.
const Variant& find_variant(const std::string& name);

}  // namespace model

#include "model/variants.hpp"

#include "sim/json_input.hpp"

namespace model {

namespace {

// The February 2019 series (Sean Christopherson, merged for 5.1), one
// commit at a time in merge order. Each entry lists the commit it adds; the
// variant carries every earlier one too.
const Commit k152482580a1b = {"152482580a1b",
                              "KVM: Call kvm_arch_memslots_updated() before updating memslots"};
// The id of patch 02 is recalled, not found in any stored source; its title
// and its place (right after 152482580a1b) are from the 5.1 pull request.
const Commit ke1359e2beb8b = {"e1359e2beb8b",
                              "KVM: x86/mmu: Detect MMIO generation wrap in any address space"};
const Commit kddfd1730fd82 = {"ddfd1730fd82",
                              "KVM: x86/mmu: Do not cache MMIO accesses while memslots are in flux"};
const Commit k361209e054a2 = {"361209e054a2",
                              "KVM: Explicitly define the \"memslot update in-progress\" bit"};
const Commit kcae7ed3c2cb0 = {"cae7ed3c2cb0",
                              "KVM: x86: Refactor the MMIO SPTE generation handling"};
const Commit k0e32958ec449 = {"0e32958ec449",
                              "KVM: Remove the hack to trigger memslot generation wraparound"};
const Commit k164bf7e56c5a = {"164bf7e56c5a",
                              "KVM: Move the memslot update in-progress flag to bit 63"};

std::vector<Variant> build() {
  std::vector<Variant> v;
  v.push_back({
      .name = "v3.16",
      .version = "3.16",
      .commits = {{"f8f559422b6c", "KVM: MMU: fast invalidate all mmio sptes"},
                  {"69c9ea93ea", "KVM: MMU: init kvm generation close to mmio wrap-around value"}},
      .notes = "Memslots generation bumped once, in update_memslots, before the new array is "
               "published (seed 004, removed lines). kvm_current_mmio_generation adds "
               "MMIO_MAX_GEN - 150 (function text found by search). The memslots struct is "
               "zero-allocated, so the generation starts at 0. The per-vCPU MMIO cache has no "
               "generation (56f17dd3fbc4 added it). kvm_arch_flush_shadow_all is fast invalidate "
               "(5304b8d37c2a, 6ca18b6950f8, 2013, named in Sean Christopherson's Sep 2019 fast "
               "zap text); its kvm_zap_obsolete_pages is modeled as read in 4.19, the 3.16 body "
               "is not read.",
      .address_spaces = 1,
      .in_progress_flag = InProgressFlag::none,
      .initial_generation_base = 0,
      .initial_generation_stride = 0,
      .arch_hook_before_final_generation = false,
      .mmio_gen_layout = MmioGenLayout::gen19,
      .mmio_generation_biased = true,
      .check_mmio_spte_tests_in_progress = false,
      .mmio_wrap_check = MmioWrapCheck::at_max_gen,
      .mmio_wrap_response = MmioWrapResponse::zap_all_pages,
      .mmio_cache_checks_generation = false,
      .mmio_cache_skips_in_flux = false,
      .flush_memslot_zaps_slot_only = false,
      .flush_shadow_all = FlushShadowAll::invalidate_zap_all_pages,
      .prepare_zap_reports_list_unstable = false,
  });

  Variant v317 = v.back();
  v317.name = "v3.17";
  v317.version = "3.17";
  v317.commits = {{"00f034a12f", "KVM: do not bias the generation number in "
                                 "kvm_current_mmio_generation"},
                  {"ee3d1570b586", "kvm: fix potentially corrupt mmio cache"},
                  {"56f17dd3fbc4", "kvm: x86: fix stale mmio cache bug"}};
  v317.notes =
      "The three patches of Paolo Bonzini's 29 Aug 2014 series (seed 004 is 2/3). 00f034a12f "
      "moves the -150 bias from kvm_current_mmio_generation into the initial memslots "
      "generation, so a stable (even) generation maps to an even MMIO generation, and makes the "
      "wrap test '== 0' (the seed's review: 'This should be in patch 1/3'; seed 001 describes "
      "the move; a 4.2-era kvm_alloc_memslots found by search still initialises to -150). With "
      "one address space, +1 before publish and +1 after synchronize_srcu_expedited is 4.x's "
      "+1 / +(2N-1) with N = 1.";
  v317.in_progress_flag = InProgressFlag::odd_generation;
  v317.initial_generation_base = -150;
  v317.mmio_gen_layout = MmioGenLayout::gen20_low_bit_dropped;
  v317.mmio_generation_biased = false;
  v317.mmio_wrap_check = MmioWrapCheck::at_zero;
  v317.mmio_cache_checks_generation = true;
  v.push_back(v317);

  Variant v419 = v.back();
  v419.name = "v4.19";
  v419.version = "4.19";
  v419.commits = {{"4bd518f1598d", "KVM: use separate generations for each address space"}};
  v419.notes =
      "Read from a 4.19 kvm_main.c and mmu.c: kvm_create_vm sets address space i to i*2 - 150; "
      "install_new_memslots WARNs on an odd old generation, stores old+1, publishes, waits for "
      "SRCU, adds KVM_ADDRESS_SPACE_NUM*2 - 1 in the published array and only then calls "
      "kvm_arch_memslots_updated(kvm, slots), whose x86 side zaps all pages when "
      "(slots->generation & MMIO_GEN_MASK) == 0. kvm_current_mmio_generation(vcpu) reads "
      "kvm_vcpu_memslots without bias; vcpu_cache_mmio_info and vcpu_match_mmio_gen read "
      "kvm_memslots(kvm), i.e. address space 0, whichever space the vCPU runs in (still so in "
      "5.1 and 6.x x86.h); enter_smm and kvm_smm_changed reset the MMU context, which does not "
      "clear the per-vCPU MMIO cache. DELETE and MOVE publish twice (KVM_MEMSLOT_INVALID copy, "
      "then kvm_arch_flush_shadow_memslot, which zaps all pages), CREATE and FLAGS_ONLY once.";
  v419.address_spaces = 2;
  v419.initial_generation_stride = 2;
  v.push_back(v419);

  auto step = [&v](const Commit& c, const char* notes) -> Variant& {
    Variant next = v.back();
    next.name = "v5.0+" + c.id;
    next.version = "5.0";
    next.commits = {c};
    next.notes = notes;
    v.push_back(next);
    return v.back();
  };
  step(k152482580a1b,
       "The new generation is computed into a local, passed to kvm_arch_memslots_updated(kvm, "
       "gen) and stored only afterwards, so the wrap zap happens before a vCPU can see the "
       "wrapped value. x86 tests (gen & MMIO_GEN_MASK) == 0 on the passed value.")
      .arch_hook_before_final_generation = true;
  step(ke1359e2beb8b,
       "kvm_mmu_invalidate_mmio_sptes masks the passed generation to MMIO_GEN_MASK, shifts out "
       "the in-progress bit and clears the address-space bits before testing for zero, so "
       "address space 0 (which runs 2 mod 4 from -150 and never reaches 0 mod 2^20) is "
       "detected too. Body read from a copy of the function; the commit id e1359e2beb8b is "
       "from memory (no stored source names it), the order from the 5.1 pull request.")
      .mmio_wrap_check = MmioWrapCheck::at_zero_any_address_space;
  step(kddfd1730fd82,
       "vcpu_cache_mmio_info reads kvm_memslots(kvm)->generation first and caches nothing when "
       "bit 0 is set. Fixes: 56f17dd3fbc4.")
      .mmio_cache_skips_in_flux = true;
  step(k361209e054a2,
       "Refactor, read at torvalds/linux 361209e054a2: KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS = "
       "BIT_ULL(0); install_new_memslots stores gen | flag, then computes (gen & ~flag) + 2N; "
       "the initial value is still i*2 - 150. Same values as its parent (kvmsim equiv).")
      .in_progress_flag = InProgressFlag::bit0;
  {
    Variant& c = step(kcae7ed3c2cb0,
                      "Read at torvalds/linux cae7ed3c2cb0: MMIO_SPTE_GEN_MASK = GENMASK_ULL(19, "
                      "1), MMIO_SPTE_GEN_SHIFT 1, fields at SPTE bits 3-11 and 52-61; "
                      "mark_mmio_spte stores generation & MMIO_SPTE_GEN_MASK and check_mmio_spte "
                      "returns false while the in-progress flag is set. Both directions of the "
                      "high field lack the shift by 9, so it holds gen bits 1-10 (34c0f6f2695a "
                      "\"KVM: mmu: Fix SPTE encoding of MMIO generation upper half\", 5.11): an "
                      "MMIO SPTE matches only while gen bits 11-19 are 0. Includes the type-only "
                      "patch before it (\"KVM: x86: Use a u64 when passing the MMIO gen "
                      "around\", id not found).");
    c.mmio_gen_layout = MmioGenLayout::genmask20_high_unshifted;
    c.check_mmio_spte_tests_in_progress = true;
  }
  step(k0e32958ec449,
       "kvm_create_vm sets address space i to i*2: the -150 hack is gone (the expression is "
       "inferred: i*2 - 150 at 361209e054a2, i at 164bf7e56c5a, and seed 001's text).")
      .initial_generation_base = 0;
  {
    Variant& c = step(k164bf7e56c5a,
                      "KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS = BIT_ULL(63); address space i starts at "
                      "i and each update adds KVM_ADDRESS_SPACE_NUM; MMIO_SPTE_GEN_MASK = "
                      "GENMASK_ULL(18, 0) without shift (the high field still unshifted: a match "
                      "needs gen bits 10-18 to be 0). kvm_mmu_invalidate_mmio_sptes WARNs on the "
                      "flag (present in 5.1, absent at cae7ed3c2cb0).");
    c.in_progress_flag = InProgressFlag::bit63;
    c.initial_generation_stride = 1;
    c.mmio_gen_layout = MmioGenLayout::genmask19_high_unshifted;
  }
  Variant reverts = v.back();
  reverts.name = "v5.0+ea145aacf4ae";
  reverts.commits = {{"4e103134b862", "KVM: x86/mmu: Zap only the relevant pages when removing a "
                                      "memslot"},
                     {"4771450c345d", "Revert \"KVM: MMU: drop kvm_mmu_zap_mmio_sptes\""},
                     {"571c5af06e30", "KVM: x86/mmu: Voluntarily reschedule as needed when "
                                      "zapping MMIO sptes"},
                     {"7390de1e99a7", "Revert \"KVM: x86: use the fast way to invalidate all "
                                      "pages\""},
                     {"ea145aacf4ae", "Revert \"KVM: MMU: fast invalidate all pages\""}};
  reverts.notes =
      "The series from \"Move slot_level_*() helper functions up a few lines\" through the "
      "second revert, in the order of the 5.1 pull request (the two refactors before "
      "4e103134b862, the documentation and tracepoint reverts and \"Remove is_obsolete() "
      "call\" change no modeled step): deleting or moving a slot zaps only that slot's pages; a wrap zaps only the "
      "shadow pages holding MMIO SPTEs (__kvm_mmu_zap_all(kvm, true), the sp->mmio_cached walk; "
      "read from the removed side of a Sep 2019 patch); fast invalidate is reverted, so "
      "kvm_arch_flush_shadow_all calls kvm_mmu_zap_all, which skips invalid roots (\"KVM: "
      "x86/mmu: skip over invalid root pages when zapping all sptes\"), restarts whenever "
      "kvm_mmu_prepare_zap_page returns non-zero and after cond_resched_lock dropped mmu_lock "
      "(\"Voluntarily reschedule as needed when zapping all sptes\"; ids of these two not "
      "found). The kvm_mmu_zap_all body is inferred: the 5.1 body (read in later diffs) with "
      "83cdb56864's change undone. The revert ids and titles are from Sean Christopherson's "
      "Sep 2019 \"Reintroduce fast invalidate/zap for flushing memslot\" text. In the "
      "leaf-only SPTE tables of this model a slot flush clears the SPTEs of the slot's gfns "
      "and a wrap clears the MMIO SPTEs.";
  reverts.mmio_wrap_response = MmioWrapResponse::zap_mmio_sptes;
  reverts.flush_memslot_zaps_slot_only = true;
  reverts.flush_shadow_all = FlushShadowAll::zap_all;
  v.push_back(reverts);

  Variant v51 = v.back();
  v51.name = "v5.1";
  v51.version = "5.1";
  v51.commits = {{"83cdb56864", "KVM: x86/mmu: Differentiate between nr zapped and list unstable"}};
  v51.notes =
      "The end of the series: kvm_mmu_zap_all restarts only when __kvm_mmu_prepare_zap_page "
      "reports that zapping children made active_mmu_pages unstable (or after a lock drop). "
      "The last two patches (\"WARN if zapping a MMIO spte results in zapping children\", "
      "\"Consolidate kvm_mmu_zap_all() and kvm_mmu_zap_mmio_sptes()\") change no modeled "
      "step.";
  v51.prepare_zap_reports_list_unstable = true;
  v.push_back(v51);
  return v;
}

}  // namespace

const std::vector<Variant>& all_variants() {
  static const std::vector<Variant> variants = build();
  return variants;
}

const Variant& find_variant(const std::string& name) {
  std::string known;
  for (const auto& v : all_variants()) {
    if (v.name == name) return v;
    known += (known.empty() ? "" : ", ") + v.name;
  }
  throw sim::InputError("unknown variant '" + name + "' (known: " + known + ")");
}

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
#include "model/variants/variants.hpp"

#include "sim/json_input.hpp"

namespace model {

namespace {

// The February 2019 series (Sean Christopherson, merged for 5.1), one
// commit at a time in merge order. Each entry lists the commit it adds; the
// variant carries every earlier one too.
const Commit k152482580a1b = {"152482580a1b",
                              "KVM: Call kvm_arch_memslots_updated() before updating memslots"};
// Patch 02's title and place (right after 152482580a1b) are from the 5.1
// pull request; its id is the parent named in ddfd1730fd82's commit header.
const Commit ke1359e2beb8b = {"e1359e2beb8b",
                              "KVM: x86/mmu: Detect MMIO generation wrap in any address space"};
const Commit kddfd1730fd82 = {
    "ddfd1730fd82", "KVM: x86/mmu: Do not cache MMIO accesses while memslots are in flux"};
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
      .notes = "virt/kvm/kvm_main.c as ee3d1570b586's diff removes it: update_memslots sets "
               "the generation to the old one + 1 before install_new_memslots publishes the new "
               "array, and nothing changes it afterwards. arch/x86/kvm/mmu.c: "
               "kvm_current_mmio_generation adds MMIO_MAX_GEN - 150 (69c9ea93ea) and "
               "kvm_mmu_invalidate_mmio_sptes zaps all pages once that reaches MMIO_MAX_GEN. The "
               "memslots struct is zero-allocated, so the generation starts at 0. The per-vCPU "
               "MMIO cache (x86.h) has no generation (56f17dd3fbc4 added it). "
               "kvm_arch_flush_shadow_all is fast invalidate (5304b8d37c2a, 6ca18b6950f8, 2013, "
               "named in Sean Christopherson's Sep 2019 \"Reintroduce fast invalidate/zap for "
               "flushing memslot\"); its kvm_zap_obsolete_pages is modeled as in 4.19's mmu.c, "
               "the 3.16 body is not read.",
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
      .models_x86_mmu = true,
      .memslot_publish_waits_for_invalidations = false,
      .pfncache = {},
  });

  // Each later state is the one before it plus its commits; the caller sets
  // the features those commits change. The reference is valid until the
  // next call.
  auto next = [&v](std::string name, std::string version, std::vector<Commit> commits,
                   std::string notes) -> Variant& {
    Variant n = v.back();
    n.name = std::move(name);
    n.version = std::move(version);
    n.commits = std::move(commits);
    n.notes = std::move(notes);
    v.push_back(std::move(n));
    return v.back();
  };

  {
    Variant& v317 = next(
        "v3.17", "3.17",
        {{"00f034a12f",
          "KVM: do not bias the generation number in "
          "kvm_current_mmio_generation"},
         {"ee3d1570b586", "kvm: fix potentially corrupt mmio cache"},
         {"56f17dd3fbc4", "kvm: x86: fix stale mmio cache bug"}},
        "The three patches of Paolo Bonzini's 29 Aug 2014 series on kvm@vger.kernel.org "
        "(ee3d1570b586 is 2/3). 00f034a12f moves the -150 bias from kvm_current_mmio_generation "
        "into the initial memslots generation, so a stable (even) generation maps to an even "
        "MMIO generation, and makes the wrap test '== 0' (a reply to patch 2/3, which carried "
        "that hunk: 'This should be in patch 1/3'; 0e32958ec449's message describes the move; "
        "kvm_alloc_memslots in a 4.2-era virt/kvm/kvm_main.c still initialises to -150). "
        "ee3d1570b586's install_new_memslots adds 1 before publishing and 1 after "
        "synchronize_srcu_expedited: 4.x's +1 / +(2N-1) with one address space. 56f17dd3fbc4 "
        "tags the per-vCPU MMIO cache with the generation.");
    v317.in_progress_flag = InProgressFlag::odd_generation;
    v317.initial_generation_base = -150;
    v317.mmio_gen_layout = MmioGenLayout::gen20_low_bit_dropped;
    v317.mmio_generation_biased = false;
    v317.mmio_wrap_check = MmioWrapCheck::at_zero;
    v317.mmio_cache_checks_generation = true;
  }

  {
    Variant& v419 = next(
        "v4.19", "4.19", {{"4bd518f1598d", "KVM: use separate generations for each address space"}},
        "Read from 4.19's virt/kvm/kvm_main.c and arch/x86/kvm/mmu.c: kvm_create_vm sets address space i to i*2 - 150; "
        "install_new_memslots WARNs on an odd old generation, stores old+1, publishes, waits for "
        "SRCU, adds KVM_ADDRESS_SPACE_NUM*2 - 1 in the published array and only then calls "
        "kvm_arch_memslots_updated(kvm, slots), whose x86 side zaps all pages when "
        "(slots->generation & MMIO_GEN_MASK) == 0. kvm_current_mmio_generation(vcpu) reads "
        "kvm_vcpu_memslots without bias; vcpu_cache_mmio_info and vcpu_match_mmio_gen read "
        "kvm_memslots(kvm), i.e. address space 0, whichever space the vCPU runs in (still so in "
        "5.1 and 6.x x86.h); enter_smm and kvm_smm_changed reset the MMU context, which does not "
        "clear the per-vCPU MMIO cache. DELETE and MOVE publish twice (KVM_MEMSLOT_INVALID copy, "
        "then kvm_arch_flush_shadow_memslot, which zaps all pages), CREATE and FLAGS_ONLY once.");
    v419.address_spaces = 2;
    v419.initial_generation_stride = 2;
  }

  auto step = [&next](const Commit& c, const char* notes) -> Variant& {
    return next("v5.0+" + c.id, "5.0", {c}, notes);
  };
  step(k152482580a1b,
       "virt/kvm/kvm_main.c's install_new_memslots computes the new generation into a local, "
       "passes it to kvm_arch_memslots_updated(kvm, gen) and stores it only afterwards, so the wrap zap happens before a vCPU can see the "
       "wrapped value. arch/x86/kvm/mmu.c tests (gen & MMIO_GEN_MASK) == 0 on the passed "
       "value.")
      .arch_hook_before_final_generation = true;
  step(ke1359e2beb8b,
       "kvm_mmu_invalidate_mmio_sptes masks the passed generation to MMIO_GEN_MASK, shifts out "
       "the in-progress bit and clears the address-space bits before testing for zero, so "
       "address space 0 (which runs 2 mod 4 from -150 and never reaches 0 mod 2^20) is "
       "detected too. Body read from a copy of the arch/x86/kvm/mmu.c function; the id "
       "e1359e2beb8b is the parent named in ddfd1730fd82's commit header, the order from the "
       "5.1 pull request.")
      .mmio_wrap_check = MmioWrapCheck::at_zero_any_address_space;
  step(kddfd1730fd82,
       "arch/x86/kvm/x86.h: vcpu_cache_mmio_info reads kvm_memslots(kvm)->generation first and caches nothing when "
       "bit 0 is set. Fixes: 56f17dd3fbc4.")
      .mmio_cache_skips_in_flux = true;
  step(k361209e054a2,
       "Refactor, read at 361209e054a2 (include/linux/kvm_host.h, virt/kvm/kvm_main.c, "
       "arch/x86/kvm/x86.h): KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS = BIT_ULL(0); "
       "install_new_memslots stores gen | flag, then computes (gen & ~flag) + 2N; "
       "the initial value is still i*2 - 150. Same values as its parent (kvmsim equiv).")
      .in_progress_flag = InProgressFlag::bit0;
  {
    Variant& c = step(kcae7ed3c2cb0,
                      "arch/x86/kvm/mmu.c read at cae7ed3c2cb0: MMIO_SPTE_GEN_MASK = "
                      "GENMASK_ULL(19, 1), MMIO_SPTE_GEN_SHIFT 1, fields at SPTE bits 3-11 and 52-61; "
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
       "virt/kvm/kvm_main.c: kvm_create_vm sets address space i to i*2: the -150 hack is gone (the expression is "
       "inferred: i*2 - 150 at 361209e054a2, i at 164bf7e56c5a, and 0e32958ec449's message, "
       "which removes the offset).")
      .initial_generation_base = 0;
  {
    Variant& c = step(k164bf7e56c5a,
                      "include/linux/kvm_host.h: KVM_MEMSLOT_GEN_UPDATE_IN_PROGRESS = "
                      "BIT_ULL(63); virt/kvm/kvm_main.c: address space i starts at i and each "
                      "update adds KVM_ADDRESS_SPACE_NUM; arch/x86/kvm/mmu.c: MMIO_SPTE_GEN_MASK = "
                      "GENMASK_ULL(18, 0) without shift (the high field still unshifted: a match "
                      "needs gen bits 10-18 to be 0). kvm_mmu_invalidate_mmio_sptes WARNs on the "
                      "flag (present in 5.1, absent at cae7ed3c2cb0).");
    c.in_progress_flag = InProgressFlag::bit63;
    c.initial_generation_stride = 1;
    c.mmio_gen_layout = MmioGenLayout::genmask19_high_unshifted;
  }
  {
    Variant& reverts = next(
        "v5.0+ea145aacf4ae", "5.0",
        {{"4e103134b862",
          "KVM: x86/mmu: Zap only the relevant pages when removing a "
          "memslot"},
         {"4771450c345d", "Revert \"KVM: MMU: drop kvm_mmu_zap_mmio_sptes\""},
         {"571c5af06e30",
          "KVM: x86/mmu: Voluntarily reschedule as needed when "
          "zapping MMIO sptes"},
         {"7390de1e99a7",
          "Revert \"KVM: x86: use the fast way to invalidate all "
          "pages\""},
         {"ea145aacf4ae", "Revert \"KVM: MMU: fast invalidate all pages\""}},
        "The series from \"Move slot_level_*() helper functions up a few lines\" through the "
        "second revert, in the order of the 5.1 pull request (the two refactors before "
        "4e103134b862, the documentation and tracepoint reverts and \"Remove is_obsolete() "
        "call\" change no modeled step), all in arch/x86/kvm/mmu.c: deleting or moving a slot zaps only that slot's pages; a "
        "wrap zaps only the "
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
        "and a wrap clears the MMIO SPTEs.");
    reverts.mmio_wrap_response = MmioWrapResponse::zap_mmio_sptes;
    reverts.flush_memslot_zaps_slot_only = true;
    reverts.flush_shadow_all = FlushShadowAll::zap_all;
  }

  {
    Variant& v51 =
        next("v5.1", "5.1",
             {{"83cdb56864", "KVM: x86/mmu: Differentiate between nr zapped and list unstable"}},
             "The end of the series: arch/x86/kvm/mmu.c's kvm_mmu_zap_all restarts only when "
             "__kvm_mmu_prepare_zap_page "
             "reports that zapping children made active_mmu_pages unstable (or after a lock drop). "
             "The last two patches (\"WARN if zapping a MMIO spte results in zapping children\", "
             "\"Consolidate kvm_mmu_zap_all() and kvm_mmu_zap_mmio_sptes()\") change no modeled "
             "step.");
    v51.prepare_zap_reports_list_unstable = true;
  }

  // The gfn_to_pfn_cache states. The memslot code they run is the 5.1
  // model plus the 5.13 wait for invalidations; the generation rules it
  // mirrors (bit 63 in progress, += KVM_ADDRESS_SPACE_NUM) did not change
  // through 6.1, the memslot data structures did (not modeled).
  {
    Variant& gpc = next(
        "pfncache-982ed0de4753", "5.17",
        {{"52ac8b358b0c",
          "KVM: Block memslot updates across range_start() and "
          "range_end()"},
         {"982ed0de4753", "KVM: Reinstate gfn_to_pfn_cache with invalidation support"}},
        "virt/kvm/pfncache.c as committed, rebuilt from the v4 posting (20 Nov 2021) plus David "
        "Woodhouse's 9 Dec 2021 incremental folded into it: refresh marks the cache valid with pfn "
        "KVM_PFN_ERR_FAULT and khva NULL before dropping gpc->lock; hva_to_pfn_retry retries on "
        "mmu_notifier_retry_hva without releasing the pfn of the failed try; a refresh that gets "
        "the old pfn back reuses the old khva and keeps both references; uhva includes the page "
        "offset; the cache holds the page reference. invalidate_range_start raises "
        "mn_active_invalidate_count, calls gfn_to_pfn_cache_invalidate_start, and only then "
        "raises mmu_notifier_count under mmu_lock. KVM_REQ_GPC_INVALIDATE sets bit 5 of "
        "vcpu->requests, which no x86 code clears; kvm_vcpu_exit_request cancels VM entry while "
        "any request is pending. x86's mmu_lock is a rwlock in 5.17 and hva_to_pfn_retry takes it "
        "for read; the model's is a spinlock (only two refreshers' checks lose concurrency). The "
        "x86 MMU model stops at 5.1, so MMIO and zap scenarios do not run here. Sources and the "
        "[U] choices: docs/pfncache-history.md.");
    gpc.models_x86_mmu = false;
    gpc.memslot_publish_waits_for_invalidations = true;
    gpc.pfncache.present = true;
  }

  {
    Variant& v518 = next(
        "v5.18", "5.18",
        {{"79593c086eb9", "KVM: avoid double put_page with gfn-to-pfn cache"},
         {"df06dae3f2a8",
          "KVM: Don't actually set a request when evicting vCPUs for "
          "GFN cache invd"}},
        "Both fixes came with the 5.18 merge window pull (79593c086eb9 also went to 5.17.2). "
        "\"Remove dirty handling from gfn_to_pfn_cache completely\" (cf1d88b36ba7) and the usage "
        "enum (d0d96121d03d) of the same pull change no modeled step. pfncache.c as of 5.18 "
        "still marks the cache valid speculatively and has no refresh_lock.");
    v518.pfncache.error_hva_resets_pfn = true;
    v518.pfncache.evict_without_request = true;
  }

  {
    Variant& v60 = next(
        "v6.0", "6.0",
        {{"3dddf65b4f4c",
          "KVM: Put the extra pfn reference when reusing a pfn in the "
          "gpc cache"},
         {"3ba2c95ea180",
          "KVM: Do not incorporate page offset into gfn=>pfn cache user "
          "address"},
         {"93984f19e7bc", "KVM: Fully serialize gfn=>pfn cache refresh via mutex"},
         {"58cd407ca4c6", "KVM: Fix multiple races in gfn=>pfn cache refresh"},
         {"85165781c5d9", "KVM: Do not pin pages tracked by gfn=>pfn caches"}},
        "Sean Christopherson's \"Fix mmu_notifier vs. pfncache vs. pfncache races\" (v3, Apr "
        "2022), "
        "merged for 6.0, not 5.19 (the 6.0 pull: \"patches that had come in too late for 5.19\"); "
        "two of them reached 5.18.y and 5.19.y. Its first patch (345b0fd6fe5f, drop an unused "
        "parameter) changes no step. The refresh body follows a 6.x virt/kvm/pfncache.c with "
        "the 6.1 active test removed.");
    v60.pfncache.refresh_reworked = true;
    v60.pfncache.pins_page = false;
  }

  {
    Variant& v61 = next(
        "v6.1", "6.1",
        {{"52491a38b2c2", "KVM: Initialize gfn_to_pfn_cache locks in dedicated helper"},
         {"ecbcf030b456",
          "KVM: Reject attempts to consume or refresh inactive "
          "gfn_to_pfn_cache"},
         {"8332f0ed4f18",
          "KVM: Update gfn_to_pfn_cache khva when it moves within the "
          "same page"}},
        "Michal Luczaj's and Sean Christopherson's fixes (6.1-rc, also 6.0.8): init and destroy "
        "become kvm_gpc_activate and kvm_gpc_deactivate (the model keeps the 5.17 names), the "
        "locks are set up once, and active is set iff the cache is on gpc_list. David Woodhouse's "
        "8332f0ed4f18 (6.1-rc7, from the kvm-dwmw2-fixes merge) makes a refresh within the same "
        "page move khva to the new offset.");
    v61.pfncache.active_rules = true;
    v61.pfncache.locks_initialized_once = true;
    v61.pfncache.khva_follows_offset = true;
  }
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

#include "model/variants.hpp"

#include "sim/json_input.hpp"

namespace model {

const std::vector<Variant>& all_variants() {
  static const std::vector<Variant> variants = {
      {
          .name = "v3.16",
          .version = "3.16",
          .commits =
              {
                  {"f8f559422b6c", "KVM: MMU: fast invalidate all mmio sptes"},
                  {"69c9ea93ea", "KVM: MMU: init kvm generation close to mmio wrap-around value"},
              },
          .notes = "Memslots generation bumped once, in update_memslots, before the new "
                   "array is published (seed 004, removed lines). kvm_current_mmio_generation "
                   "adds MMIO_MAX_GEN - 150 (function text found by search). The memslots "
                   "struct is zero-allocated, so the generation starts at 0. The per-vCPU "
                   "MMIO cache has no generation (56f17dd3fbc4 added it).",
          .mmio_gen_layout = MmioGenLayout::gen19,
          .memslots_generation_bumped_after_srcu = false,
          .mmio_generation_biased = true,
          .initial_memslots_generation = 0,
          .mmio_wrap_at_zero = false,
          .mmio_cache_checks_generation = false,
      },
      {
          .name = "v3.17",
          .version = "3.17",
          .commits =
              {
                  {"00f034a12f", "KVM: do not bias the generation number in "
                                 "kvm_current_mmio_generation"},
                  {"ee3d1570b586", "kvm: fix potentially corrupt mmio cache"},
                  {"56f17dd3fbc4", "kvm: x86: fix stale mmio cache bug"},
              },
          .notes = "The three patches of Paolo Bonzini's 29 Aug 2014 series (seed 004 is "
                   "2/3). 00f034a12f moves the -150 bias from kvm_current_mmio_generation "
                   "into the initial memslots generation, so a stable (even) generation maps "
                   "to an even MMIO generation, and makes the wrap test '== 0' (the seed's "
                   "review: 'This should be in patch 1/3'; seed 001 describes the move; a "
                   "4.2-era kvm_alloc_memslots found by search still initialises to -150).",
          .mmio_gen_layout = MmioGenLayout::gen20_low_bit_dropped,
          .memslots_generation_bumped_after_srcu = true,
          .mmio_generation_biased = false,
          .initial_memslots_generation = -150,
          .mmio_wrap_at_zero = true,
          .mmio_cache_checks_generation = true,
      },
  };
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

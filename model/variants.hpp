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
  // ee3d1570b586 (3.17): 20 bits with bit 0 presumed zero; SPTE bits 3-11 <- gen 1-9,
  // 52-61 <- gen 10-19.
  gen20_low_bit_dropped,
};

struct Variant {
  std::string name;     // "v3.16"
  std::string version;  // the mainline release it mirrors
  std::vector<Commit> commits;  // the commits that make this state what it is
  std::string notes;            // what was looked up to model it

  MmioGenLayout mmio_gen_layout;
  // ee3d1570b586: install_new_memslots sets the generation odd before publish
  // and increments it again after synchronize_srcu_expedited.
  bool memslots_generation_bumped_after_srcu;
  // 69c9ea93ea biases kvm_current_mmio_generation by MMIO_MAX_GEN - 150;
  // 00f034a12f drops the bias and starts the memslots generation at -150.
  bool mmio_generation_biased;
  int64_t initial_memslots_generation;
  // 00f034a12f: kvm_mmu_invalidate_mmio_sptes zaps when the MMIO generation
  // is 0, not when it reaches MMIO_MAX_GEN.
  bool mmio_wrap_at_zero;
  // 56f17dd3fbc4: the per-vCPU MMIO cache records and checks the generation.
  bool mmio_cache_checks_generation;
};

// Every variant, in kernel-history order.
const std::vector<Variant>& all_variants();

// Looks a variant up by name; throws sim::InputError naming the known ones.
const Variant& find_variant(const std::string& name);

}  // namespace model

// arch/x86/include/asm/kvm_host.h: the x86 parts of struct kvm and struct
// kvm_vcpu the model needs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/sync/shared.hpp"

namespace model {

// The EPT leaf entries, one per guest frame: a minimal shadow page table
// (TDP, direct map) holding RAM and MMIO SPTEs. Intermediate levels and
// shadow-page lifetimes arrive with the shadow-MMU model.
struct kvm_arch {
  explicit kvm_arch(uint64_t nr_gfns) {
    for (uint64_t gfn = 0; gfn < nr_gfns; ++gfn)
      sptes.push_back(std::make_unique<sim::Shared<uint64_t>>(fmt::format("spte[gfn {:#x}]", gfn)));
  }
  std::vector<std::unique_ptr<sim::Shared<uint64_t>>> sptes;
};

// vcpu->arch: the per-vCPU MMIO cache. Only its own vCPU thread touches it,
// so these are plain fields, not shared variables.
struct kvm_vcpu_arch {
  uint64_t mmio_gva = 0;
  unsigned access = 0;
  uint64_t mmio_gfn = 0;
  uint64_t mmio_gen = 0;  // 56f17dd3fbc4
};

}  // namespace model

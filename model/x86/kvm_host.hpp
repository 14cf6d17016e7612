// arch/x86/include/asm/kvm_host.h: the x86 parts of struct kvm and struct
// kvm_vcpu the model needs.
#pragma once

#include <cstdint>
#include <deque>
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
    for (uint64_t gfn = 0; gfn < nr_gfns; ++gfn) sptes.emplace_back(spte_name(gfn));
  }
  // Formatted once per gfn and OS thread: a VM is built for every execution.
  static const std::string& spte_name(uint64_t gfn) {
    static thread_local std::vector<std::string> names;
    while (names.size() <= gfn) names.push_back(fmt::format("spte[gfn {:#x}]", names.size()));
    return names[gfn];
  }
  std::deque<sim::Shared<uint64_t>> sptes;  // deque: built in place, never moved
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

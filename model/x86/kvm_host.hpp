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

// The EPT leaf entries, one per guest frame and address space: a minimal
// shadow page table (TDP, direct map) holding RAM and MMIO SPTEs. The SMM
// address space has roots of its own (role.smm), hence a table of its own.
// Intermediate levels and shadow-page lifetimes arrive with the shadow-MMU
// model.
struct kvm_arch {
  kvm_arch(uint64_t nr_gfns, unsigned tables) : spte_tables(tables) {
    for (unsigned as_id = 0; as_id < tables; ++as_id)
      for (uint64_t gfn = 0; gfn < nr_gfns; ++gfn) sptes[as_id].emplace_back(spte_name(as_id, gfn));
  }
  // Formatted once per gfn and OS thread: a VM is built for every execution.
  static const std::string& spte_name(unsigned as_id, uint64_t gfn) {
    static thread_local std::vector<std::string> names[2];
    auto& n = names[as_id];
    while (n.size() <= gfn)
      n.push_back(as_id ? fmt::format("spte[smm gfn {:#x}]", n.size())
                        : fmt::format("spte[gfn {:#x}]", n.size()));
    return n[gfn];
  }
  unsigned spte_tables;  // address spaces with a table in sptes[]
  std::deque<sim::Shared<uint64_t>> sptes[2];  // deque: built in place, never moved
};

inline constexpr uint32_t HF_SMM_MASK = 1U << 6;

// vcpu->arch: the per-vCPU MMIO cache and the SMM flag. Only its own vCPU
// thread touches them, so these are plain fields, not shared variables.
struct kvm_vcpu_arch {
  uint32_t hflags = 0;
  uint64_t mmio_gva = 0;
  unsigned access = 0;
  uint64_t mmio_gfn = 0;
  uint64_t mmio_gen = 0;  // 56f17dd3fbc4
};

}  // namespace model

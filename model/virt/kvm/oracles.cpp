// SPDX-License-Identifier: GPL-2.0-only
#include "model/virt/kvm/oracles.hpp"

#include <fmt/format.h>

#include "model/virt/kvm/kvm_main.hpp"

namespace model {

void oracle_exit_handler_begins(kvm_vcpu* vcpu) {
  vcpu->ghost_publications_at_exit =
      vcpu->kvm->ghost.publications[kvm_arch_vcpu_memslots_id(vcpu)];
}

void oracle_mmio_exit(kvm_vcpu* vcpu, gfn_t gfn) {
  kvm* kvm = vcpu->kvm;
  const unsigned as_id = kvm_arch_vcpu_memslots_id(vcpu);
  const struct kvm_memslots* current = kvm->memslots[as_id].peek();
  if (!memslots_back_with_ram(current, gfn)) return;
  const struct kvm_memslots* replaced = kvm->ghost.update_replaces[as_id];
  if (!replaced || memslots_back_with_ram(replaced, gfn)) {
    if (!kvm->oracles.stale_mmio) return;
    sim::fail("stale-mmio",
              fmt::format("KVM_EXIT_MMIO for gfn {:#x}, which memslots generation {:#x} back with "
                          "RAM (no memslot update in flight changes that)",
                          gfn, current->generation.peek()));
  }
  if (!kvm->oracles.stale_mmio_in_flux ||
      vcpu->ghost_publications_at_exit != kvm->ghost.publications[as_id])
    return;
  sim::fail("stale-mmio-in-flux",
            fmt::format("KVM_EXIT_MMIO for gfn {:#x} from an exit handler that began after the "
                        "memslots backing it with RAM were published (generation {:#x}, update "
                        "still in flight)",
                        gfn, current->generation.peek()));
}

void oracle_generation_stored(kvm* kvm, unsigned as_id, uint64_t generation) {
  uint64_t& last = kvm->ghost.last_generation[as_id];
  // Serial-number order (RFC 1982): a step of less than 2^63 forward is
  // forward, including across the 2^64 wrap that the -150 start causes.
  const bool backwards = static_cast<int64_t>(generation - last) < 0;
  if (kvm->oracles.generation_backwards && backwards)
    sim::fail("generation-backwards",
              fmt::format("address space {}: memslots generation {:#x} stored after {:#x}", as_id,
                          generation, last));
  last = generation;
}

}  // namespace model

#include "model/oracles.hpp"

#include <fmt/format.h>

#include "model/kvm_main.hpp"

namespace model {

void oracle_mmio_exit(kvm* kvm, gfn_t gfn) {
  if (!kvm->oracles.stale_mmio || kvm->ghost.memslot_update_in_flight) return;
  if (!gfn_backed_by_ram(kvm, gfn)) return;
  sim::fail("stale-mmio",
            fmt::format("KVM_EXIT_MMIO for gfn {:#x}, which memslots generation {:#x} back with "
                        "RAM (no memslot update in flight)",
                        gfn, kvm->memslots.peek()->generation.peek()));
}

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
// Oracles: checks of the model against ground truth, reported as violations.
#pragma once

#include "model/include/linux/kvm_host.hpp"
#include "model/virt/kvm/oracles_config.hpp"

namespace model {

// The vCPU's exit handler entered its SRCU read-side section.
void oracle_exit_handler_begins(kvm_vcpu* vcpu);

// KVM is about to exit to userspace with KVM_EXIT_MMIO for `gfn`, which the
// vCPU's current memslots may back with RAM. Which oracle that violates:
// - stale-mmio: no update in flight in the vCPU's address space, or the one
//   in flight leaves the gfn's backing as it was. The RAM has been there since
//   an update that completed (synchronize_srcu_expedited returned and the
//   final generation is stored).
// - stale-mmio-in-flux: the update in flight made the gfn RAM, and the exit
//   handler began after that array was published, so it decided from
//   memslots older than those it could see (what ddfd1730fd82 forbids).
void oracle_mmio_exit(kvm_vcpu* vcpu, gfn_t gfn);

// generation-backwards: a memslots generation (without the in-progress
// flag) stored below the last one, other than by wrapping around 2^64.
void oracle_generation_stored(kvm* kvm, unsigned as_id, uint64_t generation);

}  // namespace model

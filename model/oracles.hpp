// Oracles: checks of the model against ground truth, reported as violations.
#pragma once

#include "model/kvm_host.hpp"
#include "model/oracles_config.hpp"

namespace model {

// KVM is about to exit to userspace with KVM_EXIT_MMIO for `gfn`.
// stale-mmio: once a memslot update has completed (synchronize_srcu_expedited
// returned and the final generation is stored), an access that KVM hands to
// userspace as MMIO for a gfn the current memslots back with RAM is wrong.
void oracle_mmio_exit(kvm* kvm, gfn_t gfn);

}  // namespace model

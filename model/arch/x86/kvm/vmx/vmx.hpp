// SPDX-License-Identifier: GPL-2.0-only
// arch/x86/kvm/vmx.c: the EPT exit handlers.
#pragma once

#include "model/include/linux/kvm_host.hpp"

namespace model {

// Both return what kvm_x86_ops->handle_exit returns: 1 to re-enter the
// guest, 0 to exit to userspace.
int handle_ept_violation(kvm_vcpu* vcpu, gpa_t gpa);
int handle_ept_misconfig(kvm_vcpu* vcpu, gpa_t gpa);

}  // namespace model

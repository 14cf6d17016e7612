// SPDX-License-Identifier: GPL-2.0-only
#include "model/arch/x86/kvm/vmx/vmx.hpp"

#include "model/arch/x86/kvm/mmu.hpp"
#include "model/arch/x86/kvm/x86.hpp"

namespace model {

int handle_ept_violation(kvm_vcpu* vcpu, gpa_t gpa) {
  // The exit qualification's access bits are not modeled: error code 0.
  return kvm_mmu_page_fault(vcpu, gpa, 0);
}

int handle_ept_misconfig(kvm_vcpu* vcpu, gpa_t gpa) {
  const int ret = handle_mmio_page_fault_common(vcpu, gpa, true);
  if (ret == RET_MMIO_PF_EMULATE) return x86_emulate_instruction(vcpu, gpa) == EMULATE_DONE;
  if (ret == RET_MMIO_PF_INVALID) return kvm_mmu_page_fault(vcpu, gpa, 0);
  if (ret == RET_MMIO_PF_RETRY) return 1;
  sim::fail("warn:handle_ept_misconfig", "EPT misconfiguration that is not an MMIO SPTE");
}

}  // namespace model

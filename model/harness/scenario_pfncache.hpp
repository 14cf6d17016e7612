// SPDX-License-Identifier: GPL-2.0-only
// The gfn_to_pfn_cache part of a scenario: vm.host_mappings, vm.gpcs and
// the cache, user and mm operations of thread programs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/arch/x86/kvm/pfncache_users.hpp"
#include "model/include/linux/kvm_host.hpp"
#include "sim/json_input.hpp"

namespace model {

struct Op;

// `pages` host pages mapped in the VMM from `hva` on when the VM starts.
struct InitialHostMapping {
  hva_t hva = 0;
  uint64_t pages = 1;
};

std::vector<InitialHostMapping> parse_host_mappings(const sim::JsonIn& j);
// vm.gpcs: the caches' names, in order (an Op's `gpc` indexes them).
std::vector<std::string> parse_gpc_names(const sim::JsonIn& j);

// Whether `name` is a pfncache or mm operation; if so, parses it into `op`.
// `threads` names the scenario's threads (gpc_init's "vcpu" names one),
// `vcpu_thread` says whether the op's own thread is a vCPU.
bool parse_pfncache_op(const sim::JsonIn& j, const std::string& name, bool vcpu_thread,
                       const std::vector<std::string>& threads, const std::vector<bool>& is_vcpu,
                       const std::vector<std::string>& gpcs,
                       const std::vector<InitialHostMapping>& mappings, Op& op);

extern const char* const kPfncacheVcpuOps;
extern const char* const kPfncacheUpdaterOps;

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
#include "model/harness/scenario_pfncache.hpp"

#include <algorithm>

#include "model/harness/scenario.hpp"
#include "model/virt/kvm/kvm_main.hpp"

namespace model {

using sim::JsonIn;

const char* const kPfncacheVcpuOps =
    "gpc_init, gpc_refresh, gpc_access, gpc_guest_use, gpc_unmap, gpc_destroy";
const char* const kPfncacheUpdaterOps =
    "gpc_init, gpc_refresh, gpc_access, gpc_unmap, gpc_destroy, munmap, migrate_page, oom_reap";

namespace {

size_t index_of(const JsonIn& j, const std::vector<std::string>& names, const char* what) {
  const std::string n = j.str();
  const auto it = std::find(names.begin(), names.end(), n);
  if (it == names.end()) j.error(std::string("no ") + what + " named '" + n + "'");
  return static_cast<size_t>(it - names.begin());
}

bool mapped(const std::vector<InitialHostMapping>& mappings, hva_t hva) {
  return std::any_of(mappings.begin(), mappings.end(), [&](const InitialHostMapping& m) {
    return hva >= m.hva && (hva - m.hva) >> PAGE_SHIFT < m.pages;
  });
}

}  // namespace

std::vector<InitialHostMapping> parse_host_mappings(const JsonIn& j) {
  std::vector<InitialHostMapping> out;
  for (const auto& m : j.items()) {
    m.expect_object({"hva", "pages"});
    InitialHostMapping h;
    h.hva = m.at("hva").u64();
    if (h.hva & ~PAGE_MASK) m.at("hva").error("must be page aligned");
    h.pages = m.at("pages").u64();
    if (h.pages == 0 || h.pages > 4096) m.at("pages").error("must be between 1 and 4096");
    // So that the overlap check below cannot wrap around 2^64.
    if (!userspace_range_ok(h.hva, h.pages))
      m.error("the mapping must lie in the user address space (below 0x7ffffffff000)");
    for (const auto& other : out)
      if (h.hva < other.hva + (other.pages << PAGE_SHIFT) && other.hva < h.hva + (h.pages << PAGE_SHIFT))
        m.error("overlaps an earlier mapping");
    out.push_back(h);
  }
  return out;
}

std::vector<std::string> parse_gpc_names(const JsonIn& j) {
  std::vector<std::string> names;
  for (const auto& g : j.items()) {
    const std::string n = g.str();
    if (n.empty()) g.error("empty cache name");
    if (std::find(names.begin(), names.end(), n) != names.end()) g.error("cache name used twice");
    names.push_back(n);
  }
  return names;
}

bool parse_pfncache_op(const JsonIn& j, const std::string& name, bool vcpu_thread,
                       const std::vector<std::string>& threads, const std::vector<bool>& is_vcpu,
                       const std::vector<std::string>& gpcs,
                       const std::vector<InitialHostMapping>& mappings, Op& op) {
  if (name == "munmap" || name == "migrate_page" || name == "oom_reap") {
    if (vcpu_thread) j.at("op").error("'" + name + "' is a host operation, not a vCPU's");
    j.expect_object({"op", "hva"});
    op.kind = name == "munmap"         ? Op::Kind::munmap
              : name == "migrate_page" ? Op::Kind::migrate_page
                                       : Op::Kind::oom_reap;
    op.userspace_addr = j.at("hva").u64();
    if (!mapped(mappings, op.userspace_addr))
      j.at("hva").error("not in any of vm.host_mappings");
    return true;
  }
  static const char* const kGpcOps[] = {"gpc_init",      "gpc_refresh", "gpc_access",
                                         "gpc_guest_use", "gpc_unmap",   "gpc_destroy"};
  if (std::find(std::begin(kGpcOps), std::end(kGpcOps), name) == std::end(kGpcOps)) return false;
  if (name == "gpc_unmap" || name == "gpc_destroy") {
    j.expect_object({"op", "gpc"});
    op.kind = name == "gpc_unmap" ? Op::Kind::gpc_unmap : Op::Kind::gpc_destroy;
  } else if (name == "gpc_init") {
    j.expect_object({"op", "gpc", "gfn", "offset", "guest_uses_pa", "kernel_map", "vcpu"});
    op.kind = Op::Kind::gpc_init;
    op.guest_uses_pa = j.has("guest_uses_pa") && j.at("guest_uses_pa").boolean();
    op.kernel_map = !j.has("kernel_map") || j.at("kernel_map").boolean();
    if (op.guest_uses_pa && !j.has("vcpu"))
      j.error("a guest_uses_pa cache names the \"vcpu\" thread its invalidations evict");
    if (j.has("vcpu")) {
      op.thread = index_of(j.at("vcpu"), threads, "thread");
      if (!is_vcpu[op.thread]) j.at("vcpu").error("not a vcpu thread");
    }
  } else if (name == "gpc_guest_use") {
    if (!vcpu_thread) j.at("op").error("only a vcpu thread runs the guest");
    j.expect_object({"op", "gpc", "gfn", "offset", "count"});
    op.kind = Op::Kind::gpc_guest_use;
  } else if (name == "gpc_access") {
    j.expect_object({"op", "gpc", "gfn", "offset", "write", "count"});
    op.kind = Op::Kind::gpc_access;
    op.write = j.has("write") && j.at("write").boolean();
  } else {
    j.expect_object({"op", "gpc", "gfn", "offset"});
    op.kind = Op::Kind::gpc_refresh;
  }
  op.gpc = index_of(j.at("gpc"), gpcs, "cache (vm.gpcs)");
  if (j.has("gfn")) op.gfn = j.at("gfn").u64();
  if (j.has("offset")) {
    op.offset = j.at("offset").u64();
    if (op.offset > PAGE_SIZE - kGpcAccessLen)
      j.at("offset").error("the 8-byte access must fit in the page (offset at most 4088)");
  }
  if (op.kind == Op::Kind::gpc_access || op.kind == Op::Kind::gpc_guest_use) {
    op.count = j.has("count") ? j.at("count").u64() : 1;
    if (op.count == 0 || op.count > 100000) j.at("count").error("must be between 1 and 100000");
  }
  return true;
}

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
#include "model/harness/scenario_shadow.hpp"

#include <algorithm>

#include "model/arch/x86/kvm/mmu/mmu_internal.hpp"
#include "model/arch/x86/kvm/mmu/mmu_zap.hpp"

namespace model {

namespace {

constexpr uint64_t kMaxShadowPages = 1 << 16;

}  // namespace

std::vector<InitialShadowPage> parse_shadow_pages(const sim::JsonIn& j,
                                                  const std::vector<std::string>& threads,
                                                  const std::vector<bool>& is_vcpu) {
  std::vector<InitialShadowPage> pages;
  std::vector<std::optional<sim::JsonIn>> parent_names;  // per entry
  uint64_t total = 0;
  for (const auto& p : j.items()) {
    p.expect_object({"id", "count", "gfn", "level", "direct", "root_count", "invalid", "unsync",
                     "parent", "index", "root_of"});
    InitialShadowPage sp;
    if (p.has("id")) sp.id = p.at("id").str();
    for (const auto& prev : pages)
      if (!sp.id.empty() && prev.id == sp.id) p.at("id").error("id used twice");
    if (p.has("count")) sp.count = p.at("count").u64();
    total += sp.count;
    if (sp.count == 0 || total > kMaxShadowPages)
      p.at("count").error("between 1 and " + std::to_string(kMaxShadowPages) + " pages in all");
    sp.gfn = p.at("gfn").u64();
    const uint64_t level = p.at("level").u64();
    if (level < PT_PAGE_TABLE_LEVEL || level > PT64_ROOT_MAX_LEVEL)
      p.at("level").error("level is 1 (4K page table) to 5");
    sp.level = static_cast<unsigned>(level);
    sp.direct = p.has("direct") && p.at("direct").boolean();
    if (p.has("root_count")) {
      const uint64_t n = p.at("root_count").u64();
      if (n > 1024) p.at("root_count").error("at most 1024 vCPUs use a root");
      sp.root_count = static_cast<int>(n);
    }
    if (p.has("root_of")) {
      const sim::JsonIn at = p.at("root_of");
      const std::string t = at.str();
      auto it = std::find(threads.begin(), threads.end(), t);
      if (it == threads.end()) at.error("no thread named '" + t + "'");
      const auto thread = static_cast<size_t>(it - threads.begin());
      if (!is_vcpu[thread]) at.error("'" + t + "' is not a vcpu thread");
      for (const auto& prev : pages)
        if (prev.root_of == thread) at.error("'" + t + "' already has a root");
      if (sp.count != 1) at.error("a vCPU's root is a single page (count 1)");
      // The vCPU's use is counted (mmu_alloc_direct_roots: ++sp->root_count).
      if (!p.has("root_count")) sp.root_count = 1;
      if (sp.root_count == 0) p.at("root_count").error("a vCPU's root has root_count at least 1");
      sp.root_of = thread;
    }
    sp.invalid = p.has("invalid") && p.at("invalid").boolean();
    // kvm_mmu_commit_zap_page frees an invalid page unless a vCPU still
    // uses it as its root.
    if (sp.invalid && sp.root_count == 0)
      p.at("invalid").error("an invalid page that is nobody's root would have been freed");
    sp.unsync = p.has("unsync") && p.at("unsync").boolean();
    if (sp.unsync && sp.invalid) p.at("unsync").error("an invalid page is not unsync");
    // kvm_mmu_get_page: only last-level pages that shadow a guest page table
    // can go unsync (kvm_unsync_page is reached from mmu_need_write_protect
    // for level-1 indirect pages).
    if (sp.unsync && (sp.level != PT_PAGE_TABLE_LEVEL || sp.direct))
      p.at("unsync").error("only level-1 pages that are not direct go unsync");
    if (p.has("parent")) {
      parent_names.push_back(p.at("parent"));
    } else if (p.has("index")) {
      p.at("index").error("an index needs a parent");
    } else {
      parent_names.push_back(std::nullopt);
    }
    if (p.has("index")) sp.index = static_cast<unsigned>(std::min<uint64_t>(p.at("index").u64(), PT64_ENT_PER_PAGE));
    pages.push_back(std::move(sp));
  }
  // A parent may come later in the file: a page table page zapped and built
  // again finds its old children still there (link_shadow_page relinks
  // them), so it is newer than they are.
  for (size_t i = 0; i < pages.size(); ++i) {
    if (!parent_names[i]) continue;
    const sim::JsonIn& at = *parent_names[i];
    const std::string parent = at.str();
    for (size_t k = 0; k < pages.size(); ++k)
      if (k != i && pages[k].id == parent) pages[i].parent = k;
    if (!pages[i].parent) at.error("no other shadow page has id '" + parent + "'");
    const InitialShadowPage& up = pages[*pages[i].parent];
    if (up.count != 1) at.error("a parent is a single page (count 1)");
    if (up.level != pages[i].level + 1) at.error("a parent is one level above its children");
    if (pages[i].index + pages[i].count > PT64_ENT_PER_PAGE)
      at.error("spt indexes beyond 512 (index + count)");
  }
  return pages;
}

void build_shadow_pages(kvm* vm, const std::vector<InitialShadowPage>& pages,
                        const std::vector<kvm_vcpu*>& vcpu_of_thread) {
  // Allocate in file order, then link (a parent may be newer), then mark
  // unsync (which tells the parents).
  std::vector<std::vector<kvm_mmu_page*>> made(pages.size());
  for (size_t i = 0; i < pages.size(); ++i)
    for (uint64_t k = 0; k < pages[i].count; ++k) {
      const InitialShadowPage& p = pages[i];
      made[i].push_back(kvm_mmu_alloc_page(vm, p.gfn + k, p.level, p.direct, p.root_count));
      made[i].back()->role.invalid = p.invalid;
      if (p.root_of) vcpu_of_thread.at(*p.root_of)->arch.mmu.root_hpa = made[i].back();
    }
  for (size_t i = 0; i < pages.size(); ++i)
    for (size_t k = 0; k < made[i].size(); ++k) {
      if (pages[i].parent)
        link_shadow_page(made[*pages[i].parent].front(), pages[i].index + static_cast<unsigned>(k),
                         made[i][k]);
    }
  for (size_t i = 0; i < pages.size(); ++i)
    if (pages[i].unsync)
      for (kvm_mmu_page* sp : made[i]) kvm_unsync_page(sp);
}

}  // namespace model

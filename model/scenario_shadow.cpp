#include "model/scenario_shadow.hpp"

#include "model/x86/mmu_internal.hpp"
#include "model/x86/mmu_zap.hpp"

namespace model {

namespace {

constexpr uint64_t kMaxShadowPages = 1 << 16;

}  // namespace

std::vector<InitialShadowPage> parse_shadow_pages(const sim::JsonIn& j) {
  std::vector<InitialShadowPage> pages;
  uint64_t total = 0;
  for (const auto& p : j.items()) {
    p.expect_object({"id", "count", "gfn", "level", "direct", "root_count", "unsync", "parent",
                     "index"});
    InitialShadowPage sp;
    if (p.has("id")) sp.id = p.at("id").str();
    for (const auto& prev : pages)
      if (!sp.id.empty() && prev.id == sp.id) p.at("id").error("id used twice");
    if (p.has("count")) sp.count = p.at("count").u64();
    total += sp.count;
    if (sp.count == 0 || total > kMaxShadowPages)
      p.at("count").error("between 1 and " + std::to_string(kMaxShadowPages) + " pages in all");
    sp.gfn = p.at("gfn").u64();
    sp.level = static_cast<unsigned>(p.at("level").u64());
    if (sp.level < PT_PAGE_TABLE_LEVEL || sp.level > PT64_ROOT_MAX_LEVEL)
      p.at("level").error("level is 1 (4K page table) to 5");
    sp.direct = p.has("direct") && p.at("direct").boolean();
    if (p.has("root_count")) {
      const uint64_t n = p.at("root_count").u64();
      if (n > 1024) p.at("root_count").error("at most 1024 vCPUs use a root");
      sp.root_count = static_cast<int>(n);
    }
    sp.unsync = p.has("unsync") && p.at("unsync").boolean();
    // kvm_mmu_get_page: only last-level pages that shadow a guest page table
    // can go unsync (kvm_unsync_page is reached from mmu_need_write_protect
    // for level-1 indirect pages).
    if (sp.unsync && (sp.level != PT_PAGE_TABLE_LEVEL || sp.direct))
      p.at("unsync").error("only level-1 pages that are not direct go unsync");
    if (p.has("parent")) {
      const std::string parent = p.at("parent").str();
      for (size_t k = 0; k < pages.size(); ++k)
        if (pages[k].id == parent) sp.parent = k;
      if (!sp.parent) p.at("parent").error("no earlier shadow page has id '" + parent + "'");
      const InitialShadowPage& up = pages[*sp.parent];
      if (up.count != 1) p.at("parent").error("a parent is a single page (count 1)");
      if (up.level != sp.level + 1) p.at("parent").error("a parent is one level above its children");
      const uint64_t index = p.has("index") ? p.at("index").u64() : 0;
      if (index + sp.count > PT64_ENT_PER_PAGE)
        p.at(p.has("index") ? "index" : "count").error("spt indexes beyond 512");
      sp.index = static_cast<unsigned>(index);
    } else if (p.has("index")) {
      p.at("index").error("an index needs a parent");
    }
    pages.push_back(std::move(sp));
  }
  return pages;
}

void build_shadow_pages(kvm* vm, const std::vector<InitialShadowPage>& pages) {
  std::vector<kvm_mmu_page*> single(pages.size(), nullptr);
  for (size_t i = 0; i < pages.size(); ++i) {
    const InitialShadowPage& p = pages[i];
    for (uint64_t k = 0; k < p.count; ++k) {
      kvm_mmu_page* sp = kvm_mmu_alloc_page(vm, p.gfn + k, p.level, p.direct, p.root_count);
      if (p.parent) link_shadow_page(single[*p.parent], p.index + static_cast<unsigned>(k), sp);
      if (p.unsync) kvm_unsync_page(sp);
      single[i] = sp;
    }
  }
}

}  // namespace model

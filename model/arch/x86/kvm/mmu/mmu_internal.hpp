// SPDX-License-Identifier: GPL-2.0-only
// struct kvm_mmu_page (arch/x86/include/asm/kvm_host.h up to 5.x, later
// arch/x86/kvm/mmu/mmu_internal.h), as far as zapping needs it.
#pragma once

#include <bitset>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/include/linux/list.hpp"
#include "sim/object.hpp"

namespace model {

inline constexpr unsigned PT_PAGE_TABLE_LEVEL = 1;
inline constexpr unsigned PT64_ROOT_MAX_LEVEL = 5;  // 4.19: PT64_ROOT_5LEVEL
inline constexpr unsigned PT64_ENT_PER_PAGE = 512;

// union kvm_mmu_page_role: the bits zapping reads.
struct kvm_mmu_page_role {
  unsigned level = PT_PAGE_TABLE_LEVEL;
  bool invalid = false;
  bool direct = false;
};

struct kvm_mmu_page {
  // `id` names the page in traces and messages ("sp3"); the kernel has only
  // its address.
  kvm_mmu_page(unsigned id, uint64_t gfn, kvm_mmu_page_role role)
      : name("sp" + std::to_string(id)),
        spt_page(name + "->spt"),
        link(name + "->link", this),
        gfn(gfn),
        role(role) {}

  const std::string name;
  // Model only: names the page table page (sp->spt) in traces, as the
  // object a lockless walk loads from.
  const sim::Object spt_page;
  list_head link;  // on kvm->arch.active_mmu_pages, or on an invalid_list
  uint64_t gfn;
  kvm_mmu_page_role role;
  int root_count = 0;  // vCPUs using this page as their root
  bool unsync = false;
  unsigned int unsync_children = 0;
  std::bitset<PT64_ENT_PER_PAGE> unsync_child_bitmap;
  // sp->spt, non-leaf entries only: index -> the child page it points at.
  // Leaf SPTEs play no part in which pages a zap touches.
  std::map<unsigned, kvm_mmu_page*> spt;
  // sp->parent_ptes: the SPTEs pointing at this page, as (parent, index).
  std::vector<std::pair<kvm_mmu_page*, unsigned>> parent_ptes;
  unsigned long mmu_valid_gen = 0;
  // Model only: kvm_mmu_free_page ran. The page stays allocated so that a
  // later use is reported, never undefined behaviour.
  bool freed = false;
};

}  // namespace model

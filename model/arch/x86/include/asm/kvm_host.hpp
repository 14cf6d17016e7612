// SPDX-License-Identifier: GPL-2.0-only
// arch/x86/include/asm/kvm_host.h: the x86 parts of struct kvm and struct
// kvm_vcpu the model needs.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "model/include/linux/list.hpp"
#include "model/arch/x86/kvm/mmu/mmu_internal.hpp"
#include "sim/sync/shared.hpp"

namespace model {

// arch/x86/include/asm/kvm_host.h (read in a 4.x-5.x copy).
inline constexpr unsigned long KVM_MIN_ALLOC_MMU_PAGES = 64;
inline constexpr unsigned long KVM_MIN_FREE_MMU_PAGES = 5;
inline constexpr unsigned long KVM_REFILL_PAGES = 25;

// The EPT leaf entries, one per guest frame and address space: a minimal
// shadow page table (TDP, direct map) holding RAM and MMIO SPTEs. The SMM
// address space has roots of its own (role.smm), hence a table of its own.
// The shadow MMU's pages (model/arch/x86/kvm/mmu/mmu_zap.hpp) are kept apart from that
// table: zapping and allocation move them between lists, they hold no SPTE
// values.
struct kvm_arch {
  kvm_arch(uint64_t nr_gfns, unsigned tables) : spte_tables(tables) {
    for (unsigned as_id = 0; as_id < tables; ++as_id)
      for (uint64_t gfn = 0; gfn < nr_gfns; ++gfn) sptes[as_id].emplace_back(spte_name(as_id, gfn));
  }
  // Formatted once per gfn and OS thread: a VM is built for every execution.
  static const std::string& spte_name(unsigned as_id, uint64_t gfn) {
    static thread_local std::vector<std::string> names[2];
    auto& n = names[as_id];
    while (n.size() <= gfn)
      n.push_back(as_id ? fmt::format("spte[smm gfn {:#x}]", n.size())
                        : fmt::format("spte[gfn {:#x}]", n.size()));
    return n[gfn];
  }
  unsigned spte_tables;  // address spaces with a table in sptes[]
  std::deque<sim::Shared<uint64_t>> sptes[2];  // deque: built in place, never moved

  // --- shadow MMU: every field below is protected by kvm->mmu_lock ---------
  // Every shadow page, newest at the head: a FIFO (prepare_zap_oldest_mmu_page
  // takes the tail).
  list_head active_mmu_pages{"kvm->arch.active_mmu_pages"};
  // 4.19: where kvm_zap_obsolete_pages prepares pages (mmu_shrink_scan may
  // commit them); from 5.1 on unused.
  list_head zapped_obsolete_pages{"kvm->arch.zapped_obsolete_pages"};
  unsigned long n_used_mmu_pages = 0;
  // kvm_arch_commit_memory_region sets it from the memslots' size, at least
  // KVM_MIN_ALLOC_MMU_PAGES; the model starts there, and a scenario may set
  // it directly before the execution starts.
  unsigned long n_max_mmu_pages = KVM_MIN_ALLOC_MMU_PAGES;
  // Fast invalidate (4.19): pages whose sp->mmu_valid_gen differs are obsolete.
  unsigned long mmu_valid_gen = 0;
  // kvm->stat in the kernel (struct kvm_vm_stat, its x86 members); here
  // because model/include/linux/kvm_host.hpp's struct kvm belongs to the generic code.
  struct {
    uint64_t mmu_shadow_zapped = 0;  // kvm_mmu_prepare_zap_page calls
    uint64_t mmu_recycled = 0;       // pages make_mmu_pages_available zapped
    uint64_t mmu_cache_miss = 0;     // kvm_mmu_get_page allocations
  } stat;
  // Model only: every shadow page ever allocated, in allocation order
  // (kmem_cache_zalloc of mmu_page_header_cache); freed ones stay, marked
  // kvm_mmu_page::freed, so that a use after free is reported.
  std::deque<kvm_mmu_page> mmu_pages;
};

inline constexpr uint32_t HF_SMM_MASK = 1U << 6;

// vcpu->arch.mmu (struct kvm_mmu), the part a lockless walk reads: the
// root page. 4.19 keeps its physical address (root_hpa, INVALID_PAGE when
// none); the model keeps the page (nullptr when none). A scenario sets it
// (vm.shadow_pages' root_of); the page's root_count counts this use.
struct kvm_mmu {
  kvm_mmu_page* root_hpa = nullptr;
};

// vcpu->arch: the per-vCPU MMIO cache, the SMM flag and the MMU root. Only
// its own vCPU thread touches them, so these are plain fields, not shared
// variables.
struct kvm_vcpu_arch {
  kvm_mmu mmu;
  uint32_t hflags = 0;
  uint64_t mmio_gva = 0;
  unsigned access = 0;
  uint64_t mmio_gfn = 0;
  uint64_t mmio_gen = 0;  // 56f17dd3fbc4
};

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
#include "model/harness/simulation.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "model/harness/exploration.hpp"
#include "model/variants/registry.hpp"
#include "model/virt/kvm/kvm_main.hpp"
#include "model/virt/kvm/kvm_requests.hpp"
#include "model/arch/x86/kvm/pfncache_users.hpp"
#include "model/arch/x86/kvm/mmu.hpp"
#include "model/arch/x86/kvm/mmu/mmu_lockless.hpp"
#include "model/arch/x86/kvm/mmu/mmu_zap.hpp"
#include "model/arch/x86/kvm/mmu/spte.hpp"
#include "model/arch/x86/kvm/x86.hpp"
#include "sim/json_input.hpp"
#include "sim/strategy/replay_strategy.hpp"
#include "sim/strategy/strategy.hpp"

namespace model {

Simulation::Simulation(const Scenario& scenario, const Variant& variant, sim::Strategy& strategy,
                       bool record, bool hash_only)
    : scenario_(scenario),
      variant_(variant),
      strategy_(strategy),
      exec_(strategy, sim::ExecutionOptions{scenario.exploration.step_bound, record, hash_only}) {
  if (const std::string why = cannot_run_at(scenario, variant); !why.empty())
    throw sim::InputError(scenario.path + ": " + why);
  for (const auto& space : scenario.memslots)
    for (const auto& s : space) nr_memslots_ = std::max(nr_memslots_, static_cast<size_t>(s.id) + 1);
  for (const auto& t : scenario.threads)
    for (const Op& op : t.program) nr_memslots_ = std::max(nr_memslots_, static_cast<size_t>(op.slot) + 1);
  for (size_t i = 0; i < scenario.threads.size(); ++i)
    exec_.spawn(scenario.threads[i].name, scenario.threads[i].cpu, [this, i] { run_thread(i); });
  exec_.describe_threads_with([this] { return describe_vcpus(); });
}

void Simulation::build_vm() {
  vm_ = std::make_unique<kvm>(variant_, scenario_.gfns, nr_memslots_, scenario_.address_spaces);
  vm_->oracles = scenario_.oracles;
  kvm_create_vm_memslots(vm_.get(), scenario_.memslots, generations_at(scenario_, variant_.name));
  for (const InitialMmioSpte& m : scenario_.mmio_sptes)
    vm_->arch.sptes[m.as_id].at(m.gfn).init(make_mmio_spte_value(
        variant_.mmio_gen_layout, m.gfn, ACC_ALL, mmio_generation_of(variant_, m.generation)));
  kvm_mmu_init_vm(vm_.get());
  for (const InitialHostMapping& m : scenario_.host_mappings)
    vm_->mm.map_initial(m.hva, m.pages);
  gpcs_.clear();
  for (const std::string& name : scenario_.gpcs)
    gpcs_.push_back(std::make_unique<gfn_to_pfn_cache>(name));
  finished_threads_ = 0;
  vcpu_of_thread_.assign(scenario_.threads.size(), nullptr);
  exited_.clear();
  exited_.resize(scenario_.threads.size());
  for (size_t i = 0; i < scenario_.threads.size(); ++i) {
    const ThreadSpec& t = scenario_.threads[i];
    if (t.kind == ThreadSpec::Kind::vcpu) {
      vm_->vcpus.push_back(std::make_unique<kvm_vcpu>(vm_.get(), static_cast<int>(vm_->vcpus.size())));
      vcpu_of_thread_[i] = vm_->vcpus.back().get();
    }
    for (const Op& op : t.program)
      if ((op.kind == Op::Kind::wait_for || op.until) && !exited_[op.thread])
        exited_[op.thread] = std::make_unique<sim::Completion>(
            scenario_.threads[op.thread].name + " exited");
  }
  // After the vCPUs: a page may be one's root.
  build_shadow_pages(vm_.get(), scenario_.shadow_pages, vcpu_of_thread_);
  // A VM holding that many pages had at least that limit; a scenario may set
  // another.
  vm_->arch.n_max_mmu_pages = scenario_.n_max_mmu_pages.value_or(
      std::max(KVM_MIN_ALLOC_MMU_PAGES, vm_->arch.n_used_mmu_pages));
}

sim::Outcome Simulation::run(uint64_t seed) {
  build_vm();
  last_ = exec_.run(seed);
  return last_;
}

// What userspace does for one memslot operation: it knows its own regions,
// so it reads the slot's current state without a scheduling point.
void Simulation::memslot_op(const Op& op) {
  kvm* kvm = vm_.get();
  const kvm_memory_slot cur = kvm->memslots[op.as_id].peek()->memslots.at(op.slot);
  kvm_userspace_memory_region mem;
  mem.slot = op.as_id << 16 | op.slot;
  mem.flags = cur.flags;
  mem.guest_phys_addr = cur.base_gfn << PAGE_SHIFT;
  mem.memory_size = cur.npages << PAGE_SHIFT;
  mem.userspace_addr = cur.userspace_addr;
  uint64_t repeat = 1;
  switch (op.kind) {
    case Op::Kind::create_memslot:
      mem.flags = 0;
      mem.guest_phys_addr = op.gfn << PAGE_SHIFT;
      mem.memory_size = op.npages << PAGE_SHIFT;
      mem.userspace_addr = op.userspace_addr;
      break;
    case Op::Kind::delete_memslot:
      mem.memory_size = 0;
      break;
    case Op::Kind::move_memslot:
      mem.guest_phys_addr = op.gfn << PAGE_SHIFT;
      break;
    case Op::Kind::set_memslot_flags:
      mem.flags = op.flags;
      break;
    case Op::Kind::memslot_updates:
      repeat = op.count;
      break;
    default:
      return;
  }
  for (uint64_t n = 0; n < repeat; ++n) {
    if (op.kind == Op::Kind::memslot_updates) mem.flags ^= KVM_MEM_LOG_DIRTY_PAGES;
    exec_.note("kvm_vm_ioctl", "ioctl KVM_SET_USER_MEMORY_REGION slot {}{} gpa {:#x} size {:#x}{}",
               op.slot, op.as_id ? " (SMM)" : "", mem.guest_phys_addr, mem.memory_size,
               (mem.flags & KVM_MEM_LOG_DIRTY_PAGES) ? " log_dirty_pages" : "");
    const int r = kvm_set_memory_region(kvm, mem);
    if (r != 0) exec_.note("kvm_vm_ioctl", "ioctl returns {}", r);
  }
}

void Simulation::run_thread(size_t i) {
  const ThreadSpec& t = scenario_.threads[i];
  for (const Op& op : t.program) {
    switch (op.kind) {
      case Op::Kind::access:
        vcpu_run_access(vcpu_of_thread_[i], op.gfn << PAGE_SHIFT, op.write);
        break;
      case Op::Kind::enter_smm:
      case Op::Kind::leave_smm:
        kvm_smm_changed(vcpu_of_thread_[i], op.kind == Op::Kind::enter_smm);
        break;
      case Op::Kind::wait_for:
        exited_[op.thread]->wait("userspace");
        break;
      case Op::Kind::fault_in_shadow_page:
      case Op::Kind::walk_shadow_page_lockless:
        // `count` faults (or walks); with `until`, round after round over
        // the same gfns until that thread finished (a zapped page is
        // faulted in again).
        for (;;) {
          for (uint64_t k = 0; k < op.count && !(op.until && exited_[op.thread]->done()); ++k) {
            if (op.kind == Op::Kind::fault_in_shadow_page)
              kvm_mmu_fault_in_shadow_page(vcpu_of_thread_[i], op.gfn + k, op.level);
            else
              walk_shadow_page_lockless(vcpu_of_thread_[i], op.gfn + k);
          }
          if (!op.until || exited_[op.thread]->done()) break;
          // Another round cannot end the loop before that thread runs: a
          // yield, so that a strategy that keeps the running thread
          // (explore's non-preemptive schedules, PCT) does not spin here
          // to the step bound.
          exec_.point(sim::Label(exited_[op.thread].get(), "vcpu_run", sim::Access::read),
                      /*yielding=*/true);
        }
        break;
      case Op::Kind::flush_shadow_all:
        exec_.note("kvm_arch_flush_shadow_all", "every shadow page zapped ({} in use)",
                   vm_->arch.n_used_mmu_pages);
        kvm_arch_flush_shadow_all(vm_.get());
        break;
      case Op::Kind::change_mmu_pages:
        exec_.note("kvm_vm_ioctl", "ioctl KVM_SET_NR_MMU_PAGES {}", op.count);
        kvm_mmu_change_mmu_pages(vm_.get(), op.count);
        break;
      case Op::Kind::gpc_init:
      case Op::Kind::gpc_refresh:
      case Op::Kind::gpc_access:
      case Op::Kind::gpc_guest_use:
      case Op::Kind::gpc_unmap:
      case Op::Kind::gpc_destroy:
        gpc_op(i, op);
        break;
      case Op::Kind::munmap:
        munmap_page(vm_.get(), op.userspace_addr);
        break;
      case Op::Kind::migrate_page:
        migrate_page(vm_.get(), op.userspace_addr);
        break;
      case Op::Kind::oom_reap:
        oom_reap_page(vm_.get(), op.userspace_addr);
        break;
      default:
        memslot_op(op);
        break;
    }
  }
  if (exited_[i]) exited_[i]->complete("userspace");
  if (++finished_threads_ == scenario_.threads.size()) teardown();
}

void Simulation::gpc_op(size_t thread, const Op& op) {
  kvm* kvm = vm_.get();
  gfn_to_pfn_cache* gpc = gpcs_[op.gpc].get();
  const gpa_t gpa = op.gfn << PAGE_SHIFT | op.offset;
  switch (op.kind) {
    case Op::Kind::gpc_init: {
      // Callers (the Xen attribute ioctls, vCPU set-up) run under kvm->srcu.
      kvm_vcpu* vcpu = op.guest_uses_pa ? vcpu_of_thread_[op.thread] : vcpu_of_thread_[thread];
      const uint64_t idx = kvm->srcu.read_lock("kvm_xen_hvm_set_attr");
      const int r = kvm_gfn_to_pfn_cache_init(kvm, gpc, vcpu, op.guest_uses_pa, op.kernel_map, gpa,
                                              kGpcAccessLen);
      kvm->srcu.read_unlock(idx, "kvm_xen_hvm_set_attr");
      if (r) exec_.note("kvm_gfn_to_pfn_cache_init", "{} returns {}", gpc->name, r);
      break;
    }
    case Op::Kind::gpc_refresh: {
      const uint64_t idx = kvm->srcu.read_lock("kvm_xen_hvm_set_attr");
      const int r = kvm_gfn_to_pfn_cache_refresh(kvm, gpc, gpa, kGpcAccessLen);
      kvm->srcu.read_unlock(idx, "kvm_xen_hvm_set_attr");
      if (r) exec_.note("kvm_gfn_to_pfn_cache_refresh", "{} returns {}", gpc->name, r);
      break;
    }
    case Op::Kind::gpc_access:
      for (uint64_t n = 0; n < op.count; ++n)
        if (const int r = gpc_atomic_access(kvm, gpc, gpa, op.write); r != 0)
          exec_.note("kvm_xen_shared_info", "{}: refresh returns {}", gpc->name, r);
      break;
    case Op::Kind::gpc_guest_use:
      for (uint64_t n = 0; n < op.count; ++n)
        vcpu_enter_guest_using_gpc(vcpu_of_thread_[thread], gpc, gpa);
      break;
    case Op::Kind::gpc_unmap:
      kvm_gfn_to_pfn_cache_unmap(kvm, gpc);
      break;
    default:
      kvm_gfn_to_pfn_cache_destroy(kvm, gpc);
      break;
  }
}

void Simulation::teardown() {
  if (gpcs_.empty() && scenario_.host_mappings.empty()) return;
  // kvm_destroy_vm: the arch code destroys its caches (kvm_xen_destroy_vm).
  exec_.note("kvm_destroy_vm", "the VM is destroyed, then the VMM exits");
  for (const auto& gpc : gpcs_) kvm_gfn_to_pfn_cache_destroy(vm_.get(), gpc.get());
  exit_mmap_and_check_leaks(vm_.get());
}

// For a step-bound report: where each vCPU is and what it has pending.
std::string Simulation::describe_vcpus() const {
  static const char* const kModes[] = {"OUTSIDE_GUEST_MODE", "IN_GUEST_MODE",
                                       "EXITING_GUEST_MODE", "READING_SHADOW_PAGE_TABLES"};
  std::string s;
  for (size_t i = 0; i < vcpu_of_thread_.size(); ++i) {
    const kvm_vcpu* vcpu = vcpu_of_thread_[i];
    if (!vcpu) continue;
    s += fmt::format("{}{}: vcpu->mode = {}", s.empty() ? "" : ", ", scenario_.threads[i].name,
                     kModes[vcpu->mode.peek()]);
    if (const uint64_t req = vcpu->requests.peek())
      s += fmt::format(", requests {:#x} pending{}", req,
                       (req >> (KVM_REQ_GPC_INVALIDATE & KVM_REQUEST_MASK)) & 1
                           ? " (KVM_REQ_GPC_INVALIDATE: no x86 code clears it, so "
                             "kvm_vcpu_exit_request cancels every VM entry)"
                           : "");
  }
  return s;
}

sim::Trace Simulation::trace(uint64_t seed, const std::string& tool) const {
  sim::Trace t;
  t.tool = tool;
  t.scenario = scenario_.json;
  t.scenario_path = scenario_.path;
  t.variant = variant_.name;
  t.variant_definition = variant_definition(variant_);
  t.strategy = strategy_.name();
  t.seed = seed;
  t.step_bound = scenario_.exploration.step_bound;
  t.threads = exec_.threads();
  t.schedule = exec_.schedule();
  t.labels = exec_.step_labels();
  t.events = exec_.events();
  t.violation = last_.violation;
  return t;
}

sim::Trace record_execution(const Scenario& scenario, const Variant& variant, uint64_t seed,
                            const std::string& tool, const std::string& strategy_spec) {
  auto strategy = make_scenario_strategy(
      scenario, variant, strategy_spec.empty() ? scenario.exploration.strategy : strategy_spec);
  Simulation simulation(scenario, variant, *strategy, true);
  simulation.run(seed);
  return simulation.trace(seed, tool);
}

sim::Trace record_schedule(const Scenario& scenario, const Variant& variant,
                           const std::vector<sim::ThreadId>& schedule, uint64_t seed,
                           const std::optional<sim::Violation>& verdict, const std::string& tool,
                           const std::string& strategy_name) {
  sim::ReplayStrategy replay(schedule);
  Simulation simulation(scenario, variant, replay, true);
  const sim::Outcome out = simulation.run(seed);
  if (replay.diverged_at() || out.violation != verdict)
    throw std::logic_error(strategy_name +
                           ": the schedule did not run the same way when recorded");
  sim::Trace t = simulation.trace(seed, tool);
  t.strategy = strategy_name;
  return t;
}

TraceSetting trace_setting(const sim::Trace& trace, const std::string& path) {
  return {parse_scenario(trace.scenario, path + "#/scenario/content"),
          &variant_of_trace(trace.variant, trace.variant_definition, path)};
}

}  // namespace model

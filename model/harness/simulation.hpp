// SPDX-License-Identifier: GPL-2.0-only
// Runs a scenario at a variant: builds a fresh VM for every execution and
// the modeled threads that execute the scenario's programs.
#pragma once

#include <memory>
#include <vector>

#include "model/include/linux/kvm_host.hpp"
#include "model/virt/kvm/pfncache.hpp"
#include "model/harness/scenario.hpp"
#include "sim/runtime/execution.hpp"
#include "sim/sync/completion.hpp"
#include "sim/trace/trace.hpp"

namespace model {

class Simulation {
 public:
  // `hash_only` (with `record`): the trace is hashed as it runs, not kept
  // (sim::ExecutionOptions::hash_only).
  Simulation(const Scenario& scenario, const Variant& variant, sim::Strategy& strategy,
             bool record, bool hash_only = false);

  sim::Outcome run(uint64_t seed);
  const sim::Execution& execution() const { return exec_; }
  void set_hash_only(bool on) { exec_.set_hash_only(on); }
  void set_stop(const std::atomic<bool>* stop) { exec_.set_stop(stop); }

  // The trace of the last run (complete only with record = true).
  sim::Trace trace(uint64_t seed, const std::string& tool) const;

 private:
  void run_thread(size_t i);
  void memslot_op(const Op& op);
  void build_vm();
  void gpc_op(size_t thread, const Op& op);
  // kvm_destroy_vm and process exit, run by the last thread to finish.
  void teardown();
  std::string describe_vcpus() const;

  const Scenario& scenario_;
  const Variant& variant_;
  sim::Strategy& strategy_;
  sim::Execution exec_;
  size_t nr_memslots_ = 1;  // highest slot id the scenario uses, plus one
  sim::Outcome last_;
  std::unique_ptr<kvm> vm_;
  std::vector<kvm_vcpu*> vcpu_of_thread_;
  std::vector<std::unique_ptr<sim::Completion>> exited_;  // for wait_for; null if unused
  std::vector<std::unique_ptr<gfn_to_pfn_cache>> gpcs_;    // Scenario::gpcs, per execution
  size_t finished_threads_ = 0;
};

// One execution of `scenario` at `variant` under `strategy_spec` (empty: the
// scenario's strategy) and `seed`, recorded: what `kvmsim run` shows and a
// sweep saves for a failure.
sim::Trace record_execution(const Scenario& scenario, const Variant& variant, uint64_t seed,
                            const std::string& tool, const std::string& strategy_spec = "");

// A schedule a search found (explore, minimize), re-run with recording as a
// trace whose strategy is `strategy_name`. Determinism makes it the same
// execution; std::logic_error if the schedule no longer fits or does not
// end in `verdict`.
sim::Trace record_schedule(const Scenario& scenario, const Variant& variant,
                           const std::vector<sim::ThreadId>& schedule, uint64_t seed,
                           const std::optional<sim::Violation>& verdict, const std::string& tool,
                           const std::string& strategy_name);

// What a trace ran: its embedded scenario and its variant. sim::InputError
// naming `path` and the JSON path when either no longer loads.
struct TraceSetting {
  Scenario scenario;
  const Variant* variant;
};
TraceSetting trace_setting(const sim::Trace& trace, const std::string& path);

}  // namespace model

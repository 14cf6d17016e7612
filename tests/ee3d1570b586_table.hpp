// SPDX-License-Identifier: GPL-2.0-only
// The CPU 0 | CPU 1 table of ee3d1570b586 as posted ("[PATCH 2/3] kvm: fix
// potentially corrupt mmio cache", kvm@vger.kernel.org, 29 Aug 2014) as
// predicates over trace events, so that the stored reproducer and its
// renderings can be checked against it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sim/trace/event.hpp"

namespace testutil {

// "" if `events` contain the table's steps in order; otherwise the first
// step not found. The race as the patch mail draws it (vcpu on CPU 0,
// updater on CPU 1): 2 srcu read lock; 3 decide from the old memslots; 4
// change memslots (generation incremented before publish); 5
// synchronize_srcu; 6-7 tag the cache with the generation of the new
// memslots; 8 srcu_read_unlock; then the stale entry is used after the update
// completed.
inline std::string follows_ee3d1570b586_table(const std::vector<sim::ThreadInfo>& threads,
                                         const std::vector<sim::Event>& events) {
  struct Step {
    const char* thread;
    std::function<bool(const sim::Event&)> is;
    const char* what;
  };
  const std::vector<Step> table = {
      {"vcpu0", [](const sim::Event& e) { return e.op == "srcu_read_lock"; }, "2 srcu read lock"},
      {"vcpu0",
       [](const sim::Event& e) {
         return e.function == "gfn_to_pfn" && e.object == "kvm->memslots" && e.value == "slots#0";
       },
       "3 gfn_to_pfn decides on the old memslots"},
      // update_memslots set slots#1's generation to 1 while the copy was
      // private, so it may come earlier; publishing is what the table shows.
      {"updater",
       [](const sim::Event& e) {
         return e.op == "store" && e.object == "kvm->memslots" && e.value == "slots#1";
       },
       "4 new memslots (generation 1) published"},
      {"updater", [](const sim::Event& e) { return e.op == "synchronize_srcu"; },
       "5 synchronize_srcu"},
      {"vcpu0",
       [](const sim::Event& e) {
         return e.function == "mark_mmio_spte" && e.object == "slots#1->generation" &&
                e.value == "0x1";
       },
       "6 generation read from the new memslots"},
      {"vcpu0",
       [](const sim::Event& e) { return e.function == "mark_mmio_spte" && e.op == "store"; },
       "7 SPTE tagged with it"},
      {"vcpu0", [](const sim::Event& e) { return e.op == "srcu_read_unlock"; },
       "8 srcu_read_unlock"},
      {"updater", [](const sim::Event& e) { return e.op == "synchronize_srcu_return"; },
       "synchronize returns"},
      {"vcpu1", [](const sim::Event& e) { return e.function == "check_mmio_spte"; },
       "the stale SPTE matches"},
      {"vcpu1", [](const sim::Event& e) { return e.op == "violation"; }, "stale-mmio"},
  };
  size_t at = 0;
  for (const Step& s : table) {
    auto matches = [&](const sim::Event& e) {
      return e.thread < threads.size() && threads[e.thread].name == s.thread && s.is(e);
    };
    while (at < events.size() && !matches(events[at])) ++at;
    if (at == events.size()) return s.what;
    ++at;
  }
  return "";
}

}  // namespace testutil

// SPDX-License-Identifier: GPL-2.0-only
// Where two recorded executions part: what replay reports when the model
// changed under a stored trace, and what the sweep's determinism check
// reports when one seed ran two different ways.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sim/trace/trace.hpp"

namespace sim {

struct TraceDifference {
  // Index of the first differing event: the length of the shorter event list
  // when one is a prefix of the other or when the events agree and only the
  // schedule or the verdict differs; 0 when the threads differ.
  size_t event = 0;
  // The scheduling decision at which the executions part: the step of that
  // event, or of the decision or violation that differs.
  uint64_t step = 0;
  // The first decision where the schedules (or their recorded labels)
  // differ, if they do.
  std::optional<size_t> decision;
  // Each side's event ("vcpu0 load kvm->memslots 0x2 in fn") or "(nothing)";
  // when the events agree, each side's thread list, decision or verdict.
  std::string first, second;
};

// nullopt: the same threads, schedule (and labels where both recorded them),
// events and verdict; i.e. equal Trace::hash() unless only the labels of a
// version 1 trace are missing.
std::optional<TraceDifference> first_difference(const Trace& a, const Trace& b);

// Several lines for humans, each side named (for example "recorded" and
// "replayed"), ending in a newline.
std::string describe(const TraceDifference& d, std::string_view first_name = "first",
                     std::string_view second_name = "second");

// One event as the difference names it: "vcpu0 load kvm->memslots 0x2 in fn".
std::string describe_event(const Event& e, const Trace& t);

}  // namespace sim

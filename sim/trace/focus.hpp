// SPDX-License-Identifier: GPL-2.0-only
// The focused timeline of a failing trace: only the steps that matter to the
// verdict, with "..." where stretches were left out.
#pragma once

#include <string>
#include <vector>

#include "sim/trace/trace.hpp"

namespace sim {

// An event standing for left-out events in a focused list: op "elided",
// value "N steps", step the first left-out event's.
inline constexpr const char* kElided = "elided";

inline constexpr size_t kStepBoundTail = 60;

// What a kernel developer's race table would show of `t`'s events:
// - the violating thread's final section (final_section_start);
// - every event, of any thread, on an object that section touched (the
//   objects involved), and the notes recorded at the same step as a kept
//   event of the same thread (they say what the thread was doing);
// - one step further back, every event on an object that another thread
//   read before it stored a value the section read (since its previous
//   store to an involved object): why the writer stored what it did;
// - what orders those across threads: the ends of a lock hand-over, SRCU
//   grace period or completion between a thread's kept events and a later
//   kept event of another thread;
// - only from the earliest store that section read from (or the section's
//   start, whichever is earlier): what came before did not decide the race.
// A step-bound trace is a loop that never ended: its last kStepBoundTail
// events stand for the final section, and before them only the stores that
// stretch read from are kept (what started the loop).
// A clean trace has no focus: its events come back whole.
std::vector<Event> focus_events(const Trace& t);

// `t` with only the events focus_events keeps, without the "elided"
// markers: for views (the graph) that show gaps by their step numbers.
Trace focused_trace(const Trace& t);

// What tells one failure from another: the violation kind and the code
// locations of the violating thread's final section, in order of first
// appearance ("stale-mmio @ vcpu_enter_guest, vmx_handle_exit, ..."). ""
// for a clean trace.
std::string violation_signature(const Trace& t);

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
// Where a failing trace failed: the violation event, and the violating
// thread's final section before it. The focused timeline, the
// happens-before graph and violation signatures all start from these.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "sim/trace/trace.hpp"

namespace sim {

bool is_lock_op(const std::string& op);     // mutex_lock, spin_lock, read_lock, write_lock
bool is_unlock_op(const std::string& op);   // their unlocks
bool is_acquire_op(const std::string& op);  // a lock, or srcu_read_lock
// A shared variable's accesses: a failed compare-exchange reads (and
// records the value it found); a successful one writes (its new value).
bool is_read_op(const std::string& op);   // load, cmpxchg_fail, rmw
bool is_write_op(const std::string& op);  // store, cmpxchg, rmw

// Index of the violation event of a failing trace (the violating thread's
// last event at or before the violation's step if none was recorded).
std::optional<size_t> violation_event(const Trace& t);

// The first event of the violating thread's final section: the later of its
// last acquire whose lock it still holds at the violation (the read-side or
// critical section the failing check ran in) and its 20th-last event, so a
// thread failing outside any section, or deep into a long one, names only
// what it touched just before failing.
size_t final_section_start(const std::vector<Event>& events, size_t violation);

}  // namespace sim

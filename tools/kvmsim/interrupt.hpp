// SPDX-License-Identifier: GPL-2.0-only
// Ctrl-C during a sweep: the handler only sets a flag (all a signal handler
// may safely do); the sweep's jobs check it between executions, stop, and
// the sweep reports what ran, marked partial, for --resume.
#pragma once

#include <atomic>

namespace kvmsim {

// The exit status of a run stopped by SIGINT (128 + SIGINT, as shells report it).
inline constexpr int kInterruptedExit = 130;

// Installs the SIGINT handler. It resets itself on delivery, so a second
// Ctrl-C kills the process the default way.
void catch_interrupt();

// Set once SIGINT arrived.
const std::atomic<bool>& interrupted();

}  // namespace kvmsim

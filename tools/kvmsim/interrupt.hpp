// SPDX-License-Identifier: GPL-2.0-only
// Ctrl-C or SIGTERM during a sweep: the handler only sets a flag (all a
// signal handler may safely do); the sweep's jobs check it between
// executions and inside them, stop, and the sweep reports what ran, marked
// partial, for --resume.
#pragma once

#include <atomic>

namespace kvmsim {

// Installs the handler of SIGINT and SIGTERM. The first signal sets the
// flag. A later one kills the process the default way (a second Ctrl-C
// for a sweep that does not stop soon enough), except while the sweep
// writes its outputs (HoldInterrupts): then the writing finishes.
void catch_interrupt();

// Set once SIGINT or SIGTERM arrived.
const std::atomic<bool>& interrupted();

// The exit status of a run stopped by a signal, as shells report one:
// 128 + the signal, 130 for SIGINT (also when none arrived), 143 for SIGTERM.
int interrupted_exit();

// While one exists, further signals are held off: a report being written
// is completed (and, written atomically, a SIGKILL leaves the old one).
class HoldInterrupts {
 public:
  HoldInterrupts();
  ~HoldInterrupts();
  HoldInterrupts(const HoldInterrupts&) = delete;
  HoldInterrupts& operator=(const HoldInterrupts&) = delete;
};

}  // namespace kvmsim

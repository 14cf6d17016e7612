// SPDX-License-Identifier: GPL-2.0-only
// Replays a recorded schedule decision by decision. When the trace recorded
// labels (format 2), a decision is followed only if the recorded thread is
// runnable and its next operation is the recorded one, so a changed model is
// caught at the first operation that differs rather than many steps later.
// The first decision that does not fit is the divergence; after it the
// execution finishes deterministically, or under a continuation strategy.
#pragma once

#include <optional>
#include <vector>

#include "sim/strategy/strategy.hpp"
#include "sim/trace/event.hpp"

namespace sim {

// The first decision where the recording no longer fitted the model.
struct Divergence {
  enum class Found : uint8_t {
    other_operation,   // the recorded thread is runnable but goes on with `now`
    not_runnable,      // the recorded thread is blocked, finished or unknown
    schedule_ran_out,  // the model asks for more decisions than were recorded
  };
  uint64_t decision = 0;
  ThreadId thread = kNoThread;       // the recorded choice; kNoThread if the schedule ran out
  std::optional<StepLabel> recorded; // its recorded next operation (format-1 traces: none)
  Found found = Found::not_runnable;
  StepLabel now;                     // with other_operation: what the thread does instead
};

class ReplayStrategy final : public Strategy {
 public:
  // `labels` holds the recorded next operation of each decision's chosen
  // thread, or is empty to follow thread ids only (format-1 traces). After a
  // divergence `continuation` (if any; it must outlive this) picks every
  // later decision, otherwise the first runnable thread does.
  explicit ReplayStrategy(std::vector<ThreadId> schedule, std::vector<StepLabel> labels = {},
                          Strategy* continuation = nullptr);

  void begin_execution(uint64_t seed) override;
  ThreadId pick(const Decision& d) override;
  std::string name() const override { return "replay"; }

  const std::optional<Divergence>& divergence() const { return divergence_; }
  std::optional<uint64_t> diverged_at() const {
    return divergence_ ? std::optional<uint64_t>(divergence_->decision) : std::nullopt;
  }

 private:
  ThreadId diverge(const Decision& d, uint64_t at);

  std::vector<ThreadId> schedule_;
  std::vector<StepLabel> labels_;
  Strategy* continuation_;
  uint64_t seed_ = 0;
  uint64_t next_ = 0;
  std::optional<Divergence> divergence_;
};

}  // namespace sim

// SPDX-License-Identifier: GPL-2.0-only
#include "sim/strategy/replay_strategy.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace sim {

namespace {

// Compares without building strings: this runs at every replayed decision.
bool same_operation(const Label& now, const StepLabel& recorded) {
  if (std::strcmp(now.function, recorded.function.c_str()) != 0) return false;
  return now.object ? *now.object == recorded.object : recorded.object.empty();
}

StepLabel step_label(const Label& l) { return {l.function, l.object ? *l.object : ""}; }

}  // namespace

ReplayStrategy::ReplayStrategy(std::vector<ThreadId> schedule, std::vector<StepLabel> labels,
                               Strategy* continuation)
    : schedule_(std::move(schedule)), labels_(std::move(labels)), continuation_(continuation) {
  if (!labels_.empty() && labels_.size() != schedule_.size())
    throw std::invalid_argument("replay: " + std::to_string(labels_.size()) + " labels for " +
                                std::to_string(schedule_.size()) + " decisions");
}

void ReplayStrategy::begin_execution(uint64_t seed) {
  seed_ = seed;
  next_ = 0;
  divergence_.reset();
}

ThreadId ReplayStrategy::pick(const Decision& d) {
  const uint64_t at = next_++;
  if (divergence_) [[unlikely]]
    return continuation_ ? continuation_->pick(d) : d.runnable.front();
  if (at < schedule_.size()) [[likely]] {
    const ThreadId t = schedule_[at];
    if (std::binary_search(d.runnable.begin(), d.runnable.end(), t) &&
        (labels_.empty() || same_operation(d.next[t], labels_[at])))
      return t;
  }
  return diverge(d, at);
}

ThreadId ReplayStrategy::diverge(const Decision& d, uint64_t at) {
  Divergence& v = divergence_.emplace();
  v.decision = at;
  if (at >= schedule_.size()) {
    v.found = Divergence::Found::schedule_ran_out;
  } else {
    v.thread = schedule_[at];
    if (!labels_.empty()) v.recorded = labels_[at];
    if (std::binary_search(d.runnable.begin(), d.runnable.end(), v.thread)) {
      v.found = Divergence::Found::other_operation;
      v.now = step_label(d.next[v.thread]);
    }
  }
  if (!continuation_) return d.runnable.front();  // finish deterministically; the caller reports
  // The continuation starts here with the execution's seed, so a continued
  // replay is as reproducible as the recording: same trace, same model, same
  // continuation spelling, same execution.
  continuation_->begin_execution(seed_);
  return continuation_->pick(d);
}

}  // namespace sim

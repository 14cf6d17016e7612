// Replays a recorded schedule decision by decision. A recorded choice that is
// not runnable (or a schedule that runs out) means the model diverged.
#pragma once

#include <optional>
#include <vector>

#include "sim/strategy/strategy.hpp"

namespace sim {

class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<ThreadId> schedule) : schedule_(std::move(schedule)) {}

  void begin_execution(uint64_t) override { next_ = 0; diverged_at_.reset(); }
  ThreadId pick(const Decision& d) override;
  std::string name() const override { return "replay"; }

  // The first decision where the recording no longer fitted, if any.
  std::optional<uint64_t> diverged_at() const { return diverged_at_; }

 private:
  std::vector<ThreadId> schedule_;
  uint64_t next_ = 0;
  std::optional<uint64_t> diverged_at_;
};

}  // namespace sim

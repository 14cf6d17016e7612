// SPDX-License-Identifier: GPL-2.0-only
// Seeded uniformly random scheduling: at each point every runnable thread,
// the current one included, is equally likely.
#pragma once

#include "sim/strategy/prng.hpp"
#include "sim/strategy/strategy.hpp"

namespace sim {

class RandomStrategy final : public Strategy {
 public:
  void begin_execution(uint64_t seed) override { rng_.reseed(seed); }
  ThreadId pick(const Decision& d) override;
  std::string name() const override { return "random"; }

 private:
  Xoshiro256 rng_;
};

}  // namespace sim

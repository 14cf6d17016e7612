// SPDX-License-Identifier: GPL-2.0-only
#include "sim/sync/srcu.hpp"

#include <algorithm>

namespace sim {

uint64_t Srcu::read_lock(const char* function) {
  Execution& ex = Execution::current();
  ex.point(Label(this, function, Access::write));
  const uint64_t section = next_section_++;
  readers_.push_back(Reader{section, ex.self()});
  if (ex.recording()) ex.record("srcu_read_lock", this, "", function);
  return section;
}

void Srcu::read_unlock(uint64_t handle, const char* function) {
  Execution& ex = Execution::current();
  ex.point(Label(this, function, Access::write));
  auto it = std::find_if(readers_.begin(), readers_.end(),
                         [&](const Reader& r) { return r.section == handle; });
  warn_on(it == readers_.end() || it->thread != ex.self(), "srcu-unbalanced",
          "srcu_read_unlock without a matching srcu_read_lock");
  readers_.erase(it);
  if (ex.recording()) ex.record("srcu_read_unlock", this, "", function);
  for (ThreadId t : synchronizers_) ex.wake(t);
  synchronizers_.clear();
}

bool Srcu::waits_for_readers_before(uint64_t section) const {
  return std::any_of(readers_.begin(), readers_.end(),
                     [&](const Reader& r) { return r.section < section; });
}

void Srcu::synchronize(const char* function) {
  Execution& ex = Execution::current();
  ex.point(Label(this, function, Access::write));
  const uint64_t start = next_section_;
  const auto pending = std::count_if(readers_.begin(), readers_.end(),
                                     [&](const Reader& r) { return r.section < start; });
  if (ex.recording())
    ex.record("synchronize_srcu", this, "waits for " + std::to_string(pending) + " reader(s)",
              function);
  while (waits_for_readers_before(start)) {
    synchronizers_.push_back(ex.self());
    ex.block(*this);
  }
  if (ex.recording()) ex.record("synchronize_srcu_return", this, "", function);
}

}  // namespace sim

// A modeled sleeping or spinning lock (kernel mutex, spinlock). Contention is
// modeled by blocking in the execution: a spinning CPU does nothing a
// scheduler could observe, so it is equivalent to a blocked one. Waiters are
// all woken on unlock and contend again, so every acquisition order that the
// kernel allows can be explored.
#pragma once

#include <string>
#include <vector>

#include "sim/runtime/execution.hpp"

namespace sim {

class Lock : public Object {
 public:
  enum class Kind { mutex, spinlock };
  Lock(std::string name, Kind kind) : Object(std::move(name)), kind_(kind) {}

  void lock(const char* function = __builtin_FUNCTION());
  void unlock(const char* function = __builtin_FUNCTION());

 private:
  Kind kind_;
  ThreadId owner_ = kNoThread;
  std::vector<ThreadId> waiters_;
};

class Mutex : public Lock {
 public:
  explicit Mutex(std::string name) : Lock(std::move(name), Kind::mutex) {}
};

class Spinlock : public Lock {
 public:
  explicit Spinlock(std::string name) : Lock(std::move(name), Kind::spinlock) {}
};

}  // namespace sim

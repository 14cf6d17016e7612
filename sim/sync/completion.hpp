// SPDX-License-Identifier: GPL-2.0-only
// A completion (the kernel's struct completion, complete_all flavour): wait()
// blocks until complete() has been called once.
#pragma once

#include <string>
#include <vector>

#include "sim/runtime/execution.hpp"

namespace sim {

class Completion : public Object {
 public:
  explicit Completion(std::string_view name) : Object(name) {}

  void complete(const char* function = __builtin_FUNCTION());
  void wait(const char* function = __builtin_FUNCTION());
  // completion_done(): whether complete() has run; not a scheduling point.
  bool done() const { return done_; }

 private:
  bool done_ = false;
  std::vector<ThreadId> waiters_;
};

}  // namespace sim

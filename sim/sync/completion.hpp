// A completion (the kernel's struct completion, complete_all flavour): wait()
// blocks until complete() has been called once.
#pragma once

#include <string>
#include <vector>

#include "sim/runtime/execution.hpp"

namespace sim {

class Completion : public Object {
 public:
  explicit Completion(std::string name) : Object(std::move(name)) {}

  void complete(const char* function = __builtin_FUNCTION());
  void wait(const char* function = __builtin_FUNCTION());

 private:
  bool done_ = false;
  std::vector<ThreadId> waiters_;
};

}  // namespace sim

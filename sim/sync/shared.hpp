// SPDX-License-Identifier: GPL-2.0-only
// A shared variable: every load, store and compare-exchange is a scheduling
// point and a traced event. peek()/init() are for oracles and set-up only:
// they are not accesses of the modeled code.
#pragma once

#include <string>
#include <utility>

#include "sim/runtime/execution.hpp"
#include "sim/sync/trace_value.hpp"

namespace sim {

template <class T>
class Shared : public Object {
 public:
  Shared(std::string_view name, T initial = T{}) : Object(name), v_(initial) {}

  T load(const char* function = __builtin_FUNCTION()) {
    Execution& ex = Execution::current();
    ex.point(Label(this, function, Access::read));
    const T v = v_;
    if (ex.recording()) ex.record("load", this, trace_value(v), function);
    return v;
  }

  void store(T v, const char* function = __builtin_FUNCTION()) {
    Execution& ex = Execution::current();
    ex.point(Label(this, function, Access::write));
    v_ = v;
    if (ex.recording()) ex.record("store", this, trace_value(v), function);
  }

  // Atomically: if the value equals `expected`, store `desired`; otherwise
  // load the current value into `expected`.
  bool compare_exchange(T& expected, T desired, const char* function = __builtin_FUNCTION()) {
    Execution& ex = Execution::current();
    ex.point(Label(this, function, Access::write));
    const bool ok = v_ == expected;
    if (ok) v_ = desired; else expected = v_;
    if (ex.recording())
      ex.record(ok ? "cmpxchg" : "cmpxchg_fail", this, trace_value(ok ? desired : v_), function);
    return ok;
  }

  // Atomically adds `delta` and returns the value before (atomic_fetch_add;
  // also stands for atomic_inc/dec_return). Both a read and a write.
  T fetch_add(T delta, const char* function = __builtin_FUNCTION()) {
    Execution& ex = Execution::current();
    ex.point(Label(this, function, Access::write));
    const T old = v_;
    v_ = static_cast<T>(old + delta);
    if (ex.recording()) ex.record("rmw", this, trace_value(v_), function);
    return old;
  }

  const T& peek() const { return v_; }
  void init(T v) { v_ = std::move(v); }

 private:
  T v_;
};

}  // namespace sim

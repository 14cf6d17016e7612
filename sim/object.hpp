// SPDX-License-Identifier: GPL-2.0-only
// A named shared object: every traced access names the object it touched.
#pragma once

#include <string>
#include <string_view>

namespace sim {

class Object {
 public:
  explicit Object(std::string_view name) : name_(&intern(name)) {}
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  const std::string& name() const { return *name_; }

 private:
  // One copy of each name per OS thread: a model builds the same objects,
  // with the same names, for every execution, and copying the names was a
  // tenth of the cost of a short execution.
  static const std::string& intern(std::string_view name);

  const std::string* name_;
};

}  // namespace sim

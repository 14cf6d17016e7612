// A named shared object: every traced access names the object it touched.
#pragma once

#include <string>
#include <utility>

namespace sim {

class Object {
 public:
  explicit Object(std::string name) : name_(std::move(name)) {}
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

}  // namespace sim

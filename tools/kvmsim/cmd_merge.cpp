#include <stdexcept>

#include "commands.hpp"

namespace kvmsim {

int cmd_merge(const MergeArgs&) { throw std::runtime_error("kvmsim merge: not implemented yet"); }

}  // namespace kvmsim

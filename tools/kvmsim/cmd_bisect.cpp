#include <stdexcept>

#include "commands.hpp"

namespace kvmsim {

int cmd_bisect(const BisectArgs&) { throw std::runtime_error("kvmsim bisect: not implemented yet"); }

}  // namespace kvmsim

#include <stdexcept>

#include "commands.hpp"

namespace kvmsim {

int cmd_explore(const ExploreArgs&) { throw std::runtime_error("kvmsim explore: not implemented yet"); }

}  // namespace kvmsim

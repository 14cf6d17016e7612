#include <stdexcept>

#include "commands.hpp"

namespace kvmsim {

int cmd_minimize(const MinimizeArgs&) { throw std::runtime_error("kvmsim minimize: not implemented yet"); }

}  // namespace kvmsim

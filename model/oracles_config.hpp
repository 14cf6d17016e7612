// Which oracles a scenario turned on.
#pragma once

namespace model {

struct Oracles {
  bool stale_mmio = false;
};

}  // namespace model

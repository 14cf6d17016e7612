// SPDX-License-Identifier: GPL-2.0-only
// Which oracles a scenario turned on.
#pragma once

namespace model {

struct Oracles {
  bool stale_mmio = false;
  bool stale_mmio_in_flux = false;
  bool generation_backwards = false;
};

}  // namespace model

// SPDX-License-Identifier: GPL-2.0-only
// Variants files (--variants-file): read as kvmsim reads them, without
// adding their states to the registry (so every input meets the built-in
// states alone); each state's definition is written as a trace records it.
// (Rebuilding a state from a definition, as a replay does, is fuzz_trace's:
// the registry keeps every state it rebuilds.)
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "input_file.hpp"
#include "model/variants/registry.hpp"
#include "sim/json_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::InputFile file;
  file.write(data, size);
  // What the CLI reports as bad input (exit 2) is a correct answer; any
  // other exception escapes and is a finding.
  try {
    for (const model::Variant& v : model::read_variants_file(file.path())) {
      model::variant_definition_text(model::variant_definition(v));
    }
  } catch (const sim::InputError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
// x86 MMIO SPTE generation encoding, from the kernel's bit layout
// (arch/x86/kvm/mmu.c), not from the model's constants:
//
//   v3.16 (3.11 .. 3.16, f8f559422b6c): 19-bit generation.
//     SPTE bits 3-11  <- generation bits 0-8
//     SPTE bits 52-61 <- generation bits 9-18
//     MMIO_MAX_GEN = 2^19 - 1 = 0x7ffff
//     kvm_current_mmio_generation = (memslots gen + MMIO_MAX_GEN - 150) & 0x7ffff
//     kvm_mmu_invalidate_mmio_sptes zaps when that is >= MMIO_MAX_GEN.
//   v3.17 (ee3d1570b586 + 00f034a12f): 20-bit generation, bit 0 not stored.
//     SPTE bits 3-11  <- generation bits 1-9
//     SPTE bits 52-61 <- generation bits 10-19
//     decoded bit 0 is always 0; MMIO_MAX_GEN = 2^20 - 1 = 0xfffff
//     kvm_current_mmio_generation = memslots gen & 0xfffff, memslots gen
//     starts at (u64)-150; zaps when the MMIO generation is 0.
//   EPT MMIO SPTE mask (ept_set_mmio_spte_mask): (3 << 62) | 6.
//
// Every expected value below is computed by hand from that layout.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/harness/scenario.hpp"
#include "model/harness/simulation.hpp"
#include "model/variants/variants.hpp"
#include "model/arch/x86/kvm/mmu.hpp"
#include "model/arch/x86/kvm/mmu/spte.hpp"
#include "sim/runtime/execution.hpp"
#include "sim/strategy/random_strategy.hpp"
#include "test_util.hpp"

using model::MmioGenLayout;

namespace {

constexpr MmioGenLayout k316 = MmioGenLayout::gen19;
constexpr MmioGenLayout k317 = MmioGenLayout::gen20_low_bit_dropped;

constexpr uint64_t kEptMmioMask = 0xc000000000000006ULL;
constexpr unsigned kMaxGen316 = 0x7ffff;  // 2^19 - 1
constexpr unsigned kMaxGen317 = 0xfffff;  // 2^20 - 1

// The reference encoder, bit by bit, from the layout in the header comment.
uint64_t ref_mask(MmioGenLayout layout, unsigned gen) {
  uint64_t spte = 0;
  const unsigned first = layout == k316 ? 0 : 1;  // lowest stored generation bit
  for (unsigned b = first; b < first + 9; ++b)
    if (gen >> b & 1) spte |= 1ULL << (3 + b - first);
  for (unsigned b = first + 9; b < first + 19; ++b)
    if (gen >> b & 1) spte |= 1ULL << (52 + b - first - 9);
  return spte;
}

const model::Variant& v316() { return model::find_variant("v3.16"); }
const model::Variant& v317() { return model::find_variant("v3.17"); }

}  // namespace

TEST_CASE("the EPT MMIO mask and the variants' layouts") {
  CHECK(model::shadow_mmio_mask == kEptMmioMask);
  CHECK(v316().mmio_gen_layout == k316);
  CHECK(v317().mmio_gen_layout == k317);
  CHECK(v316().initial_generation_base == 0);
  CHECK(v317().initial_generation_base == -150);
}

TEST_CASE("generation_mmio_spte_mask: v3.16 hand vectors") {
  struct V {
    unsigned gen;
    uint64_t mask;
  };
  const V vectors[] = {
      {0x00000, 0x0000000000000000ULL},
      {0x00001, 0x0000000000000008ULL},  // gen bit 0 -> SPTE bit 3
      {0x00002, 0x0000000000000010ULL},
      {0x00100, 0x0000000000000800ULL},  // gen bit 8 -> SPTE bit 11
      {0x001ff, 0x0000000000000ff8ULL},  // bits 0-8 -> SPTE 3-11
      {0x00200, 0x0010000000000000ULL},  // gen bit 9 -> SPTE bit 52
      {0x40000, 0x2000000000000000ULL},  // gen bit 18 -> SPTE bit 61
      {0x7fe00, 0x3ff0000000000000ULL},  // bits 9-18 -> SPTE 52-61
      {0x7ffff, 0x3ff0000000000ff8ULL},  // MMIO_MAX_GEN
      {0x12345, 0x0910000000000a28ULL},  // low 0x145 << 3, high 0x91 << 52
      {0x7ff69, 0x3ff0000000000b48ULL},  // v3.16's initial MMIO gen: low 0x169 << 3
  };
  for (const V& v : vectors) {
    CAPTURE(v.gen);
    CHECK(model::generation_mmio_spte_mask(k316, v.gen) == v.mask);
    CHECK(ref_mask(k316, v.gen) == v.mask);  // the reference agrees with the hand values
    CHECK(model::get_mmio_spte_generation(k316, v.mask) == v.gen);
  }
}

TEST_CASE("generation_mmio_spte_mask: v3.17 hand vectors") {
  struct V {
    unsigned gen;
    uint64_t mask;
    unsigned decoded;  // bit 0 is never stored
  };
  const V vectors[] = {
      {0x00000, 0x0000000000000000ULL, 0x00000},
      {0x00001, 0x0000000000000000ULL, 0x00000},  // bit 0 dropped
      {0x00002, 0x0000000000000008ULL, 0x00002},  // gen bit 1 -> SPTE bit 3
      {0x00003, 0x0000000000000008ULL, 0x00002},
      {0x00200, 0x0000000000000800ULL, 0x00200},  // gen bit 9 -> SPTE bit 11
      {0x003fe, 0x0000000000000ff8ULL, 0x003fe},
      {0x003ff, 0x0000000000000ff8ULL, 0x003fe},
      {0x00400, 0x0010000000000000ULL, 0x00400},  // gen bit 10 -> SPTE bit 52
      {0x80000, 0x2000000000000000ULL, 0x80000},  // gen bit 19 -> SPTE bit 61
      {0xffc00, 0x3ff0000000000000ULL, 0xffc00},
      {0xfffff, 0x3ff0000000000ff8ULL, 0xffffe},  // MMIO_MAX_GEN
      {0x12345, 0x0480000000000d10ULL, 0x12344},  // low 0x344 << 2, high 0x48 << 52
      {0xfff6a, 0x3ff0000000000da8ULL, 0xfff6a},  // (u64)-150 & 0xfffff
      {0xfff6b, 0x3ff0000000000da8ULL, 0xfff6a},  // odd: same SPTE as the even below it
  };
  for (const V& v : vectors) {
    CAPTURE(v.gen);
    CHECK(model::generation_mmio_spte_mask(k317, v.gen) == v.mask);
    CHECK(ref_mask(k317, v.gen) == v.mask);
    CHECK(model::get_mmio_spte_generation(k317, v.mask) == v.decoded);
  }
}

TEST_CASE("get_mmio_spte_generation: round trips over every generation") {
  // v3.16: every 19-bit generation survives; v3.17: every 20-bit generation
  // comes back with bit 0 cleared. Also with the MMIO mask, access bits and
  // a gfn in the SPTE, which must not disturb the generation.
  const uint64_t extra = kEptMmioMask | (0xabcdeULL << 12);
  for (unsigned gen = 0; gen <= kMaxGen316; ++gen) {
    const uint64_t mask = model::generation_mmio_spte_mask(k316, gen);
    if (mask != ref_mask(k316, gen) || model::get_mmio_spte_generation(k316, mask) != gen ||
        model::get_mmio_spte_generation(k316, mask | extra) != gen) {
      FAIL_CHECK("v3.16 round trip fails at gen " << gen);
      break;
    }
  }
  for (unsigned gen = 0; gen <= kMaxGen317; ++gen) {
    const uint64_t mask = model::generation_mmio_spte_mask(k317, gen);
    if (mask != ref_mask(k317, gen) || model::get_mmio_spte_generation(k317, mask) != (gen & ~1U) ||
        model::get_mmio_spte_generation(k317, mask | extra) != (gen & ~1U)) {
      FAIL_CHECK("v3.17 round trip fails at gen " << gen);
      break;
    }
  }
  // The generation field never touches the gfn bits (12-51) or bits 0-2, 62-63.
  CHECK((model::generation_mmio_spte_mask(k316, kMaxGen316) & 0xc00ffffffffff007ULL) == 0);
  CHECK((model::generation_mmio_spte_mask(k317, kMaxGen317) & 0xc00ffffffffff007ULL) == 0);
}

TEST_CASE("a generation above MMIO_MAX_GEN is a WARN") {
  auto warns = [](MmioGenLayout layout, unsigned gen) {
    sim::RandomStrategy strategy;
    sim::Execution exec(strategy, sim::ExecutionOptions{});
    exec.spawn("t", 0, [&] { model::generation_mmio_spte_mask(layout, gen); });
    const sim::Outcome out = exec.run(0);
    return out.violation && out.violation->kind == "warn:generation_mmio_spte_mask";
  };
  CHECK(warns(k316, 0x80000));
  CHECK_FALSE(warns(k316, 0x7ffff));
  CHECK(warns(k317, 0x100000));
  CHECK_FALSE(warns(k317, 0xfffff));
}

TEST_CASE("make_mmio_spte_value, get_mmio_spte_gfn, is_mmio_spte") {
  struct V {
    MmioGenLayout layout;
    uint64_t gfn;
    unsigned access;
    unsigned gen;
    uint64_t spte;
    unsigned decoded_gen;
  };
  const V vectors[] = {
      // mask | write+user access (bits 1-2, inside the MMIO mask) | gfn << 12
      {k316, 0x10, 7, 0x7ffff, 0xfff0000000010ffeULL, 0x7ffff},
      {k316, 0x10, 7, 0x7ff69, 0xfff0000000010b4eULL, 0x7ff69},
      {k316, 0x12345, 1, 0, 0xc000000012345006ULL, 0},  // exec bit is not stored
      {k316, 0xffffffffffULL, 0, 0x7ffff, 0xfffffffffffffffeULL, 0x7ffff},
      {k317, 0x10, 7, 0xfff6a, 0xfff0000000010daeULL, 0xfff6a},
      {k317, 0x10, 7, 0xfff6b, 0xfff0000000010daeULL, 0xfff6a},
      {k317, 0x1f, 2, 0x2, 0xc00000000001f00eULL, 0x2},
      {k317, 0xffffffffffULL, 4, 0xfffff, 0xfffffffffffffffeULL, 0xffffe},
  };
  for (const V& v : vectors) {
    CAPTURE(v.gfn);
    CAPTURE(v.gen);
    const uint64_t spte = model::make_mmio_spte_value(v.layout, v.gfn, v.access, v.gen);
    CHECK(spte == v.spte);
    CHECK(model::is_mmio_spte(spte));
    CHECK_FALSE(model::is_shadow_present_pte(spte));
    CHECK(model::get_mmio_spte_gfn(v.layout, spte) == v.gfn);
    CHECK(model::get_mmio_spte_generation(v.layout, spte) == v.decoded_gen);
  }
  // gfn round trip over the layouts, gfns and generations
  for (MmioGenLayout layout : {k316, k317}) {
    for (uint64_t gfn : {0ULL, 1ULL, 0x10ULL, 0x1ffULL, 0x80000ULL, 0xfedcba9876ULL}) {
      for (unsigned gen : {0U, 1U, 0x155U, 0x2aaaaU, 0x7ffffU}) {
        const uint64_t spte = model::make_mmio_spte_value(layout, gfn, 6, gen);
        CHECK(model::get_mmio_spte_gfn(layout, spte) == gfn);
      }
    }
  }
  CHECK(model::is_mmio_spte(0xc000000000000006ULL));
  CHECK(model::is_mmio_spte(0xc000000000000007ULL));
  CHECK_FALSE(model::is_mmio_spte(0));
  CHECK_FALSE(model::is_mmio_spte(0x6));                 // no bits 62-63
  CHECK_FALSE(model::is_mmio_spte(0x4000000000000006ULL));  // bit 63 missing
  CHECK_FALSE(model::is_mmio_spte(0x8000000000000006ULL));  // bit 62 missing
  CHECK_FALSE(model::is_mmio_spte(0xc000000000000002ULL));  // bit 2 missing
  CHECK_FALSE(model::is_mmio_spte(0xc000000000000004ULL));  // bit 1 missing
  // An EPT RAM leaf: read/write/execute + pfn.
  const uint64_t ram = 0x7 | (0x7f0000010ULL << 12);
  CHECK_FALSE(model::is_mmio_spte(ram));
  CHECK(model::is_shadow_present_pte(ram));
}

TEST_CASE("mmio_generation_of: v3.16 bias and wrap boundary") {
  // (gen + 0x7ffff - 150) & 0x7ffff; 0x7ffff - 150 = 0x7ff69.
  const model::Variant& v = v316();
  CHECK(model::mmio_generation_of(v, 0) == 0x7ff69);
  CHECK(model::mmio_generation_of(v, 1) == 0x7ff6a);
  CHECK(model::mmio_generation_of(v, 148) == 0x7fffd);
  CHECK(model::mmio_generation_of(v, 149) == 0x7fffe);
  CHECK(model::mmio_generation_of(v, 150) == kMaxGen316);  // MMIO_MAX_GEN: the zap point
  CHECK(model::mmio_generation_of(v, 151) == 0);
  CHECK(model::mmio_generation_of(v, 152) == 1);
  CHECK(model::mmio_generation_of(v, 150 + 0x80000) == kMaxGen316);
  CHECK(model::mmio_generation_of(v, 151 + 0x80000) == 0);
  CHECK(model::mmio_generation_of(v, ~0ULL) == 0x7ff68);  // u64 wrap
  for (uint64_t g = 0; g < 3 * 0x80000; g += 997)
    CHECK(model::mmio_generation_of(v, g) == ((g + 0x7ffff - 150) & 0x7ffff));
}

TEST_CASE("mmio_generation_of: v3.17 no bias, -150 start, wraps after 75 updates") {
  const model::Variant& v = v317();
  const uint64_t initial = static_cast<uint64_t>(int64_t{-150});
  CHECK(initial == 0xffffffffffffff6aULL);
  CHECK(model::mmio_generation_of(v, initial) == 0xfff6a);  // 2^20 - 150
  CHECK(model::mmio_generation_of(v, 0) == 0);
  CHECK(model::mmio_generation_of(v, 2) == 2);
  CHECK(model::mmio_generation_of(v, 0xfffff) == 0xfffff);
  CHECK(model::mmio_generation_of(v, 0x100000) == 0);
  CHECK(model::mmio_generation_of(v, 0x123456789ULL) == 0x56789);
  // Each completed update adds 2 (odd while in flight, even again after).
  uint64_t g = initial;
  for (int update = 1; update <= 75; ++update) {
    g += 2;
    CAPTURE(update);
    if (update < 75) CHECK(model::mmio_generation_of(v, g) != 0);
    else CHECK(model::mmio_generation_of(v, g) == 0);
  }
  CHECK(model::mmio_generation_of(v, initial + 148) == 0xffffe);
}

namespace {

// A scenario with one updater creating `creates` one-page memslots.
nlohmann::json updater_scenario(const std::string& variant, int creates,
                                std::optional<int64_t> generation, bool mmio_spte = false) {
  nlohmann::json program = nlohmann::json::array();
  nlohmann::json threads = nlohmann::json::array();
  if (mmio_spte) {
    // A vCPU touches gfn 255, which no slot backs: an MMIO SPTE.
    threads.push_back({{"name", "vcpu0"},
                       {"kind", "vcpu"},
                       {"cpu", 1},
                       {"program", {{{"op", "access"}, {"gfn", 255}}}}});
    program.push_back({{"op", "wait_for"}, {"thread", "vcpu0"}});
  }
  for (int i = 0; i < creates; ++i)
    program.push_back({{"op", "create_memslot"},
                       {"slot", i},
                       {"base_gfn", i},
                       {"npages", 1},
                       {"userspace_addr", 0x7f0000000000ULL + 0x1000ULL * i}});
  nlohmann::json vm = {{"gfns", 256}, {"memslots", nlohmann::json::array()}};
  if (generation) vm["generations"] = {std::to_string(*generation)};
  threads.push_back({{"name", "updater"}, {"kind", "updater"}, {"cpu", 0}, {"program", program}});
  // Through text, as from a file: nlohmann keeps a C++ int as a signed
  // number, which the loader's u64() does not take.
  const nlohmann::json j = {{"name", "wrap"},
          {"title", "memslot updates up to the MMIO generation wrap"},
          {"description", "test"},
          {"sources", {{{"commit", "0e32958ec449"}, {"title", "test"}}}},
          {"expect", {{{"variant", variant}, {"verdict", "clean"}, {"why", "test"}}}},
          {"vm", vm},
          {"threads", threads},
          {"oracles", nlohmann::json::array()},
          {"exploration", {{"strategy", "random"}, {"seeds", "0..0"}, {"step_bound", 100000}}}};
  return nlohmann::json::parse(j.dump());
}

// For each wraparound zap, the number of the ioctl (1-based) it happened in.
// `cleared`: set when the SPTE of gfn 0xff is zeroed after a zap.
std::vector<int> zaps_during(const nlohmann::json& scenario_json, const std::string& variant,
                             bool* cleared = nullptr) {
  const model::Scenario sc = model::parse_scenario(scenario_json, "wrap.json");
  sim::RandomStrategy strategy;
  model::Simulation simulation(sc, model::find_variant(variant), strategy, true);
  const sim::Outcome out = simulation.run(0);
  REQUIRE_FALSE(out.violation);
  std::vector<int> zaps;
  int ioctl = 0;
  for (const sim::Event& e : simulation.execution().events()) {
    if (e.op == "store" && testutil::contains(e.object, "0xff") && zaps.size() > 0 &&
        e.value == "0x0" && cleared)
      *cleared = true;
    if (e.op != "note") continue;
    if (testutil::contains(e.value, "ioctl KVM_SET_USER_MEMORY_REGION")) ++ioctl;
    if (testutil::contains(e.value, "ioctl returns")) FAIL("an ioctl failed: " << e.value);
    if (testutil::contains(e.value, "wraparound")) zaps.push_back(ioctl);
  }
  return zaps;
}

}  // namespace

TEST_CASE("wraparound through the model: v3.17 zaps on the 75th memslot update") {
  const std::vector<int> zaps = zaps_during(updater_scenario("v3.17", 76, std::nullopt), "v3.17");
  CHECK(zaps == std::vector<int>{75});
}

TEST_CASE("kvm_mmu_invalidate_mmio_sptes: where each variant zaps") {
  // The memslots generation after update n is the override plus n (v3.16)
  // or plus 2n (v3.17). Zaps: v3.16 at MMIO generation MMIO_MAX_GEN, i.e.
  // memslots generation 150 (mod 2^19); v3.17 at MMIO generation 0.
  auto zaps = [](const char* variant, int creates, int64_t generation) {
    return zaps_during(updater_scenario(variant, creates, generation), variant);
  };
  using Z = std::vector<int>;
  CHECK(zaps("v3.16", 3, 148) == Z{2});                // 149, 150, 151
  CHECK(zaps("v3.16", 3, 0x80000 + 148) == Z{2});      // 150 + 2^19
  CHECK(zaps("v3.16", 3, 151) == Z{});                 // 152.. (MMIO gen 1..)
  CHECK(zaps("v3.17", 1, -2) == Z{1});                 // 0
  CHECK(zaps("v3.17", 2, 0) == Z{});                   // 2, 4
  CHECK(zaps("v3.17", 2, 0x100000 - 4) == Z{2});       // 0xffffe, 0x100000
  CHECK(zaps("v3.17", 2, -150) == Z{});                // -148, -146
  // The zap really clears an MMIO SPTE.
  for (const char* variant : {"v3.16", "v3.17"}) {
    CAPTURE(variant);
    bool cleared = false;
    const int64_t before = std::string(variant) == "v3.16" ? 149 : -2;
    CHECK(zaps_during(updater_scenario(variant, 1, before, true), variant, &cleared) == Z{1});
    CHECK(cleared);
    cleared = false;
    CHECK(zaps_during(updater_scenario(variant, 1, before - 2, true), variant, &cleared) == Z{});
    CHECK_FALSE(cleared);
  }
}

TEST_CASE("wraparound through the model: v3.16 zaps when the memslots generation is 150") {
  // From the variant's initial generation 0, +1 per update: the 150th.
  CHECK(zaps_during(updater_scenario("v3.16", 151, std::nullopt), "v3.16") == std::vector<int>{150});
  // With the scenario's generation override 147: updates give 148, 149, 150, 151.
  CHECK(zaps_during(updater_scenario("v3.16", 4, 147), "v3.16") == std::vector<int>{3});
}

// ---------------------------------------------------------------------------
// The GENMASK layouts of the 2019 series (arch/x86/kvm/mmu.c at cae7ed3c2cb0
// and in 5.1), with their bug (fixed by 34c0f6f2695a in 5.11):
//
//   genmask20_high_unshifted (cae7ed3c2cb0, 0e32958ec449):
//     MMIO_SPTE_GEN_MASK = GENMASK_ULL(19, 1), MMIO_SPTE_GEN_SHIFT = 1
//     encode: WARN_ON(gen & ~MMIO_SPTE_GEN_MASK); gen >>= 1;
//             mask  = (gen << 3)  & GENMASK_ULL(11, 3);
//             mask |= (gen << 52) & GENMASK_ULL(61, 52);   <- no ">> 9" first
//     decode: spte &= ~shadow_mmio_mask;
//             gen = (spte & LOW) >> 3 | (spte & HIGH) >> 52; return gen << 1;
//     So SPTE bits 3-11 <- gen bits 1-9 and SPTE bits 52-61 <- gen bits 1-10
//     (meant: 10-19). Gen bits 11-19 are lost; decoded = gen & 0x7fe.
//   genmask19_high_unshifted (164bf7e56c5a, v5.1):
//     MMIO_SPTE_GEN_MASK = GENMASK_ULL(18, 0), no shift; the same expressions.
//     SPTE bits 3-11 <- gen bits 0-8, SPTE bits 52-61 <- gen bits 0-9
//     (meant: 9-18). Gen bits 10-18 are lost; decoded = gen & 0x3ff.
// ---------------------------------------------------------------------------

namespace {

constexpr MmioGenLayout kGm20 = MmioGenLayout::genmask20_high_unshifted;
constexpr MmioGenLayout kGm19 = MmioGenLayout::genmask19_high_unshifted;

// The lowest generation bit a GENMASK layout stores.
unsigned gm_first(MmioGenLayout layout) { return layout == kGm20 ? 1 : 0; }

// The buggy kernel layout, bit by bit: both fields start at the same
// generation bit; the low field is 9 bits wide, the high one 10.
uint64_t ref_mask_gm(MmioGenLayout layout, uint64_t gen) {
  const unsigned first = gm_first(layout);
  uint64_t spte = 0;
  for (unsigned i = 0; i < 9; ++i)
    if (gen >> (first + i) & 1) spte |= 1ULL << (3 + i);
  for (unsigned i = 0; i < 10; ++i)
    if (gen >> (first + i) & 1) spte |= 1ULL << (52 + i);
  return spte;
}

// Its decoder, bit by bit: generation bit first+i is SPTE bit 3+i (i < 9)
// or SPTE bit 52+i (i < 10); nothing else of the SPTE is read.
uint64_t ref_decode_gm(MmioGenLayout layout, uint64_t spte) {
  const unsigned first = gm_first(layout);
  uint64_t gen = 0;
  for (unsigned i = 0; i < 10; ++i) {
    const bool low = i < 9 && (spte >> (3 + i) & 1);
    const bool high = spte >> (52 + i) & 1;
    if (low || high) gen |= 1ULL << (first + i);
  }
  return gen;
}

// Whether encoding `gen` in `layout` WARNs, run as a modeled thread.
bool encode_warns(MmioGenLayout layout, uint64_t gen) {
  sim::RandomStrategy strategy;
  sim::Execution exec(strategy, sim::ExecutionOptions{});
  exec.spawn("t", 0, [&] { model::generation_mmio_spte_mask(layout, gen); });
  const sim::Outcome out = exec.run(0);
  return out.violation && out.violation->kind == "warn:generation_mmio_spte_mask";
}

struct GmVector {
  uint64_t gen;
  uint64_t mask;
  uint64_t decoded;
};

void check_gm_vectors(MmioGenLayout layout, const std::vector<GmVector>& vectors) {
  const uint64_t extra = kEptMmioMask | (0xabcdeULL << 12) | 0x1;  // MMIO mask, gfn, bit 0
  for (const GmVector& v : vectors) {
    CAPTURE(v.gen);
    CHECK(model::generation_mmio_spte_mask(layout, v.gen) == v.mask);
    CHECK(ref_mask_gm(layout, v.gen) == v.mask);  // the reference agrees with the hand values
    CHECK(model::get_mmio_spte_generation(layout, v.mask) == v.decoded);
    CHECK(model::get_mmio_spte_generation(layout, v.mask | extra) == v.decoded);
    CHECK(ref_decode_gm(layout, v.mask) == v.decoded);
  }
}

const model::Variant& variant(const std::string& name) { return model::find_variant(name); }

}  // namespace

TEST_CASE("the GENMASK layouts belong to the 2019 variants") {
  for (const std::string name : {"v5.0+cae7ed3c2cb0", "v5.0+0e32958ec449"}) {
    CAPTURE(name);
    CHECK(variant(name).mmio_gen_layout == kGm20);
  }
  for (const std::string name : {"v5.0+164bf7e56c5a", "v5.1"}) {
    CAPTURE(name);
    CHECK(variant(name).mmio_gen_layout == kGm19);
  }
  for (const std::string name : {"v4.19", "v5.0+152482580a1b", "v5.0+e1359e2beb8b",
                           "v5.0+ddfd1730fd82", "v5.0+361209e054a2"}) {
    CAPTURE(name);
    CHECK(variant(name).mmio_gen_layout == k317);
  }
}

TEST_CASE("generation_mmio_spte_mask: genmask20_high_unshifted hand vectors") {
  // gen >> 1 = g; mask = (g & 0x1ff) << 3 | (g & 0x3ff) << 52; decoded = gen & 0x7fe.
  check_gm_vectors(kGm20, {
      {0x00000, 0x0000000000000000ULL, 0x000},
      {0x00002, 0x0010000000000008ULL, 0x002},  // gen bit 1 -> SPTE bits 3 and 52
      {0x003fe, 0x1ff0000000000ff8ULL, 0x3fe},  // gen bits 1-9 -> SPTE 3-11 and 52-60
      {0x00400, 0x2000000000000000ULL, 0x400},  // gen bit 10 -> SPTE bit 61 only
      {0x007fe, 0x3ff0000000000ff8ULL, 0x7fe},  // every bit that survives
      {0x00800, 0x0000000000000000ULL, 0x000},  // gen bit 11 -> SPTE bit 62, masked off: lost
      {0x00802, 0x0010000000000008ULL, 0x002},  // bit 11 lost, bit 1 kept
      {0x00c00, 0x2000000000000000ULL, 0x400},  // bit 11 lost, bit 10 kept
      {0x01000, 0x0000000000000000ULL, 0x000},  // gen bit 12 -> SPTE bit 63: lost
      {0x80000, 0x0000000000000000ULL, 0x000},  // gen bit 19 -> shifted out of the u64
      {0xff800, 0x0000000000000000ULL, 0x000},  // bits 11-19: all lost
      {0xffffc, 0x3fe0000000000ff0ULL, 0x7fc},  // the wrap-boundary values of a space
      {0xffffe, 0x3ff0000000000ff8ULL, 0x7fe},  // GENMASK_ULL(19, 1), the largest
      {0x12344, 0x1a20000000000d10ULL, 0x344},  // g 0x91a2: low 0x1a2, high 0x1a2
      {0xfff6a, 0x3b50000000000da8ULL, 0x76a},  // (u64)-150 & GENMASK_ULL(19, 1)
  });
  // The decoder ORs the two fields: each alone gives back its bits.
  CHECK(model::get_mmio_spte_generation(kGm20, 0x0000000000000ff8ULL) == 0x3fe);
  CHECK(model::get_mmio_spte_generation(kGm20, 0x3ff0000000000000ULL) == 0x7fe);
  CHECK(model::get_mmio_spte_generation(kGm20, 0x2000000000000008ULL) == 0x402);
}

TEST_CASE("generation_mmio_spte_mask: genmask19_high_unshifted hand vectors") {
  // mask = (gen & 0x1ff) << 3 | (gen & 0x3ff) << 52; decoded = gen & 0x3ff.
  check_gm_vectors(kGm19, {
      {0x00000, 0x0000000000000000ULL, 0x000},
      {0x00001, 0x0010000000000008ULL, 0x001},  // gen bit 0 -> SPTE bits 3 and 52
      {0x001ff, 0x1ff0000000000ff8ULL, 0x1ff},  // gen bits 0-8 -> SPTE 3-11 and 52-60
      {0x00200, 0x2000000000000000ULL, 0x200},  // gen bit 9 -> SPTE bit 61 only
      {0x003ff, 0x3ff0000000000ff8ULL, 0x3ff},  // every bit that survives
      {0x00400, 0x0000000000000000ULL, 0x000},  // gen bit 10 -> SPTE bit 62, masked off: lost
      {0x00401, 0x0010000000000008ULL, 0x001},  // bit 10 lost, bit 0 kept
      {0x00600, 0x2000000000000000ULL, 0x200},  // bit 10 lost, bit 9 kept
      {0x40000, 0x0000000000000000ULL, 0x000},  // gen bit 18 -> shifted out of the u64
      {0x7fc00, 0x0000000000000000ULL, 0x000},  // bits 10-18: all lost
      {0x7fffe, 0x3fe0000000000ff0ULL, 0x3fe},  // the wrap-boundary values
      {0x7ffff, 0x3ff0000000000ff8ULL, 0x3ff},  // GENMASK_ULL(18, 0), the largest
      {0x12345, 0x3450000000000a28ULL, 0x345},  // low 0x145, high 0x345
  });
  CHECK(model::get_mmio_spte_generation(kGm19, 0x0000000000000ff8ULL) == 0x1ff);
  CHECK(model::get_mmio_spte_generation(kGm19, 0x3ff0000000000000ULL) == 0x3ff);
}

TEST_CASE("GENMASK layouts: WARN_ON(gen & ~MMIO_SPTE_GEN_MASK)") {
  // genmask20: bit 0 is the in-progress flag and not part of the mask.
  CHECK(encode_warns(kGm20, 0x1));
  CHECK(encode_warns(kGm20, 0x3));
  CHECK(encode_warns(kGm20, 0xfff6b));              // odd: in progress
  CHECK(encode_warns(kGm20, 0x100000));             // above GENMASK_ULL(19, 1)
  CHECK(encode_warns(kGm20, 0x100002));
  CHECK_FALSE(encode_warns(kGm20, 0x0));
  CHECK_FALSE(encode_warns(kGm20, 0x2));
  CHECK_FALSE(encode_warns(kGm20, 0xffffe));
  // genmask19: bit 0 is a generation bit; the flag (bit 63) is outside the mask.
  CHECK(encode_warns(kGm19, 0x80000));
  CHECK(encode_warns(kGm19, 0x8000000000000000ULL));
  CHECK(encode_warns(kGm19, 0x8000000000000002ULL));
  CHECK_FALSE(encode_warns(kGm19, 0x1));
  CHECK_FALSE(encode_warns(kGm19, 0x7ffff));
  CHECK_FALSE(encode_warns(kGm19, 0x0));
}

TEST_CASE("GENMASK layouts: every generation of the mask against the reference") {
  for (MmioGenLayout layout : {kGm20, kGm19}) {
    const uint64_t gen_mask = layout == kGm20 ? 0xffffe : 0x7ffff;
    const uint64_t kept = layout == kGm20 ? 0x7fe : 0x3ff;  // bits that come back
    const uint64_t step = layout == kGm20 ? 2 : 1;
    for (uint64_t gen = 0; gen <= gen_mask; gen += step) {
      const uint64_t mask = model::generation_mmio_spte_mask(layout, gen);
      if (mask != ref_mask_gm(layout, gen) ||
          model::get_mmio_spte_generation(layout, mask) != (gen & kept) ||
          ref_decode_gm(layout, mask) != (gen & kept)) {
        FAIL_CHECK("layout " << static_cast<int>(layout) << " fails at gen " << gen);
        break;
      }
    }
    CHECK((model::generation_mmio_spte_mask(layout, gen_mask) & 0xc00ffffffffff007ULL) == 0);
    // gfns survive next to the generation
    for (uint64_t gfn : {0ULL, 0x10ULL, 0x80000ULL, 0xfedcba9876ULL})
      for (uint64_t gen : std::vector<uint64_t>{0x0, 0x2, 0x7fe, gen_mask & 0x55554, gen_mask}) {
        const uint64_t spte = model::make_mmio_spte_value(layout, gfn, 6, gen);
        CHECK(model::is_mmio_spte(spte));
        CHECK(model::get_mmio_spte_gfn(layout, spte) == gfn);
        CHECK(model::get_mmio_spte_generation(layout, spte) == (gen & kept));
      }
  }
}

TEST_CASE("GENMASK layouts: an MMIO SPTE matches only while the lost generation bits are 0") {
  // check_mmio_spte compares mmio_generation_of(memslots gen) with what the
  // SPTE made from it decodes to. With the high field unshifted they are
  // equal exactly when the generation bits above the surviving ones are 0:
  // bits 11-19 for genmask20, bits 10-18 for genmask19.
  struct L {
    std::string variant;
    uint64_t lost;  // generation bits the SPTE cannot hold
  };
  for (const L& l : {L{"v5.0+cae7ed3c2cb0", 0xff800}, L{"v5.0+0e32958ec449", 0xff800},
                     L{"v5.0+164bf7e56c5a", 0x7fc00}, L{"v5.1", 0x7fc00}}) {
    CAPTURE(l.variant);
    const model::Variant& v = variant(l.variant);
    int matches = 0;
    for (uint64_t g = 0; g < (1ULL << 21); ++g) {
      const uint64_t kvm_gen = model::mmio_generation_of(v, g);
      const uint64_t spte = model::make_mmio_spte_value(v.mmio_gen_layout, 0x10, 6, kvm_gen);
      const bool match = model::get_mmio_spte_generation(v.mmio_gen_layout, spte) == kvm_gen;
      matches += match;
      if (match != ((g & l.lost) == 0)) {
        FAIL_CHECK("memslots generation " << g << ": match " << match);
        break;
      }
    }
    // Below 2^21: 2 wraps of 2^20 generations of which 2^11 match (genmask20),
    // or 4 wraps of 2^19 of which 2^10 match (genmask19).
    CHECK(matches == (v.mmio_gen_layout == kGm20 ? 2 * 2048 : 4 * 1024));
  }
  // Literal cases. cae7ed3c2cb0 keeps the -150 start: address space 0's
  // initial generation never matches, address space 1's neither.
  const model::Variant& cae = variant("v5.0+cae7ed3c2cb0");
  CHECK(model::mmio_generation_of(cae, 0xffffffffffffff6aULL) == 0xfff6a);
  CHECK(model::mmio_generation_of(cae, 0xffffffffffffff6bULL) == 0xfff6a);  // flag dropped
  CHECK(model::mmio_generation_of(cae, 0x100000) == 0);
  CHECK(model::get_mmio_spte_generation(kGm20, model::generation_mmio_spte_mask(kGm20, 0xfff6a)) ==
        0x76a);
  CHECK(model::get_mmio_spte_generation(kGm20, model::generation_mmio_spte_mask(kGm20, 0xfff6c)) ==
        0x76c);
  // 0e32958ec449 starts at 0: generations 0..0x7fe match, 0x800 does not.
  const model::Variant& z = variant("v5.0+0e32958ec449");
  CHECK(model::mmio_generation_of(z, 0x7fe) == 0x7fe);
  CHECK(model::get_mmio_spte_generation(kGm20, model::generation_mmio_spte_mask(kGm20, 0x7fe)) ==
        0x7fe);
  CHECK(model::mmio_generation_of(z, 0x800) == 0x800);
  CHECK(model::get_mmio_spte_generation(kGm20, model::generation_mmio_spte_mask(kGm20, 0x800)) ==
        0);
  // 164bf7e56c5a: the bit-63 flag is not part of the MMIO generation.
  const model::Variant& b63 = variant("v5.0+164bf7e56c5a");
  CHECK(model::mmio_generation_of(b63, 0x8000000000000003ULL) == 0x3);
  CHECK(model::mmio_generation_of(b63, 0x80001) == 0x1);
  CHECK(model::mmio_generation_of(b63, 0x3ff) == 0x3ff);
  CHECK(model::get_mmio_spte_generation(kGm19, model::generation_mmio_spte_mask(kGm19, 0x3ff)) ==
        0x3ff);
  CHECK(model::get_mmio_spte_generation(kGm19, model::generation_mmio_spte_mask(kGm19, 0x400)) ==
        0);
}

TEST_CASE("mmio_generation_wrapped: every x86 MMU variant, hand table") {
  // From kvm_mmu_invalidate_mmio_sptes of each state, on the value it is given:
  //   v3.16:              gen >= MMIO_MAX_GEN (0x7ffff)
  //   v3.17 .. 152482580a1b: (gen & 0xfffff) == 0
  //   e1359e2beb8b ..:    gen &= MMIO_GEN_MASK; gen >>= MMIO_SPTE_GEN_SHIFT;
  //                       gen &= ~(2 - 1); wrap iff gen == 0
  //     e1359e2beb8b, ddfd1730fd82, 361209e054a2: mask 0xfffff, shift 1
  //       -> wrap iff gen mod 2^20 is 0, 1, 2 or 3
  //     cae7ed3c2cb0, 0e32958ec449: mask 0xffffe, shift 1 -> the same set
  //     164bf7e56c5a, v5.1: mask 0x7ffff, shift 0 -> wrap iff gen mod 2^19 is 0 or 1
  struct Row {
    std::string variant;
    std::vector<uint64_t> wraps;
    std::vector<uint64_t> no_wrap;
  };
  const std::vector<uint64_t> at_zero_yes = {0x0, 0x100000, 0x200000, 0x300000, 0x800000,
                                             0xfffffffffff00000ULL};
  const std::vector<uint64_t> at_zero_no = {0x1, 0x2, 0x3, 0x4, 0x7ffff, 0x80000, 0xfffff,
                                            0x100001, 0x100002, 0xfff6a, 0xffffffffffffff6aULL};
  const std::vector<uint64_t> any_as20_yes = {0x0, 0x1, 0x2, 0x3, 0x100000, 0x100001, 0x100002,
                                              0x100003, 0x800002, 0xfffffffffff00002ULL};
  const std::vector<uint64_t> any_as20_no = {0x4, 0x5, 0x6, 0x800, 0x7ffff, 0x80000, 0x80001,
                                             0xffffe, 0xfffff, 0x100004, 0xfff6c,
                                             0xffffffffffffff6aULL};
  const std::vector<uint64_t> any_as19_yes = {0x0, 0x1, 0x80000, 0x80001, 0x100000, 0x100001,
                                              0x8000000000000000ULL, 0x8000000000000001ULL};
  const std::vector<uint64_t> any_as19_no = {0x2, 0x3, 0x4, 0x400, 0x40000, 0x7fffe, 0x7ffff,
                                             0x80002, 0x100002, 0x8000000000000002ULL};
  const std::vector<Row> table = {
      {"v3.16", {0x7ffff, 0x80000, 0xfffff, 0x100000, 0xffffffffffffffffULL},
       {0x0, 0x1, 0x2, 0x3, 0x40000, 0x7ff69, 0x7fffe}},
      {"v3.17", at_zero_yes, at_zero_no},
      {"v4.19", at_zero_yes, at_zero_no},
      {"v5.0+152482580a1b", at_zero_yes, at_zero_no},
      {"v5.0+e1359e2beb8b", any_as20_yes, any_as20_no},
      {"v5.0+ddfd1730fd82", any_as20_yes, any_as20_no},
      {"v5.0+361209e054a2", any_as20_yes, any_as20_no},
      {"v5.0+cae7ed3c2cb0", any_as20_yes, any_as20_no},
      {"v5.0+0e32958ec449", any_as20_yes, any_as20_no},
      {"v5.0+164bf7e56c5a", any_as19_yes, any_as19_no},
      {"v5.0+ea145aacf4ae", any_as19_yes, any_as19_no},
      {"v5.1", any_as19_yes, any_as19_no},
  };
  // Every state whose x86 MMU the model mirrors, in history order; the
  // gfn_to_pfn_cache states (models_x86_mmu false) have no MMIO SPTEs.
  std::vector<const model::Variant*> all;
  for (const model::Variant& v : model::all_variants())
    if (v.models_x86_mmu) all.push_back(&v);
  REQUIRE(table.size() == all.size());
  for (size_t i = 0; i < table.size(); ++i) {
    const Row& row = table[i];
    CAPTURE(row.variant);
    CHECK(all[i]->name == row.variant);
    const model::Variant& v = model::find_variant(row.variant);
    for (uint64_t gen : row.wraps) {
      CAPTURE(gen);
      CHECK(model::mmio_generation_wrapped(v, gen));
    }
    for (uint64_t gen : row.no_wrap) {
      CAPTURE(gen);
      CHECK_FALSE(model::mmio_generation_wrapped(v, gen));
    }
  }
}

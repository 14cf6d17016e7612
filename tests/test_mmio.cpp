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

#include "model/scenario.hpp"
#include "model/simulation.hpp"
#include "model/variants.hpp"
#include "model/x86/mmu.hpp"
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
          {"sources", {{{"seed", "none"}, {"title", "test"}}}},
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

// SPDX-License-Identifier: GPL-2.0-only
// virt/kvm/kvm_main.c as modeled: what one KVM_SET_USER_MEMORY_REGION does to
// the memslots and their generation at each variant, and the stored
// reproducer read against the CPU 0 | CPU 1 table of ee3d1570b586's posting.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cerrno>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ee3d1570b586_table.hpp"
#include "model/virt/kvm/kvm_main.hpp"
#include "model/virt/kvm/oracles.hpp"
#include "model/arch/x86/kvm/x86.hpp"
#include "sim/runtime/execution.hpp"
#include "sim/strategy/random_strategy.hpp"
#include "sim/trace/trace.hpp"
#include "test_util.hpp"

namespace {

constexpr uint64_t kGfns = 32;
const model::kvm_memory_slot kSlot0{0, 16, 0x7f0000000000ULL, 0, 0};  // gfns 0x0-0xf

// Runs `body` as the only modeled thread of a recorded execution.
std::vector<sim::Event> run_alone(const std::function<void()>& body) {
  sim::RandomStrategy strategy;
  sim::Execution ex(strategy, sim::ExecutionOptions{100000, true});
  ex.spawn("t", 0, body);
  const sim::Outcome out = ex.run(0);
  REQUIRE_FALSE(out.violation.has_value());
  return ex.events();
}

// Runs `body` as the only modeled thread and returns how it ended.
sim::Outcome run_outcome(const std::function<void()>& body) {
  sim::RandomStrategy strategy;
  sim::Execution ex(strategy, sim::ExecutionOptions{100000, true});
  ex.spawn("t", 0, body);
  return ex.run(0);
}

std::vector<std::string> publications(const std::vector<sim::Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    if (e.op == "store" && e.object.starts_with("kvm->memslots")) out.push_back(e.value);
  return out;
}

model::kvm_userspace_memory_region create_slot1() {
  model::kvm_userspace_memory_region mem;
  mem.slot = 1;
  mem.guest_phys_addr = 16 << model::PAGE_SHIFT;
  mem.memory_size = 16 << model::PAGE_SHIFT;
  mem.userspace_addr = 0x7f0000100000ULL;
  return mem;
}

model::kvm_userspace_memory_region delete_slot(uint32_t id) {
  model::kvm_userspace_memory_region mem;
  mem.slot = id;
  return mem;
}

uint64_t generation(model::kvm& vm, unsigned as_id = 0) {
  return vm.memslots[as_id].peek()->generation.peek();
}

bool backed_by_ram(model::kvm& vm, model::gfn_t gfn, unsigned as_id = 0) {
  return model::memslots_back_with_ram(vm.memslots[as_id].peek(), gfn);
}

void create_vm(model::kvm& vm, std::vector<model::kvm_memory_slot> as0) {
  model::kvm_create_vm_memslots(&vm, {std::move(as0)}, {});
}

}  // namespace

TEST_CASE("a CREATE publishes once and a DELETE twice; the generation steps per publication") {
  // Every state, its expected values derived from its features, so that a
  // state appended to kernel-states.json is covered as it is. The table pins
  // those values for the states it names, read off each kernel:
  // per publication +1 before ee3d1570b586 (update_memslots); +2 with it
  // (odd while in flight, incremented again after synchronize_srcu_expedited);
  // +2N = +4 with 4bd518f1598d's two address spaces; +N = +2 once
  // 164bf7e56c5a moves the flag to bit 63. Initial values (kvm_create_vm):
  // 0; -150; i*2 - 150; i*2 after 0e32958ec449; i after 164bf7e56c5a.
  struct Expect {
    uint64_t step;
    int64_t as0;
    std::optional<int64_t> as1;  // with two address spaces
  };
  const auto from_features = [](const model::Variant& v) {
    const uint64_t n = v.address_spaces;
    Expect x{0, 0, {}};
    switch (v.in_progress_flag) {
      case model::InProgressFlag::none: x.step = 1; break;
      case model::InProgressFlag::odd_generation:
      case model::InProgressFlag::bit0: x.step = 2 * n; break;
      case model::InProgressFlag::bit63: x.step = n; break;
    }
    x.as0 = v.initial_generation_base;
    if (n == 2)
      x.as1 = v.initial_generation_base + static_cast<int64_t>(v.initial_generation_stride);
    return x;
  };
  const std::map<std::string, Expect> pinned = {
      {"v3.16", {1, 0, {}}},
      {"v3.17", {2, -150, {}}},
      {"v4.19", {4, -150, -148}},
      {"v5.0+152482580a1b", {4, -150, -148}},
      {"v5.0+e1359e2beb8b", {4, -150, -148}},
      {"v5.0+ddfd1730fd82", {4, -150, -148}},
      {"v5.0+361209e054a2", {4, -150, -148}},
      {"v5.0+cae7ed3c2cb0", {4, -150, -148}},
      {"v5.0+0e32958ec449", {4, 0, 2}},
      {"v5.0+164bf7e56c5a", {2, 0, 1}},
      {"v5.0+ea145aacf4ae", {2, 0, 1}},
      {"v5.1", {2, 0, 1}},
      // The gfn_to_pfn_cache states run the 5.1 memslot code (the generation
      // rules did not change through 6.1).
      {"pfncache-982ed0de4753", {2, 0, 1}},
      {"v5.18", {2, 0, 1}},
      {"v6.0", {2, 0, 1}},
      {"v6.1", {2, 0, 1}},
  };
  size_t pinned_seen = 0;
  for (const model::Variant& v : model::all_variants()) {
    CAPTURE(v.name);
    const Expect x = from_features(v);
    if (const auto it = pinned.find(v.name); it != pinned.end()) {
      ++pinned_seen;
      CHECK(x.step == it->second.step);
      CHECK(x.as0 == it->second.as0);
      CHECK(x.as1 == it->second.as1);
    }
    model::kvm vm(v, kGfns, 2);
    create_vm(vm, {kSlot0});
    const uint64_t g0 = generation(vm);
    CHECK(g0 == static_cast<uint64_t>(x.as0));
    if (x.as1) CHECK(generation(vm, 1) == static_cast<uint64_t>(*x.as1));

    int r = -1;
    auto events = run_alone([&] { r = model::kvm_set_memory_region(&vm, create_slot1()); });
    CHECK(r == 0);
    CHECK(publications(events).size() == 1);
    CHECK(generation(vm) == g0 + x.step);
    CHECK(backed_by_ram(vm, 16));

    events = run_alone([&] { r = model::kvm_set_memory_region(&vm, delete_slot(1)); });
    CHECK(r == 0);
    const auto pub = publications(events);
    REQUIRE(pub.size() == 2);
    CHECK(generation(vm) == g0 + 3 * x.step);
    CHECK_FALSE(backed_by_ram(vm, 16));
    CHECK(backed_by_ram(vm, 0));

    // The first publication is a copy in which slot 1 is KVM_MEMSLOT_INVALID.
    const struct model::kvm_memslots* first = nullptr;
    for (const auto& s : vm.allocated_memslots)
      if (s->name() == pub[0]) first = s.get();
    REQUIRE(first != nullptr);
    CHECK((first->memslots.at(1).flags & model::KVM_MEMSLOT_INVALID) != 0);
    CHECK(first->memslots.at(1).npages == 16);
  }
  CHECK(pinned_seen == pinned.size());  // every state the table names exists
}

TEST_CASE("MOVE publishes twice through KVM_MEMSLOT_INVALID, FLAGS_ONLY once; address spaces apart") {
  for (const char* variant : {"v4.19", "v5.1"}) {
    CAPTURE(variant);
    const model::Variant& v = model::find_variant(variant);
    const uint64_t step = v.in_progress_flag == model::InProgressFlag::bit63 ? 2 : 4;
    model::kvm vm(v, kGfns, 2);
    create_vm(vm, {kSlot0});
    const uint64_t g0 = generation(vm), g1 = generation(vm, 1);
    int r = -1;
    auto events = run_alone([&] { r = model::kvm_set_memory_region(&vm, create_slot1()); });
    REQUIRE(r == 0);

    // MOVE slot 1 from gfn 0x10 to 0x18 (same size and userspace address).
    model::kvm_userspace_memory_region move = create_slot1();
    move.memory_size = 8 << model::PAGE_SHIFT;
    move.guest_phys_addr = 0x18 << model::PAGE_SHIFT;
    events = run_alone([&] { r = model::kvm_set_memory_region(&vm, move); });
    CHECK(r == -EINVAL);  // a MOVE may not resize
    CHECK(publications(events).empty());
    move.memory_size = 16 << model::PAGE_SHIFT;
    move.guest_phys_addr = 0x8 << model::PAGE_SHIFT;
    events = run_alone([&] { r = model::kvm_set_memory_region(&vm, move); });
    CHECK(r == -EEXIST);  // onto slot 0
    move.guest_phys_addr = 0x10 << model::PAGE_SHIFT;
    events = run_alone([&] { r = model::kvm_set_memory_region(&vm, move); });
    CHECK(r == 0);  // nothing to change
    CHECK(publications(events).empty());

    model::kvm vm2(v, kGfns + 16, 2);
    create_vm(vm2, {kSlot0});
    run_alone([&] { REQUIRE(model::kvm_set_memory_region(&vm2, create_slot1()) == 0); });
    move.guest_phys_addr = 0x20 << model::PAGE_SHIFT;
    events = run_alone([&] { r = model::kvm_set_memory_region(&vm2, move); });
    CHECK(r == 0);
    CHECK(publications(events).size() == 2);
    CHECK(generation(vm2) == g0 + 3 * step);
    CHECK_FALSE(backed_by_ram(vm2, 0x10));
    CHECK(backed_by_ram(vm2, 0x20));

    // FLAGS_ONLY: dirty logging on, one publication.
    model::kvm_userspace_memory_region flags = move;
    flags.flags = model::KVM_MEM_LOG_DIRTY_PAGES;
    events = run_alone([&] { r = model::kvm_set_memory_region(&vm2, flags); });
    CHECK(r == 0);
    CHECK(publications(events).size() == 1);
    CHECK(generation(vm2) == g0 + 4 * step);
    // Toggling KVM_MEM_READONLY is refused.
    flags.flags |= model::KVM_MEM_READONLY;
    events = run_alone([&] { r = model::kvm_set_memory_region(&vm2, flags); });
    CHECK(r == -EINVAL);

    // The same CREATE in the SMM address space moves only its generation.
    model::kvm_userspace_memory_region smm = create_slot1();
    smm.slot = 1U << 16 | 1;
    events = run_alone([&] { r = model::kvm_set_memory_region(&vm2, smm); });
    CHECK(r == 0);
    CHECK(publications(events).size() == 1);
    CHECK(generation(vm2) == g0 + 4 * step);
    CHECK(generation(vm2, 1) == g1 + step);
    CHECK(backed_by_ram(vm2, 0x10, 1));
    CHECK_FALSE(backed_by_ram(vm2, 0x10, 0));
  }
  // An address space the kernel state does not have.
  model::kvm vm(model::find_variant("v3.17"), kGfns, 2);
  create_vm(vm, {kSlot0});
  model::kvm_userspace_memory_region smm = create_slot1();
  smm.slot = 1U << 16 | 1;
  int r = 0;
  run_alone([&] { r = model::kvm_set_memory_region(&vm, smm); });
  CHECK(r == -EINVAL);
}

TEST_CASE("DELETE zaps the SPTEs that map the slot, and the gfn becomes MMIO") {
  for (const char* variant : {"v3.16", "v3.17"}) {
    CAPTURE(variant);
    model::kvm vm(model::find_variant(variant), kGfns, 2);
    create_vm(vm, {kSlot0});
    vm.vcpus.push_back(std::make_unique<model::kvm_vcpu>(&vm, 0));
    model::kvm_vcpu* vcpu = vm.vcpus.back().get();
    uint64_t mapped = 0;
    int r = -1;
    const auto events = run_alone([&] {
      REQUIRE(model::kvm_set_memory_region(&vm, create_slot1()) == 0);
      model::vcpu_run_access(vcpu, 20 << model::PAGE_SHIFT, false);
      mapped = vm.arch.sptes[0].at(20).peek();
      r = model::kvm_set_memory_region(&vm, delete_slot(1));
      model::vcpu_run_access(vcpu, 20 << model::PAGE_SHIFT, false);
    });
    CHECK(r == 0);
    // 0x7f0000100000 + 4 pages, as an EPT RWX leaf.
    CHECK(mapped == (((0x7f0000100000ULL >> 12) + 4) << 12 | 0x7));
    int mmio_exits = 0;
    for (const auto& e : events)
      if (e.op == "note" && e.value == "KVM_EXIT_MMIO gpa 0x14000") ++mmio_exits;
    CHECK(mmio_exits == 1);
  }
}

TEST_CASE("KVM_SET_USER_MEMORY_REGION rejects what the kernel rejects") {
  model::kvm vm(model::find_variant("v3.16"), kGfns, 2);
  create_vm(vm, {kSlot0});
  const uint64_t g0 = generation(vm);
  std::vector<int> results;
  run_alone([&] {
    auto overlap = create_slot1();
    overlap.guest_phys_addr = 8 << model::PAGE_SHIFT;  // gfns 8-0x17 overlap slot 0
    results.push_back(model::kvm_set_memory_region(&vm, overlap));
    auto unaligned = create_slot1();
    unaligned.userspace_addr += 8;
    results.push_back(model::kvm_set_memory_region(&vm, unaligned));
    auto kernel_address = create_slot1();
    kernel_address.userspace_addr = 0xffff880000000000ULL;
    results.push_back(model::kvm_set_memory_region(&vm, kernel_address));
    results.push_back(model::kvm_set_memory_region(&vm, delete_slot(1)));  // nothing there
  });
  CHECK(results == std::vector<int>{-EEXIST, -EINVAL, -EINVAL, -EINVAL});
  CHECK(generation(vm) == g0);  // nothing was published
}

TEST_CASE("the stored reproducer is the ee3d1570b586 patch mail's table, step by step") {
  const sim::Trace t = sim::read_trace(testutil::trace_path());
  REQUIRE(t.violation.has_value());
  CHECK(t.violation->kind == "stale-mmio");
  CHECK(testutil::follows_ee3d1570b586_table(t.threads, t.events) == "");
}

TEST_CASE("generation-backwards: serial-number order, across the 2^64 wrap") {
  // oracle_generation_stored(kvm, as_id, gen) after the last stored value
  // of the same address space: backwards iff (int64)(gen - last) < 0.
  struct Step {
    unsigned as_id;
    uint64_t gen;
  };
  struct Case {
    std::string what;
    uint64_t as0_start;
    std::vector<Step> stores;
    bool backwards;
    std::string message;  // the violation's message when backwards
  };
  const std::vector<Case> cases = {
      {"forward by 2", 0, {{0, 2}, {0, 4}}, false, ""},
      {"the same value again", 4, {{0, 4}}, false, ""},
      {"4 -> 2", 4, {{0, 2}}, true, "address space 0: memslots generation 0x2 stored after 0x4"},
      {"forward across 2^64", 0xfffffffffffffffeULL, {{0, 2}}, false, ""},
      {"-150 -> -148 -> 0", 0xffffffffffffff6aULL, {{0, 0xffffffffffffff6cULL}, {0, 0}}, false,
       ""},
      {"backwards across 2^64", 2, {{0, 0xfffffffffffffffeULL}}, true,
       "address space 0: memslots generation 0xfffffffffffffffe stored after 0x2"},
      {"2^63 - 1 ahead is forward", 0, {{0, 0x7fffffffffffffffULL}}, false, ""},
      {"2^63 ahead is behind", 0, {{0, 0x8000000000000000ULL}}, true,
       "address space 0: memslots generation 0x8000000000000000 stored after 0x0"},
      {"address spaces are separate", 100, {{1, 2}, {1, 6}}, false, ""},
      {"address space 1 behind itself", 0, {{1, 6}, {0, 8}, {1, 4}}, true,
       "address space 1: memslots generation 0x4 stored after 0x6"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    model::kvm vm(model::find_variant("v4.19"), kGfns, 2);
    vm.oracles.generation_backwards = true;
    vm.ghost.last_generation[0] = c.as0_start;
    const sim::Outcome out = run_outcome([&] {
      for (const Step& s : c.stores) model::oracle_generation_stored(&vm, s.as_id, s.gen);
    });
    CHECK(out.violation.has_value() == c.backwards);
    if (c.backwards && out.violation) {
      CHECK(out.violation->kind == "generation-backwards");
      CHECK(out.violation->message == c.message);
    }
    if (!c.backwards) CHECK(vm.ghost.last_generation[c.stores.back().as_id] == c.stores.back().gen);
  }

  // With the oracle off nothing fires, and the last value is still tracked.
  model::kvm vm(model::find_variant("v4.19"), kGfns, 2);
  vm.ghost.last_generation[0] = 4;
  CHECK_FALSE(run_outcome([&] { model::oracle_generation_stored(&vm, 0, 2); }).violation);
  CHECK(vm.ghost.last_generation[0] == 2);
}

TEST_CASE("generation-backwards through KVM_SET_USER_MEMORY_REGION") {
  // Every stored generation reaches the oracle without the in-progress flag.
  auto set_region = [](const char* variant, std::vector<std::optional<uint64_t>> gens,
                       std::optional<uint64_t> last0 = std::nullopt) {
    model::kvm vm(model::find_variant(variant), kGfns, 2);
    vm.oracles.generation_backwards = true;
    model::kvm_create_vm_memslots(&vm, {{kSlot0}}, gens);
    if (last0) vm.ghost.last_generation[0] = *last0;
    return run_outcome([&] { model::kvm_set_memory_region(&vm, create_slot1()); });
  };
  // v3.17 from -2: stores -1 (odd, seen as -2), then 0: forward across 2^64.
  CHECK_FALSE(set_region("v3.17", {0xfffffffffffffffeULL}).violation);
  // 164bf7e56c5a: the in-flight store carries bit 63; without stripping it
  // 0 -> 0x8000000000000000 would be 2^63 ahead, i.e. behind.
  CHECK_FALSE(set_region("v5.0+164bf7e56c5a", {}).violation);
  CHECK_FALSE(set_region("v5.0+361209e054a2", {0xfffffffffffffffcULL}).violation);
  // A ghost that says a later generation was already stored: the update's
  // first store is behind it.
  const sim::Outcome out = set_region("v5.0+164bf7e56c5a", {}, 100);
  REQUIRE(out.violation.has_value());
  CHECK(out.violation->kind == "generation-backwards");
  CHECK(out.violation->message == "address space 0: memslots generation 0x0 stored after 0x64");
}

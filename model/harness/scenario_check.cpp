// SPDX-License-Identifier: GPL-2.0-only
#include "model/harness/scenario_check.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "model/harness/scenario_kinds.hpp"
#include "model/variants/variants.hpp"

namespace model {

namespace {

// Where the file lists `kind` in an expectation's "verdict" or "may".
std::string kind_pointer(const nlohmann::json& expectation, size_t index, const char* member,
                         const std::string& kind) {
  const std::string at = fmt::format("/expect/{}/{}", index, member);
  const nlohmann::json& list = expectation.at(member);
  if (!list.is_array()) return at;
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i] == kind) return fmt::format("{}/{}", at, i);
  return at;
}

void check_kinds(const Scenario& sc, std::vector<ScenarioProblem>& out) {
  for (size_t i = 0; i < sc.expect.size(); ++i) {
    const Expectation& e = sc.expect[i];
    const Variant& variant = find_variant(e.variant);
    const nlohmann::json& file = sc.json.at("expect").at(i);
    for (const auto& [member, kinds] : {std::pair{"verdict", &e.kinds}, std::pair{"may", &e.may}})
      for (const std::string& kind : *kinds)
        if (const std::string why = cannot_report(sc, variant, kind); !why.empty())
          out.push_back({true, kind_pointer(file, i, member, kind),
                         fmt::format("no execution at {} can report '{}': {}", e.variant, kind,
                                     why)});
  }
}

// A slot as an updater's own program leaves it.
struct Slot {
  gfn_t base_gfn = 0;
  uint64_t npages = 0;
  uint32_t flags = 0;
};
using Slots = std::map<uint32_t, Slot>;  // by slot id, one address space

bool memslot_op(const Op& op) {
  return op.kind >= Op::Kind::create_memslot && op.kind <= Op::Kind::memslot_updates;
}

// Does a thread other than `self` run an op of one of `kinds` on the slot?
bool others_do(const Scenario& sc, size_t self, unsigned as_id, uint32_t slot,
               std::initializer_list<Op::Kind> kinds) {
  for (size_t t = 0; t < sc.threads.size(); ++t) {
    if (t == self) continue;
    for (const Op& op : sc.threads[t].program)
      if (memslot_op(op) && op.as_id == as_id && op.slot == slot &&
          std::find(kinds.begin(), kinds.end(), op.kind) != kinds.end())
        return true;
  }
  return false;
}

// The slot of `slots` other than `id` that [base, base + npages) overlaps
// in every execution (no other thread deletes or moves it), if any.
const std::pair<const uint32_t, Slot>* overlapped(const Scenario& sc, size_t self, unsigned as_id,
                                                  const Slots& slots, uint32_t id, gfn_t base,
                                                  uint64_t npages) {
  for (const auto& entry : slots) {
    const auto& [other, s] = entry;
    if (other == id || base >= s.base_gfn + s.npages || s.base_gfn >= base + npages) continue;
    if (!others_do(sc, self, as_id, other, {Op::Kind::delete_memslot, Op::Kind::move_memslot}))
      return &entry;
  }
  return nullptr;
}

// Follows each updater's program from the initial memslots, as
// __kvm_set_memory_region judges each ioctl. What another thread may do to
// the same slot in between makes an outcome uncertain: only an ioctl that
// fails (or does nothing) whatever the other threads do is reported.
void check_ioctls(const Scenario& sc, std::vector<ScenarioProblem>& out) {
  for (size_t t = 0; t < sc.threads.size(); ++t) {
    std::vector<Slots> spaces(KVM_ADDRESS_SPACE_MAX);
    for (unsigned as_id = 0; as_id < sc.memslots.size(); ++as_id)
      for (const kvm_memory_slot& s : sc.memslots[as_id])
        spaces[as_id][static_cast<uint32_t>(s.id)] = {s.base_gfn, s.npages, 0};
    const auto& program = sc.threads[t].program;
    for (size_t i = 0; i < program.size(); ++i) {
      const Op& op = program[i];
      if (!memslot_op(op)) continue;
      const std::string at = fmt::format("/threads/{}/program/{}", t, i);
      const auto problem = [&](bool error, const std::string& what) {
        out.push_back({error, at, what});
      };
      Slots& slots = spaces[op.as_id];
      const auto it = slots.find(op.slot);
      const std::string name =
          fmt::format("slot {}{}", op.slot, op.as_id ? " of address space 1" : "");
      if (op.kind == Op::Kind::create_memslot) {
        if (it != slots.end() && !others_do(sc, t, op.as_id, op.slot, {Op::Kind::delete_memslot})) {
          problem(true, fmt::format("{} exists at this point of the program in every execution: the ioctl is no "
                                    "KVM_MR_CREATE (a new size or address is -EINVAL)",
                                    name));
          continue;
        }
        if (const auto* o = overlapped(sc, t, op.as_id, slots, op.slot, op.gfn, op.npages))
          problem(true, fmt::format("the new {} overlaps slot {} in every execution: -EEXIST",
                                    name, o->first));
        slots[op.slot] = {op.gfn, op.npages, 0};
        continue;
      }
      if (it == slots.end()) {
        if (!others_do(sc, t, op.as_id, op.slot, {Op::Kind::create_memslot}))
          problem(true, fmt::format("{} does not exist at this point of the program in any "
                                    "execution: the ioctl fails with -EINVAL",
                                    name));
        continue;
      }
      Slot& s = it->second;
      const bool shared = others_do(sc, t, op.as_id, op.slot,
                                    {Op::Kind::create_memslot, Op::Kind::delete_memslot,
                                     Op::Kind::move_memslot, Op::Kind::set_memslot_flags,
                                     Op::Kind::memslot_updates});
      switch (op.kind) {
        case Op::Kind::delete_memslot:
          slots.erase(it);
          break;
        case Op::Kind::move_memslot:
          if (op.gfn + s.npages > sc.gfns) {
            problem(true, fmt::format("moves {} ({} pages) beyond the VM's {} guest frames", name,
                                      s.npages, sc.gfns));
          } else if (const auto* o = overlapped(sc, t, op.as_id, slots, op.slot, op.gfn, s.npages)) {
            problem(true, fmt::format("moves {} onto slot {} in every execution: -EEXIST", name,
                                      o->first));
          } else if (op.gfn == s.base_gfn && !shared) {
            problem(false, fmt::format("moves {} to where it is: the ioctl changes nothing", name));
          }
          s.base_gfn = op.gfn;
          break;
        case Op::Kind::set_memslot_flags:
          if (op.flags == s.flags && !shared)
            problem(false, fmt::format("{} has these flags already: the ioctl changes nothing",
                                       name));
          s.flags = op.flags;
          break;
        case Op::Kind::memslot_updates:
          if (op.count % 2) s.flags ^= KVM_MEM_LOG_DIRTY_PAGES;
          break;
        default:
          break;
      }
    }
  }
}

}  // namespace

std::vector<ScenarioProblem> check_scenario(const Scenario& scenario) {
  std::vector<ScenarioProblem> out;
  check_kinds(scenario, out);
  check_ioctls(scenario, out);
  return out;
}

}  // namespace model

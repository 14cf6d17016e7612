// SPDX-License-Identifier: GPL-2.0-only
#include "model/harness/scenario.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "model/virt/kvm/kvm_main.hpp"
#include "model/harness/scenario_kinds.hpp"
#include "model/variants/variants.hpp"
#include "sim/json_input.hpp"
#include "sim/parse_int.hpp"
#include "sim/strategy/pct_strategy.hpp"
#include "sim/trace/event.hpp"

namespace model {

using sim::JsonIn;

namespace {

constexpr uint64_t kMaxGfns = 1 << 16;
constexpr size_t kMaxThreads = 64;
// An execution keeps its events: an unbounded one grows without limit.
constexpr uint64_t kMaxStepBound = 10'000'000;
constexpr uint64_t kMaxSeedCount = uint64_t{1} << 63;

// One violation kind as a file names it: known to the model (a typo would
// make an expectation that no execution can meet).
std::string parse_kind(const JsonIn& k) {
  std::string s = k.str();
  if (s.empty()) k.error("empty violation kind");
  // The matrix prints several kinds joined with '+'; a file lists them.
  if (s.find('+') != std::string::npos)
    k.error("'" + s + "' is not one violation kind; list several as [\"a\", \"b\"]");
  if (s != "clean" && !is_known_kind(s))
    k.error("unknown violation kind '" + s + "' (known: " + known_kinds_text() + ")");
  return s;
}

std::vector<std::string> parse_verdict(const JsonIn& j) {
  std::vector<std::string> kinds;
  auto add = [&](const JsonIn& k) {
    std::string s = parse_kind(k);
    if (std::find(kinds.begin(), kinds.end(), s) != kinds.end()) k.error("kind listed twice");
    if (s != "clean") kinds.push_back(s);
  };
  if (j.raw().is_array()) {
    for (const auto& k : j.items()) add(k);
    if (kinds.empty()) j.error("list of expected violation kinds is empty (use \"clean\")");
  } else {
    add(j);
  }
  std::sort(kinds.begin(), kinds.end());
  return kinds;
}

// "may": kinds an execution may show besides the verdict's, never required.
std::vector<std::string> parse_may(const JsonIn& j, const std::vector<std::string>& must) {
  std::vector<std::string> may;
  for (const auto& k : j.items()) {
    std::string s = parse_kind(k);
    if (s == "clean") k.error("\"clean\" is not a violation kind (an empty \"may\" is no list)");
    if (std::find(must.begin(), must.end(), s) != must.end())
      k.error("'" + s + "' is in the verdict already: it must show up");
    if (std::find(may.begin(), may.end(), s) != may.end()) k.error("kind listed twice");
    may.push_back(s);
  }
  if (may.empty()) j.error("empty list (leave \"may\" out)");
  std::sort(may.begin(), may.end());
  return may;
}

// What __kvm_set_memory_region demands of userspace_addr: page aligned, and
// access_ok() for the whole slot (below the x86-64 TASK_SIZE_MAX).
hva_t userspace_addr(const JsonIn& j, uint64_t npages) {
  const hva_t hva = j.u64();
  if (hva & (PAGE_SIZE - 1)) j.error("must be page aligned");
  if (!userspace_range_ok(hva, npages))
    j.error("the slot must lie in the user address space (below 0x7ffffffff000)");
  return hva;
}

// A 64-bit memslots generation: unsigned ("0xffffffffffffff6a"), or negative
// the way kvm_create_vm writes it ("-150").
uint64_t parse_generation(const JsonIn& j) {
  const auto& r = j.raw();
  const bool negative = (r.is_number_integer() && !r.is_number_unsigned() && r.get<int64_t>() < 0) ||
                        (r.is_string() && r.get<std::string>().starts_with("-"));
  return negative ? static_cast<uint64_t>(j.i64()) : j.u64();
}

// vm.generations, or an expectation's: one entry per address space, null
// for the variant's own start.
Generations parse_generations(const JsonIn& j) {
  const auto gens = j.items();
  if (gens.size() > KVM_ADDRESS_SPACE_MAX) j.error("one entry per address space (at most 2)");
  Generations out;
  for (const auto& g : gens)
    out.push_back(g.raw().is_null() ? std::nullopt : std::optional(parse_generation(g)));
  return out;
}

unsigned parse_as_id(const JsonIn& j) {
  if (!j.has("as")) return 0;
  const uint64_t as_id = j.at("as").u64();
  if (as_id >= KVM_ADDRESS_SPACE_MAX) j.at("as").error("address space must be 0 (normal) or 1 (SMM)");
  return static_cast<unsigned>(as_id);
}

uint32_t parse_slot_id(const JsonIn& j) {
  const uint64_t id = j.u64();
  if (id >= 512) j.error("slot id must be below 512");
  return static_cast<uint32_t>(id);
}

kvm_memory_slot parse_memslot(const JsonIn& j) {
  j.expect_object({"as", "slot", "base_gfn", "npages", "userspace_addr"});
  kvm_memory_slot s;
  s.id = static_cast<int>(parse_slot_id(j.at("slot")));
  s.base_gfn = j.at("base_gfn").u64();
  s.npages = j.at("npages").u64();
  if (s.npages == 0) j.at("npages").error("an initial memslot needs at least one page");
  s.userspace_addr = userspace_addr(j.at("userspace_addr"), s.npages);
  return s;
}

const char* const kVcpuOps =
    "access, enter_smm, leave_smm, fault_in_shadow_page, walk_shadow_page_lockless, wait_for";
const char* const kUpdaterOps =
    "create_memslot, delete_memslot, move_memslot, set_memslot_flags, memslot_updates, "
    "flush_shadow_all, change_mmu_pages, wait_for";

// Is `name` one of the ops of `list` ("a, b, c")?
bool listed(const std::string& list, const std::string& name) {
  return (", " + list + ", ").find(", " + name + ", ") != std::string::npos;
}

// `sc` has its vm parsed; `is_vcpu` says which threads are vCPUs.
Op parse_op(const JsonIn& j, ThreadSpec::Kind kind, const std::vector<std::string>& thread_names,
            const std::vector<bool>& is_vcpu, const Scenario& sc) {
  const uint64_t gfns = sc.gfns;
  const std::string name = j.at("op").str();
  auto gfn_in_range = [&](const JsonIn& g) {
    const uint64_t v = g.u64();
    if (v >= gfns) g.error("gfn beyond the VM's " + std::to_string(gfns) + " guest frames");
    return v;
  };
  Op op{};
  if (name == "wait_for") {
    j.expect_object({"op", "thread"});
    op.kind = Op::Kind::wait_for;
    const std::string t = j.at("thread").str();
    auto it = std::find(thread_names.begin(), thread_names.end(), t);
    if (it == thread_names.end()) j.at("thread").error("no thread named '" + t + "'");
    op.thread = static_cast<size_t>(it - thread_names.begin());
    return op;
  }
  if (parse_pfncache_op(j, name, kind == ThreadSpec::Kind::vcpu, thread_names, is_vcpu, sc.gpcs,
                        sc.host_mappings, op))
    return op;
  if (kind == ThreadSpec::Kind::vcpu) {
    if (name == "access") {
      j.expect_object({"op", "gfn", "write"});
      op.kind = Op::Kind::access;
      op.gfn = gfn_in_range(j.at("gfn"));
      op.write = j.has("write") && j.at("write").boolean();
    } else if (name == "fault_in_shadow_page" || name == "walk_shadow_page_lockless") {
      // The gfn a shadow page shadows is not bounded by the EPT table.
      const bool fault = name == "fault_in_shadow_page";
      if (fault) j.expect_object({"op", "gfn", "level", "count", "until"});
      else j.expect_object({"op", "gfn", "count", "until"});
      op.kind = fault ? Op::Kind::fault_in_shadow_page : Op::Kind::walk_shadow_page_lockless;
      if (j.has("until")) {
        // A guest that keeps running, and faulting (or walking), for as
        // long as another thread works (the vCPUs of a livelock report).
        const std::string t = j.at("until").str();
        auto it = std::find(thread_names.begin(), thread_names.end(), t);
        if (it == thread_names.end()) j.at("until").error("no thread named '" + t + "'");
        op.thread = static_cast<size_t>(it - thread_names.begin());
        op.until = true;
      }
      op.gfn = j.at("gfn").u64();
      const uint64_t level = j.has("level") ? j.at("level").u64() : 1;
      if (level < 1 || level > 5) j.at("level").error("level is 1 (4K page table) to 5");
      op.level = static_cast<unsigned>(level);
      op.count = j.has("count") ? j.at("count").u64() : 1;
      if (op.count == 0 || op.count > 100000) j.at("count").error("must be between 1 and 100000");
    } else if (name == "enter_smm" || name == "leave_smm") {
      j.expect_object({"op"});
      op.kind = name == "enter_smm" ? Op::Kind::enter_smm : Op::Kind::leave_smm;
    } else if (listed(kUpdaterOps, name) || listed(kPfncacheUpdaterOps, name)) {
      j.at("op").error("'" + name + "' is an updater operation, not a vcpu's");
    } else {
      j.at("op").error("unknown vcpu operation '" + name + "' (known: " + kVcpuOps + ", " +
                       kPfncacheVcpuOps + ")");
    }
    return op;
  }
  if (name == "flush_shadow_all") {
    j.expect_object({"op"});
    op.kind = Op::Kind::flush_shadow_all;
    return op;
  }
  if (name == "change_mmu_pages") {
    j.expect_object({"op", "goal"});
    op.kind = Op::Kind::change_mmu_pages;
    op.count = j.at("goal").u64();
    return op;
  }
  if (name == "create_memslot") {
    j.expect_object({"op", "as", "slot", "base_gfn", "npages", "userspace_addr"});
    op.kind = Op::Kind::create_memslot;
    op.npages = j.at("npages").u64();
    if (op.npages == 0) j.at("npages").error("a created memslot needs at least one page");
    op.gfn = gfn_in_range(j.at("base_gfn"));
    if (op.npages > gfns - op.gfn) j.at("npages").error("slot extends beyond the VM's guest frames");
    op.userspace_addr = userspace_addr(j.at("userspace_addr"), op.npages);
  } else if (name == "delete_memslot") {
    j.expect_object({"op", "as", "slot"});
    op.kind = Op::Kind::delete_memslot;
  } else if (name == "move_memslot") {
    j.expect_object({"op", "as", "slot", "base_gfn"});
    op.kind = Op::Kind::move_memslot;
    op.gfn = gfn_in_range(j.at("base_gfn"));
  } else if (name == "set_memslot_flags") {
    j.expect_object({"op", "as", "slot", "log_dirty_pages"});
    op.kind = Op::Kind::set_memslot_flags;
    op.flags = j.at("log_dirty_pages").boolean() ? KVM_MEM_LOG_DIRTY_PAGES : 0;
  } else if (name == "memslot_updates") {
    j.expect_object({"op", "as", "slot", "count"});
    op.kind = Op::Kind::memslot_updates;
    op.count = j.at("count").u64();
    if (op.count == 0 || op.count > 1000000)
      j.at("count").error("must be between 1 and 1000000");
  } else if (listed(kVcpuOps, name)) {
    j.at("op").error("'" + name + "' is a vcpu operation, not an updater's");
  } else {
    j.at("op").error("unknown updater operation '" + name + "' (known: " + kUpdaterOps + ", " +
                     kPfncacheUpdaterOps + ")");
  }
  op.as_id = parse_as_id(j);
  op.slot = parse_slot_id(j.at("slot"));
  return op;
}

std::vector<MetricBound> parse_metrics(const JsonIn& j) {
  std::vector<MetricBound> bounds;
  for (const auto& [name, value] : j.members()) {
    MetricBound b{name};
    if (value.raw().is_object()) {
      value.expect_object({"min", "max"});
      if (value.has("min")) b.min = value.at("min").u64();
      if (value.has("max")) b.max = value.at("max").u64();
      if (b.min > b.max) value.error("min is above max");
    } else {
      b.min = b.max = value.u64();
    }
    bounds.push_back(b);
  }
  return bounds;
}

}  // namespace

std::string cannot_run_at(const Scenario& scenario, const Variant& variant) {
  if (variant.address_spaces < scenario.address_spaces)
    return "the scenario uses address space 1 (SMM), which " + variant.name +
           " does not have (separate address spaces arrived with 4bd518f1598d in 4.2)";
  if (!scenario.gpcs.empty() && !variant.pfncache.present)
    return "the scenario uses a gfn_to_pfn_cache, which " + variant.name +
           " does not have (the cache with invalidation arrived with 982ed0de4753 in 5.17)";
  if (scenario.uses_x86_mmu && !variant.models_x86_mmu)
    return "the scenario uses the x86 MMU, which the model mirrors up to 5.1 only; " +
           variant.name + " models virt/kvm/pfncache.c and the MMU notifier";
  return "";
}

namespace {

constexpr std::pair<const char*, MetricRelation::Op> kRelationOps[] = {
    {"==", MetricRelation::Op::eq}, {"!=", MetricRelation::Op::ne},
    {"<=", MetricRelation::Op::le}, {">=", MetricRelation::Op::ge},
    {"<", MetricRelation::Op::lt},  {">", MetricRelation::Op::gt},
};

bool is_metric_name(const std::string& s) {
  return !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") ==
                           std::string::npos;
}

}  // namespace

bool MetricRelation::holds(uint64_t l, uint64_t r) const {
  switch (op) {
    case Op::eq: return l == r;
    case Op::ne: return l != r;
    case Op::lt: return l < r;
    case Op::le: return l <= r;
    case Op::gt: return l > r;
    case Op::ge: return l >= r;
  }
  return false;
}

std::string MetricRelation::text() const {
  for (const auto& [symbol, o] : kRelationOps)
    if (o == op) return left + symbol + right;
  return left + "?" + right;
}

MetricRelation parse_metric_relation(const std::string& text) {
  const auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(' '));
    s.erase(s.find_last_not_of(' ') + 1);
    return s;
  };
  for (const auto& [symbol, op] : kRelationOps) {  // two-character symbols first
    const size_t at = text.find(symbol);
    if (at == std::string::npos) continue;
    const std::string left = trim(text.substr(0, at));
    const std::string right = trim(text.substr(at + std::string_view(symbol).size()));
    if (is_metric_name(left) && is_metric_name(right)) return MetricRelation{left, op, right};
    break;
  }
  throw std::invalid_argument("expected \"METRIC OP METRIC\" with OP one of == != < <= > >=, got '" +
                              text + "'");
}

bool Expectation::expects(const std::string& kind) const {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

bool Expectation::allows(const std::string& kind) const {
  return expects(kind) || std::find(may.begin(), may.end(), kind) != may.end();
}

const Generations& generations_at(const Scenario& scenario, const std::string& variant) {
  for (const Expectation& e : scenario.expect)
    if (e.variant == variant && e.generations) return *e.generations;
  return scenario.generations;
}

std::string Expectation::verdict() const {
  if (kinds.empty()) return "clean";
  std::string s;
  for (const auto& k : kinds) s += (s.empty() ? "" : "+") + k;
  return s;
}

std::pair<uint64_t, uint64_t> parse_seed_range(const std::string& text) {
  const auto dots = text.find("..");
  auto number = [&](std::string_view s) {
    const bool decimal = !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
    const auto v = decimal ? sim::parse_u64(s) : std::nullopt;
    if (!v)
      throw std::invalid_argument("seed range must be A..B (inclusive, 64-bit), got '" + text + "'");
    return *v;
  };
  if (dots == std::string::npos) {
    const uint64_t one = number(text);
    return {one, one};
  }
  const uint64_t a = number(std::string_view(text).substr(0, dots));
  const uint64_t b = number(std::string_view(text).substr(dots + 2));
  if (b < a) throw std::invalid_argument("seed range '" + text + "' is empty (B < A)");
  // So that a range's seed count, B - A + 1, is a 64-bit number.
  if (b - a >= kMaxSeedCount)
    throw std::invalid_argument(fmt::format(
        "seed range '{}' has more than 2^63 seeds, more than any sweep can run", text));
  return {a, b};
}

Scenario parse_scenario(const nlohmann::json& raw, const std::string& path,
                        const ParamValues& overrides) {
  Scenario sc;
  sc.json = apply_params(raw, path, overrides);
  sc.params = declared_params(sc.json);
  const JsonIn root(sc.json, path);
  root.expect_object({"$schema", "name", "title", "description", "sources", "params", "expect",
                      "vm", "threads", "oracles", "exploration"});
  sc.path = path;
  sc.name = root.at("name").str();
  sc.title = root.at("title").str();
  root.at("description").str();
  // A source is a kernel commit or a mailing-list message (a patch posting
  // or its review, before or instead of a commit).
  for (const auto& s : root.at("sources").items()) {
    s.expect_object({"commit", "mail", "date", "from", "title"});
    s.at("title").str();
    if (s.has("commit") == s.has("mail")) s.error("a source names a \"commit\" or a \"mail\"");
    if (s.has("commit")) {
      s.at("commit").str();
      if (s.has("date") || s.has("from")) s.error("\"date\" and \"from\" describe a \"mail\"");
    } else {
      s.at("mail").str();
      s.at("date").str();
      if (s.has("from")) s.at("from").str();
    }
  }

  for (const auto& e : root.at("expect").items()) {
    e.expect_object({"variant", "verdict", "may", "metrics", "relations", "vm", "why"});
    Expectation x;
    x.variant = e.at("variant").str();
    try {
      find_variant(x.variant);
    } catch (const sim::InputError& err) {
      e.at("variant").error(err.what());
    }
    for (const auto& prev : sc.expect)
      if (prev.variant == x.variant) e.at("variant").error("variant listed twice");
    x.kinds = parse_verdict(e.at("verdict"));
    if (e.has("may")) x.may = parse_may(e.at("may"), x.kinds);
    if (e.has("vm")) {
      // Settings that differ by kernel state; the rest of vm is the scenario's.
      const JsonIn vm = e.at("vm");
      vm.expect_object({"generations"});
      x.generations = parse_generations(vm.at("generations"));
      if (x.generations->size() > 1 && (*x.generations)[1] &&
          find_variant(x.variant).address_spaces < 2)
        vm.at("generations").at(1).error(x.variant + " has one address space");
    }
    if (e.has("metrics")) x.metrics = parse_metrics(e.at("metrics"));
    if (e.has("relations"))
      for (const auto& r : e.at("relations").items()) try {
          x.relations.push_back(parse_metric_relation(r.str()));
        } catch (const std::invalid_argument& err) {
          r.error(err.what());
        }
    x.why = e.at("why").str();
    sc.expect.push_back(std::move(x));
  }
  if (sc.expect.empty()) root.at("expect").error("at least one variant expectation is needed");

  const JsonIn vm = root.at("vm");
  vm.expect_object({"gfns", "memslots", "generations", "mmio_sptes", "shadow_pages",
                    "n_max_mmu_pages", "host_mappings", "gpcs"});
  if (vm.has("host_mappings")) sc.host_mappings = parse_host_mappings(vm.at("host_mappings"));
  if (vm.has("gpcs")) sc.gpcs = parse_gpc_names(vm.at("gpcs"));
  if (vm.has("n_max_mmu_pages") || vm.has("mmio_sptes") || vm.has("shadow_pages"))
    sc.uses_x86_mmu = true;
  if (vm.has("n_max_mmu_pages")) sc.n_max_mmu_pages = vm.at("n_max_mmu_pages").u64();
  sc.gfns = vm.at("gfns").u64();
  if (sc.gfns == 0 || sc.gfns > kMaxGfns)
    vm.at("gfns").error("must be between 1 and " + std::to_string(kMaxGfns));
  sc.memslots.resize(KVM_ADDRESS_SPACE_MAX);
  for (const auto& m : vm.at("memslots").items()) {
    kvm_memory_slot s = parse_memslot(m);
    const unsigned as_id = parse_as_id(m);
    if (s.base_gfn >= sc.gfns || s.npages > sc.gfns - s.base_gfn)
      m.error("slot extends beyond the VM's guest frames");
    for (const auto& other : sc.memslots[as_id]) {
      if (other.id == s.id) m.at("slot").error("slot id used twice in this address space");
      if (s.base_gfn < other.base_gfn + other.npages && other.base_gfn < s.base_gfn + s.npages)
        m.error("overlaps slot " + std::to_string(other.id));
    }
    sc.memslots[as_id].push_back(s);
    if (as_id) sc.address_spaces = 2;
  }
  if (vm.has("generations")) {
    sc.generations = parse_generations(vm.at("generations"));
    if (sc.generations.size() > 1) sc.address_spaces = 2;
  }
  for (const auto& m : vm.has("mmio_sptes") ? vm.at("mmio_sptes").items() : std::vector<JsonIn>{}) {
    m.expect_object({"as", "gfn", "generation"});
    InitialMmioSpte spte;
    spte.as_id = parse_as_id(m);
    spte.gfn = m.at("gfn").u64();
    if (spte.gfn >= sc.gfns) m.at("gfn").error("gfn beyond the VM's " + std::to_string(sc.gfns) +
                                                " guest frames");
    spte.generation = parse_generation(m.at("generation"));
    sc.mmio_sptes.push_back(spte);
    if (spte.as_id) sc.address_spaces = 2;
  }

  const auto threads = root.at("threads").items();
  if (threads.empty()) root.at("threads").error("at least one thread is needed");
  if (threads.size() > kMaxThreads) root.at("threads").error("at most 64 threads");
  std::vector<std::string> names;
  std::vector<bool> is_vcpu;
  for (const auto& t : threads) {
    is_vcpu.push_back(t.has("kind") && t.at("kind").raw() == "vcpu");
    const std::string n = t.at("name").str();
    if (n.empty()) t.at("name").error("empty thread name");
    if (std::find(names.begin(), names.end(), n) != names.end())
      t.at("name").error("thread name used twice");
    names.push_back(n);
  }
  for (size_t i = 0; i < threads.size(); ++i) {
    const JsonIn& t = threads[i];
    t.expect_object({"name", "kind", "cpu", "program"});
    ThreadSpec spec;
    spec.name = names[i];
    const std::string kind = t.at("kind").str();
    if (kind == "vcpu") spec.kind = ThreadSpec::Kind::vcpu;
    else if (kind == "updater") spec.kind = ThreadSpec::Kind::updater;
    else t.at("kind").error("unknown thread kind '" + kind + "' (known: vcpu, updater)");
    const uint64_t cpu = t.has("cpu") ? t.at("cpu").u64() : i;
    if (cpu >= sim::kMaxCpus) t.at("cpu").error(fmt::format("must be below {}", sim::kMaxCpus));
    spec.cpu = static_cast<int>(cpu);
    for (const auto& o : t.at("program").items()) {
      Op op = parse_op(o, spec.kind, names, is_vcpu, sc);
      switch (op.kind) {
        case Op::Kind::access: case Op::Kind::enter_smm: case Op::Kind::leave_smm:
        case Op::Kind::fault_in_shadow_page: case Op::Kind::walk_shadow_page_lockless:
        case Op::Kind::flush_shadow_all: case Op::Kind::change_mmu_pages:
          sc.uses_x86_mmu = true;
          break;
        default:
          break;
      }
      if (op.kind >= Op::Kind::gpc_init && op.kind <= Op::Kind::gpc_destroy &&
          op.gfn >= sc.gfns)
        o.at("gfn").error("gfn beyond the VM's " + std::to_string(sc.gfns) + " guest frames");
      if (op.kind == Op::Kind::wait_for && op.thread == i)
        o.at("thread").error("a thread cannot wait for itself");
      if (op.until && op.thread == i) o.at("until").error("a thread cannot wait for itself");
      if (op.as_id || op.kind == Op::Kind::enter_smm) sc.address_spaces = 2;
      spec.program.push_back(op);
    }
    sc.threads.push_back(std::move(spec));
  }

  // After the threads: root_of names a vCPU thread.
  if (vm.has("shadow_pages")) {
    sc.shadow_pages = parse_shadow_pages(vm.at("shadow_pages"), names, is_vcpu);
  }

  for (size_t i = 0; i < sc.expect.size(); ++i) {
    const std::string why = cannot_run_at(sc, find_variant(sc.expect[i].variant));
    if (!why.empty()) root.at("expect").items()[i].at("variant").error(why);
  }

  for (const auto& o : root.at("oracles").items()) {
    const std::string name = o.str();
    if (name == "stale-mmio") sc.oracles.stale_mmio = true;
    else if (name == "stale-mmio-in-flux") sc.oracles.stale_mmio_in_flux = true;
    else if (name == "generation-backwards") sc.oracles.generation_backwards = true;
    else o.error("unknown oracle '" + name +
                 "' (known: stale-mmio, stale-mmio-in-flux, generation-backwards)");
  }

  const JsonIn ex = root.at("exploration");
  ex.expect_object({"strategy", "seeds", "step_bound"});
  sc.exploration.strategy = ex.at("strategy").str();
  if (sc.exploration.strategy != "random" && !sim::parse_pct_spec(sc.exploration.strategy))
    ex.at("strategy").error("unknown strategy (known: random, pct:D, pct:D:K)");
  try {
    std::tie(sc.exploration.seed_begin, sc.exploration.seed_end) =
        parse_seed_range(ex.at("seeds").str());
  } catch (const std::invalid_argument& e) {
    ex.at("seeds").error(e.what());
  }
  sc.exploration.step_bound = ex.at("step_bound").u64();
  if (sc.exploration.step_bound == 0 || sc.exploration.step_bound > kMaxStepBound)
    ex.at("step_bound").error(fmt::format("must be between 1 and {}", kMaxStepBound));
  return sc;
}

std::vector<std::string> scenario_files(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const auto& a : paths) {
    std::error_code ec;
    if (!fs::is_directory(a, ec)) {
      files.push_back(a);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(a))
      if (entry.path().extension() == ".json" && entry.path().filename() != "schema.json")
        found.push_back(entry.path().string());
    if (found.empty()) throw sim::InputError(a + ": no scenario files (*.json) in directory");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

Scenario load_scenario(const std::string& path, const ParamValues& overrides) {
  return parse_scenario(sim::read_json_file(path, sim::kScenarioInput), path, overrides);
}

}  // namespace model

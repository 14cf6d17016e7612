// SPDX-License-Identifier: GPL-2.0-only
// Shadow-MMU zapping (model/arch/x86/kvm/mmu/mmu_zap.cpp): 4.19's fast invalidate, and
// kvm_mmu_zap_all before and after 83cdb56864 "KVM: x86/mmu: Differentiate
// between nr zapped and list unstable": list orders, restarts and walk cost
// computed by hand, the list-walk oracle, cond_resched_lock, a zapper racing
// a faulting vCPU, determinism, and the commit's wait for lockless walkers.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/include/linux/kvm_host.hpp"
#include "model/virt/kvm/kvm_requests.hpp"
#include "model/include/linux/list.hpp"
#include "model/include/linux/sched.hpp"
#include "model/variants/variants.hpp"
#include "model/arch/x86/kvm/mmu/mmu_lockless.hpp"
#include "model/arch/x86/kvm/mmu/mmu_zap.hpp"
#include "sim/runtime/execution.hpp"
#include "sim/sync/lock.hpp"
#include "sim/sync/shared.hpp"
#include "model_run.hpp"

namespace {

using model::kvm_mmu_page;
using model::list_head;

// The two kernel states 83cdb56864 separates: before it (just after the
// reverts of fast invalidate) and from it on.
constexpr const char* kStates[] = {"v5.0+ea145aacf4ae", "v5.1"};

using testutil::Run;
using testutil::run;
using testutil::run_alone;

// What a zap cost, from the execution's metrics.
struct Cost {
  uint64_t walk_steps, restarts, pages_zapped;
  bool operator==(const Cost&) const = default;
};
Cost cost(const sim::Metrics& m) {
  return {m.get("walk_steps"), m.get("restarts"), m.get("pages_zapped")};
}

// The entries of a list, head to tail, by name.
std::vector<std::string> entries(const list_head& head) {
  std::vector<std::string> out;
  for (const list_head* p = head.next; p != &head; p = p->next) out.push_back(p->name());
  return out;
}

// The entries a walk in `function` read the next (or prev) pointer of, in
// order (the reads of the head itself, one per (re)start, left out).
std::vector<std::string> visits(const std::vector<sim::Event>& events, const std::string& function) {
  std::vector<std::string> out;
  for (const auto& e : events)
    if (e.op == "load" && e.function == function && e.object.starts_with("sp"))
      out.push_back(e.object);
  return out;
}

// A VM at one kernel state, its shadow pages built before the execution.
struct Vm {
  explicit Vm(const char* variant) : vm(model::find_variant(variant), 1, 1, 1) {
    model::kvm_mmu_init_vm(&vm);
  }
  kvm_mmu_page* alloc(uint64_t gfn, unsigned level, int root_count = 0) {
    return model::kvm_mmu_alloc_page(&vm, gfn, level, true, root_count);
  }
  kvm_mmu_page* page(size_t i) { return &vm.arch.mmu_pages[i]; }
  const list_head& active() const { return vm.arch.active_mmu_pages; }
  model::kvm vm;
};

// sp0 (gfn 0x30, independent), sp1 and sp2 (gfns 0x10, 0x11: unsync level-1
// children of sp3), sp3 (level 2), sp4 (gfn 0x40, independent). Allocation
// puts each new page at the head: active_mmu_pages is sp4 sp3 sp2 sp1 sp0,
// so a forward walk reaches the parent before its children.
std::unique_ptr<Vm> parent_with_two_unsync_children(const char* state) {
  auto m = std::make_unique<Vm>(state);
  m->alloc(0x30, 1);
  kvm_mmu_page* c1 = m->alloc(0x10, 1);
  kvm_mmu_page* c2 = m->alloc(0x11, 1);
  kvm_mmu_page* p = m->alloc(0x0, 2);
  m->alloc(0x40, 1);
  model::link_shadow_page(p, 0, c1);
  model::link_shadow_page(p, 1, c2);
  model::kvm_unsync_page(c1);
  model::kvm_unsync_page(c2);
  return m;
}

}  // namespace

TEST_CASE("list.h: list_add at the head, list_move, list_del, list_last_entry") {
  struct item {
    explicit item(std::string n) : link(std::move(n), this) {}
    list_head link;
    bool freed = false;
  };
  list_head head("head"), other("other");
  item a("a"), b("b"), c("c");
  model::list_add(&a.link, &head);
  model::list_add(&b.link, &head);
  model::list_add(&c.link, &head);
  CHECK(entries(head) == std::vector<std::string>{"c", "b", "a"});
  CHECK(model::list_last_entry<item>(&head) == &a);
  model::list_move(&b.link, &other);
  CHECK(entries(head) == std::vector<std::string>{"c", "a"});
  CHECK(entries(other) == std::vector<std::string>{"b"});
  CHECK(b.link.on_list == &other);
  model::list_del(&c.link);
  CHECK(entries(head) == std::vector<std::string>{"a"});
  CHECK(c.link.on_list == nullptr);
  CHECK(c.link.next == nullptr);
  model::list_del(&a.link);
  CHECK(model::list_empty(&head));
}

TEST_CASE("list_for_each_entry_safe: moving pos is safe; stepping off the list is reported") {
  struct item {
    explicit item(std::string n) : link(std::move(n), this) {}
    list_head link;
    bool freed = false;
  };
  // What the body does to the entry after pos (n), or to pos itself.
  enum class Body { move_pos, move_next, del_next, free_next };
  struct Case {
    Body body;
    const char* kind;  // nullptr: no violation
    const char* message_end;
  };
  const Case cases[] = {
      {Body::move_pos, nullptr, ""},
      {Body::move_next, "list-walk-freed-page", "stepped onto b, which is on other"},
      {Body::del_next, "list-walk-freed-page", "stepped onto b, which list_del took off every list"},
      {Body::free_next, "list-walk-freed-page", "stepped onto b, which kvm_mmu_free_page freed"},
  };
  for (const Case& k : cases) {
    CAPTURE(static_cast<int>(k.body));
    list_head head("head"), other("other");
    item a("a"), b("b"), c("c");
    model::list_add(&c.link, &head);
    model::list_add(&b.link, &head);
    model::list_add(&a.link, &head);  // head: a b c
    std::vector<std::string> seen;
    const Run r = run_alone([&] {
      for (model::list_safe_walk<item> w(&head, "walker"); !w.done(); w.next()) {
        item* pos = w.pos();
        seen.push_back(pos->link.name());
        if (pos != &a) continue;
        switch (k.body) {
          case Body::move_pos: model::list_move(&a.link, &other); break;
          case Body::move_next: model::list_move(&b.link, &other); break;
          case Body::del_next: model::list_del(&b.link); break;
          case Body::free_next:
            model::list_del(&b.link);
            b.freed = true;
            break;
        }
      }
    });
    if (!k.kind) {
      CHECK_FALSE(r.outcome.violation.has_value());
      CHECK(seen == std::vector<std::string>{"a", "b", "c"});
      CHECK(entries(head) == std::vector<std::string>{"b", "c"});
      continue;
    }
    REQUIRE(r.outcome.violation.has_value());
    CHECK(r.outcome.violation->kind == k.kind);
    CHECK(r.outcome.violation->message == std::string("walker: list_for_each_entry_safe over head ") +
                                              k.message_end);
    CHECK(seen == std::vector<std::string>{"a"});  // reported before the body ran on b
  }
}

TEST_CASE("list_for_each_entry_safe: a walk that never ends meets the step bound") {
  struct item {
    explicit item(std::string n) : link(std::move(n), this) {}
    list_head link;
    bool freed = false;
  };
  list_head head("head");
  item a("a"), b("b");
  model::list_add(&b.link, &head);
  model::list_add(&a.link, &head);
  // Each body moves pos just after the saved n, so the walk meets it again.
  const Run r = run_alone(
      [&] {
        for (model::list_safe_walk<item> w(&head, "walker"); !w.done(); w.next())
          model::list_move(&w.pos()->link, w.pos()->link.next);
      },
      500);
  REQUIRE(r.outcome.violation.has_value());
  CHECK(r.outcome.violation->kind == "step-bound");
}

TEST_CASE("kvm_mmu_prepare_zap_page: a parent zaps its unsync children onto invalid_list") {
  for (const char* state : kStates) {
    CAPTURE(state);
    auto m = parent_with_two_unsync_children(state);
    model::kvm& vm = m->vm;
    kvm_mmu_page* p = m->page(3);
    std::vector<std::string> active_after_y, invalid_after_y, active_after_p, invalid_after_p;
    bool unstable_y = true, unstable_p = false;
    int nr_y = 0, nr_p = 0;
    list_head invalid_list("invalid_list");
    const Run r = run_alone([&] {
      unstable_y = model::__kvm_mmu_prepare_zap_page(&vm, m->page(4), &invalid_list, &nr_y);
      active_after_y = entries(m->active());
      invalid_after_y = entries(invalid_list);
      unstable_p = model::__kvm_mmu_prepare_zap_page(&vm, p, &invalid_list, &nr_p);
      active_after_p = entries(m->active());
      invalid_after_p = entries(invalid_list);
      model::kvm_mmu_commit_zap_page(&vm, &invalid_list);
    });
    REQUIRE_FALSE(r.outcome.violation.has_value());
    CHECK_FALSE(unstable_y);
    CHECK(nr_y == 1);
    CHECK(active_after_y == std::vector<std::string>{"sp3->link", "sp2->link", "sp1->link",
                                                     "sp0->link"});
    CHECK(invalid_after_y == std::vector<std::string>{"sp4->link"});
    // sp1 then sp2 (bitmap order) go to the head of invalid_list, then sp3.
    CHECK(unstable_p);
    CHECK(nr_p == 3);
    CHECK(active_after_p == std::vector<std::string>{"sp0->link"});
    CHECK(invalid_after_p == std::vector<std::string>{"sp3->link", "sp2->link", "sp1->link",
                                                      "sp4->link"});
    CHECK(p->spt.empty());
    CHECK(p->unsync_children == 0);
    CHECK(p->unsync_child_bitmap.none());
    CHECK(m->page(1)->parent_ptes.empty());
    CHECK_FALSE(m->page(1)->unsync);
    CHECK(r.metrics.get("pages_zapped") == 4);
    CHECK(model::list_empty(&invalid_list));
    CHECK(vm.arch.n_used_mmu_pages == 1);
    for (unsigned i = 1; i < 5; ++i) CHECK(m->page(i)->freed);
    CHECK_FALSE(m->page(0)->freed);
  }
}

TEST_CASE("kvm_mmu_zap_all: a parent with two unsync children among independent pages") {
  // Before 83cdb56864 every page the walk zaps restarts it (sp4, sp3, sp0:
  // 3 restarts); from it on only sp3's zap does, since only it zapped
  // children. The same 5 pages are freed in the same order.
  struct Expect {
    const char* state;
    Cost cost;
  };
  for (const Expect& x : {Expect{kStates[0], {3, 3, 5}}, Expect{kStates[1], {3, 1, 5}}}) {
    CAPTURE(x.state);
    auto m = parent_with_two_unsync_children(x.state);
    const Run r = run_alone([&] { model::kvm_arch_flush_shadow_all(&m->vm); });
    REQUIRE_FALSE(r.outcome.violation.has_value());
    CHECK(cost(r.metrics) == x.cost);
    CHECK(r.metrics.get("lock_drops") == 0);  // nobody else runs or waits
    CHECK(visits(r.events, "kvm_mmu_zap_all") ==
          std::vector<std::string>{"sp4->link", "sp3->link", "sp0->link"});
    CHECK(visits(r.events, "kvm_mmu_commit_zap_page") ==
          std::vector<std::string>{"sp0->link", "sp3->link", "sp2->link", "sp1->link", "sp4->link"});
    CHECK(model::list_empty(&m->vm.arch.active_mmu_pages));
    CHECK(m->vm.arch.n_used_mmu_pages == 0);
    for (const kvm_mmu_page& sp : m->vm.arch.mmu_pages) CHECK(sp.freed);
  }
}

TEST_CASE("kvm_mmu_zap_all: a root goes to the head and stays; before 83cdb56864 every restart "
          "walks it again") {
  struct Expect {
    const char* state;
    Cost cost;
    std::vector<std::string> visits;
  };
  const Expect table[] = {
      // sp2 (root), sp1 zapped: restart; sp2 skipped, sp0 zapped: restart; sp2.
      {kStates[0], {5, 2, 2}, {"sp2->link", "sp1->link", "sp2->link", "sp0->link", "sp2->link"}},
      // One pass: nothing zapped children.
      {kStates[1], {3, 0, 2}, {"sp2->link", "sp1->link", "sp0->link"}},
  };
  for (const Expect& x : table) {
    CAPTURE(x.state);
    Vm m(x.state);
    m.alloc(0x20, 1);
    m.alloc(0x10, 1);
    kvm_mmu_page* root = m.alloc(0x0, 4, 1);
    const Run r = run_alone([&] { model::kvm_mmu_zap_all(&m.vm); });
    REQUIRE_FALSE(r.outcome.violation.has_value());
    CHECK(cost(r.metrics) == x.cost);
    CHECK(visits(r.events, "kvm_mmu_zap_all") == x.visits);
    CHECK(entries(m.active()) == std::vector<std::string>{"sp2->link"});
    CHECK(root->role.invalid);
    CHECK_FALSE(root->freed);
    CHECK(root->root_count == 1);
    CHECK(m.page(0)->freed);
    CHECK(m.page(1)->freed);
    CHECK(m.vm.arch.n_used_mmu_pages == 1);
  }
}

TEST_CASE("kvm_mmu_zap_all: an invalid root met again after a restart is skipped") {
  // active_mmu_pages: sp2 (root) sp1 (level 2) sp0 (its unsync child).
  // Zapping sp1 zaps sp0 and restarts the walk at both states; the second
  // pass meets the invalid root again and skips it ("skip over invalid root
  // pages when zapping all sptes" came before 83cdb56864): sp2 is zapped
  // once, so 3 kvm_mmu_prepare_zap_page calls in all.
  for (const char* state : kStates) {
    CAPTURE(state);
    Vm m(state);
    kvm_mmu_page* child = m.alloc(0x10, 1);
    kvm_mmu_page* parent = m.alloc(0x0, 2);
    m.alloc(0x0, 4, 1);
    model::link_shadow_page(parent, 0, child);
    model::kvm_unsync_page(child);
    const Run r = run_alone([&] { model::kvm_mmu_zap_all(&m.vm); });
    REQUIRE_FALSE(r.outcome.violation.has_value());
    CHECK(cost(r.metrics) == Cost{3, 1, 2});
    CHECK(visits(r.events, "kvm_mmu_zap_all") ==
          std::vector<std::string>{"sp2->link", "sp1->link", "sp2->link"});
    CHECK(m.vm.arch.stat.mmu_shadow_zapped == 3);
    CHECK(entries(m.active()) == std::vector<std::string>{"sp2->link"});
  }
}

TEST_CASE("oracle: without the restart, the walk steps onto a child zapped with its parent") {
  // active_mmu_pages: sp2 (level 2) sp1 (its unsync child) sp0. Zapping sp2
  // moves sp1, the walker's saved next entry, to invalid_list.
  for (const char* state : kStates) {
    for (bool never_restart : {false, true}) {
      CAPTURE(state);
      CAPTURE(never_restart);
      Vm m(state);
      m.alloc(0x30, 1);
      kvm_mmu_page* child = m.alloc(0x10, 1);
      kvm_mmu_page* parent = m.alloc(0x0, 2);
      model::link_shadow_page(parent, 0, child);
      model::kvm_unsync_page(child);
      const Run r = run_alone([&] {
        if (never_restart)
          model::testing::kvm_mmu_zap_all_never_restarting(&m.vm);
        else
          model::kvm_mmu_zap_all(&m.vm);
      });
      if (!never_restart) {
        CHECK_FALSE(r.outcome.violation.has_value());
        CHECK(r.metrics.get("pages_zapped") == 3);
        continue;
      }
      REQUIRE(r.outcome.violation.has_value());
      CHECK(r.outcome.violation->kind == "list-walk-freed-page");
      CHECK(r.outcome.violation->message ==
            "kvm_mmu_zap_all: list_for_each_entry_safe over kvm->arch.active_mmu_pages stepped "
            "onto sp1->link, which is on invalid_list");
    }
  }
}

TEST_CASE("kvm_mmu_change_mmu_pages zaps the oldest pages; a root at the tail stops it") {
  for (const char* state : kStates) {
    CAPTURE(state);
    Vm plain(state);
    for (uint64_t gfn : {0x10, 0x11, 0x12}) plain.alloc(gfn, 1);
    Run r = run_alone([&] { model::kvm_mmu_change_mmu_pages(&plain.vm, 1); });
    REQUIRE_FALSE(r.outcome.violation.has_value());
    CHECK(r.metrics.get("pages_zapped") == 2);
    CHECK(entries(plain.active()) == std::vector<std::string>{"sp2->link"});
    CHECK(plain.vm.arch.n_max_mmu_pages == 1);

    Vm rooted(state);
    rooted.alloc(0x0, 4, 1);
    rooted.alloc(0x10, 1);
    rooted.alloc(0x11, 1);
    r = run_alone([&] { model::kvm_mmu_change_mmu_pages(&rooted.vm, 1); });
    REQUIRE_FALSE(r.outcome.violation.has_value());
    CHECK(r.metrics.get("pages_zapped") == 0);
    CHECK(entries(rooted.active()) ==
          std::vector<std::string>{"sp0->link", "sp2->link", "sp1->link"});
    CHECK(rooted.vm.arch.n_used_mmu_pages == 3);
    CHECK(rooted.vm.arch.n_max_mmu_pages == 3);
  }
}

TEST_CASE("4.19 fast invalidate: a reverse walk that restarts after every zapped page") {
  // Tail (oldest) to head: sp0, an invalid root still in use; sp1 (level
  // 3) -> sp2 (level 2) -> sp3, sp4 (level 1), none unsync; sp5, a page of
  // the new generation; sp6, obsolete, newer than sp5 (the kernel's FIFO
  // never has that: it shows that the walk stops at sp5 instead of skipping
  // it). kvm_mmu_invalidate_zap_all_pages makes the generation 1; each pass
  // skips sp0 and zaps the next page, which restarts the walk; the fifth
  // pass stops at sp5.
  Vm m("v4.19");
  kvm_mmu_page* old_root = m.alloc(0x0, 4, 1);
  old_root->role.invalid = true;
  kvm_mmu_page* l3 = m.alloc(0x0, 3);
  kvm_mmu_page* l2 = m.alloc(0x0, 2);
  model::link_shadow_page(l3, 0, l2);
  model::link_shadow_page(l2, 0, m.alloc(0x0, 1));
  model::link_shadow_page(l2, 1, m.alloc(0x200, 1));
  m.alloc(0x40, 1)->mmu_valid_gen = 1;
  m.alloc(0x50, 1);
  const Run r = run_alone([&] { model::kvm_arch_flush_shadow_all(&m.vm); });
  REQUIRE_FALSE(r.outcome.violation.has_value());
  CHECK(visits(r.events, "kvm_zap_obsolete_pages") ==
        std::vector<std::string>{"sp0->link", "sp1->link", "sp0->link", "sp2->link", "sp0->link",
                                 "sp3->link", "sp0->link", "sp4->link", "sp0->link", "sp5->link"});
  CHECK(cost(r.metrics) == Cost{10, 4, 4});
  // Each page was zapped on its own: the walk restarted once per page freed.
  CHECK(r.metrics.get("restarts") == r.metrics.get("pages_zapped"));
  CHECK(m.vm.arch.stat.mmu_shadow_zapped == 4);  // sp0 was skipped
  CHECK(visits(r.events, "kvm_mmu_commit_zap_page") ==
        std::vector<std::string>{"sp4->link", "sp3->link", "sp2->link", "sp1->link"});
  CHECK(entries(m.active()) == std::vector<std::string>{"sp6->link", "sp5->link", "sp0->link"});
  CHECK(model::list_empty(&m.vm.arch.zapped_obsolete_pages));
  CHECK(m.vm.arch.mmu_valid_gen == 1);
  CHECK(m.vm.arch.n_used_mmu_pages == 3);
  CHECK_FALSE(m.page(6)->freed);
}

TEST_CASE("cond_resched_lock drops the lock exactly when the strategy switched or a thread waits") {
  // A holds the lock, lets B run, and offers the lock once; B does two
  // other steps, then takes the lock. Over many seeds: cond_resched_lock returns true iff its
  // scheduling point ran B (need_resched) or B already waited (spin_needbreak),
  // and lock_drops counts the drops.
  int dropped_for_waiter = 0, dropped_for_switch = 0, kept = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    CAPTURE(seed);
    sim::Spinlock lock("lock");
    sim::Shared<int> x("x", 0);
    bool waited = false, switched = false, dropped = false;
    const Run r = run(
        {[&] {
           sim::Execution& ex = sim::Execution::current();
           lock.lock();
           x.load();  // B may run here, and wait for the lock
           waited = lock.contended();
           const uint64_t point = ex.decisions();  // the index of cond_resched_lock's decision
           dropped = model::cond_resched_lock(&lock);
           switched = ex.schedule()[point] != ex.self();
           lock.unlock();
         },
         [&] {
           x.load();
           x.load();
           lock.lock();
           lock.unlock();
         }},
        seed);
    REQUIRE_FALSE(r.outcome.violation.has_value());
    CHECK(dropped == (waited || switched));
    CHECK(r.metrics.get("lock_drops") == (dropped ? 1 : 0));
    if (dropped && waited && !switched) ++dropped_for_waiter;
    if (dropped && switched && !waited) ++dropped_for_switch;
    if (!dropped) ++kept;
  }
  CHECK(dropped_for_waiter > 0);
  CHECK(dropped_for_switch > 0);
  CHECK(kept > 0);
}

TEST_CASE("mmu_lock_longest_hold: the decisions of one kvm_mmu_zap_all under mmu_lock") {
  // Three independent pages at 5.1: one pass, each step reading the next
  // pointer and offering the lock (2 decisions a page, plus the head), the
  // commit walking invalid_list (head + 3), and the unlock: 1 + 6 + 4 + 1.
  Vm m("v5.1");
  for (uint64_t gfn : {0x10, 0x11, 0x12}) m.alloc(gfn, 1);
  const Run r = run_alone([&] { model::kvm_mmu_zap_all(&m.vm); });
  REQUIRE_FALSE(r.outcome.violation.has_value());
  CHECK(r.metrics.get("mmu_lock_longest_hold") == 12);
}

namespace {

// Eight independent level-1 pages and room for ten: the vCPU's fault finds
// fewer than KVM_MIN_FREE_MMU_PAGES available and zaps the oldest pages,
// freeing them, before it allocates its own.
std::unique_ptr<Vm> full_vm(const char* state) {
  auto m = std::make_unique<Vm>(state);
  for (uint64_t gfn = 0x10; gfn < 0x18; ++gfn) m->alloc(gfn, 1);
  m->vm.arch.n_max_mmu_pages = 10;
  return m;
}

}  // namespace

TEST_CASE("5.1 kvm_mmu_zap_all racing a faulting vCPU: the walk restarts after each lock drop") {
  int restarted_after_drop = 0;
  uint64_t longest_hold = 0;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    CAPTURE(seed);
    auto m = full_vm("v5.1");
    model::kvm_vcpu vcpu(&m->vm, 0);
    kvm_mmu_page* faulted = nullptr;
    const Run r = run({[&] { model::kvm_arch_flush_shadow_all(&m->vm); },
                       [&] { faulted = model::kvm_mmu_fault_in_shadow_page(&vcpu, 0x100, 1); }},
                      seed);
    REQUIRE_FALSE(r.outcome.violation.has_value());
    REQUIRE(faulted != nullptr);
    // No page zaps children here: every restart is one after a lock drop.
    CHECK(r.metrics.get("restarts") == r.metrics.get("lock_drops"));
    // Every old page is gone; the vCPU's is gone too unless it came last.
    for (size_t i = 0; i < 8; ++i) CHECK(m->page(i)->freed);
    CHECK(m->vm.arch.n_used_mmu_pages == (faulted->freed ? 0 : 1));
    CHECK(r.metrics.get("pages_zapped") == (faulted->freed ? 9 : 8));
    if (r.metrics.get("lock_drops") > 0) ++restarted_after_drop;
    longest_hold = std::max(longest_hold, r.metrics.get("mmu_lock_longest_hold"));
  }
  CHECK(restarted_after_drop > 0);
  CHECK(longest_hold > 0);
}

TEST_CASE("oracle: without the restart after a lock drop, the walk steps onto a page the vCPU "
          "freed") {
  int found = 0;
  for (uint64_t seed = 0; seed < 300 && !found; ++seed) {
    auto m = full_vm("v5.1");
    model::kvm_vcpu vcpu(&m->vm, 0);
    const Run r = run({[&] { model::testing::kvm_mmu_zap_all_never_restarting(&m->vm); },
                       [&] { model::kvm_mmu_fault_in_shadow_page(&vcpu, 0x100, 1); }},
                      seed);
    if (!r.outcome.violation) continue;
    CAPTURE(seed);
    CHECK(r.outcome.violation->kind == "list-walk-freed-page");
    CHECK(r.outcome.violation->message.ends_with("which kvm_mmu_free_page freed"));
    CHECK(r.metrics.get("lock_drops") > 0);
    ++found;
  }
  CHECK(found == 1);
}

TEST_CASE("determinism: the same pages at the same state give the same events") {
  for (const char* state : kStates) {
    CAPTURE(state);
    auto first = parent_with_two_unsync_children(state);
    auto second = parent_with_two_unsync_children(state);
    const Run r1 = run_alone([&] { model::kvm_mmu_zap_all(&first->vm); });
    const Run r2 = run_alone([&] { model::kvm_mmu_zap_all(&second->vm); });
    CHECK(r1.metrics.values() == r2.metrics.values());
    CHECK(r1.outcome.steps == r2.outcome.steps);
    CHECK(r1.events.size() > 10);
    CHECK(r1.events == r2.events);
  }
  // And the two states differ in what they do.
  auto before = parent_with_two_unsync_children(kStates[0]);
  auto after = parent_with_two_unsync_children(kStates[1]);
  const Run rb = run_alone([&] { model::kvm_mmu_zap_all(&before->vm); });
  const Run ra = run_alone([&] { model::kvm_mmu_zap_all(&after->vm); });
  CHECK(rb.events != ra.events);
  // Two threads: the same seed gives the same execution.
  for (uint64_t seed : {3, 17}) {
    Run runs[2];
    for (Run& r : runs) {
      auto m = full_vm("v5.1");
      model::kvm_vcpu vcpu(&m->vm, 0);
      r = run({[&] { model::kvm_arch_flush_shadow_all(&m->vm); },
               [&] { model::kvm_mmu_fault_in_shadow_page(&vcpu, 0x100, 1); }},
              seed);
    }
    CHECK(runs[0].events == runs[1].events);
    CHECK(runs[0].metrics.values() == runs[1].metrics.values());
  }
}

TEST_CASE("kvm_flush_remote_tlbs: no page a walker reached is freed before its lockless_end") {
  // vcpu0's root (sp0) points at sp1. The walker enters
  // READING_SHADOW_PAGE_TABLES, reads root->spt[0] (is sp1 still linked?),
  // and stays in its walk for three more steps; kvm_mmu_zap_all unlinks
  // and frees sp1. If the walker found sp1 linked, the commit must not free
  // it before lockless_end. With the test-only mutation that skips the
  // wait, it does on some seed.
  for (bool wait : {true, false}) {
    CAPTURE(wait);
    int freed_under_walker = 0, flusher_waited = 0;
    for (uint64_t seed = 0; seed < 300; ++seed) {
      CAPTURE(seed);
      Vm m("v5.1");
      kvm_mmu_page* root = m.alloc(0x0, 4, 1);
      kvm_mmu_page* l3 = m.alloc(0x0, 3);
      model::link_shadow_page(root, 0, l3);
      m.vm.vcpus.push_back(std::make_unique<model::kvm_vcpu>(&m.vm, 0));
      model::kvm_vcpu* vcpu = m.vm.vcpus.back().get();
      vcpu->arch.mmu.root_hpa = root;
      sim::Shared<int> step("step");
      bool freed_while_reachable = false;
      std::optional<model::testing::FlushRemoteTlbsWithoutWaiting> no_wait;
      if (!wait) no_wait.emplace();
      const Run r = run({[&] {
                           model::walk_shadow_page_lockless_begin(vcpu);
                           const bool reached = root->spt.count(0) > 0;  // right after the store
                           for (int k = 0; k < 3; ++k) {
                             step.load();
                             if (reached && l3->freed) freed_while_reachable = true;
                           }
                           model::walk_shadow_page_lockless_end(vcpu);
                         },
                         [&] { model::kvm_mmu_zap_all(&m.vm); }},
                        seed);
      REQUIRE_FALSE(r.outcome.violation.has_value());
      CHECK(l3->freed);
      CHECK_FALSE(root->freed);  // still vcpu0's root
      if (freed_while_reachable) ++freed_under_walker;
      for (const auto& e : r.events)
        if (e.op == "load" && e.function == "smp_call_function_many" &&
            e.value == "0x3") {
          ++flusher_waited;
          break;
        }
    }
    if (wait) {
      CHECK(freed_under_walker == 0);
      CHECK(flusher_waited > 0);  // the flusher did meet the walker in its walk
    } else {
      CHECK(freed_under_walker > 0);
      CHECK(flusher_waited == 0);
    }
  }
}

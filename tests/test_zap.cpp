// Shadow-MMU zapping (model/x86/mmu_zap.cpp) before and after 83cdb56864
// "KVM: x86/mmu: Differentiate between nr zapped and list unstable": list
// orders, restarts and walk cost computed by hand, the list-walk oracle, and
// determinism.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/list.hpp"
#include "model/x86/mmu_zap.hpp"
#include "sim/runtime/execution.hpp"
#include "sim/strategy/random_strategy.hpp"
#include "sim/sync/lock.hpp"

namespace {

using model::kvm_mmu_page;
using model::kvm_shadow_mmu;
using model::list_head;
using model::zap_stats;

// The two kernel states: false before 83cdb56864, true from it on (5.1).
constexpr bool kStates[] = {false, true};

struct Run {
  sim::Outcome outcome;
  std::vector<sim::Event> events;
};

// Runs `body` as the only modeled thread of a recorded execution.
Run run_alone(const std::function<void()>& body, uint64_t step_bound = 100000) {
  sim::RandomStrategy strategy;
  sim::Execution ex(strategy, sim::ExecutionOptions{step_bound, true});
  ex.spawn("t", 0, body);
  Run r;
  r.outcome = ex.run(0);
  r.events = ex.events();
  return r;
}

// The entries of a list, head to tail, by name.
std::vector<std::string> entries(const list_head& head) {
  std::vector<std::string> out;
  for (const list_head* p = head.next; p != &head; p = p->next) out.push_back(p->name());
  return out;
}

// The entries a walk in `function` read the next pointer of, in order (the
// reads of the head itself, one per (re)start, left out).
std::vector<std::string> visits(const std::vector<sim::Event>& events, const std::string& function) {
  std::vector<std::string> out;
  for (const auto& e : events)
    if (e.op == "load" && e.function == function && e.object.starts_with("sp"))
      out.push_back(e.object);
  return out;
}

// One VM's shadow pages at one kernel state.
struct Mmu {
  explicit Mmu(bool unstable_state) : lock("kvm->mmu_lock"), mmu(lock, unstable_state) {}
  kvm_mmu_page* alloc(uint64_t gfn, unsigned level) {
    return model::kvm_mmu_alloc_page(&mmu, gfn, level, true);
  }
  sim::Spinlock lock;
  kvm_shadow_mmu mmu;
};

// sp0 (gfn 0x30, independent), sp1 and sp2 (gfns 0x10, 0x11: unsync level-1
// children of sp3), sp3 (level 2), sp4 (gfn 0x40, independent). Allocation
// puts each new page at the head: active_mmu_pages is sp4 sp3 sp2 sp1 sp0,
// so a forward walk reaches the parent before its children.
std::unique_ptr<Mmu> parent_with_two_unsync_children(bool state) {
  auto m = std::make_unique<Mmu>(state);
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
  for (bool state : kStates) {
    CAPTURE(state);
    auto m = parent_with_two_unsync_children(state);
    kvm_shadow_mmu& mmu = m->mmu;
    kvm_mmu_page* p = &mmu.pages[3];
    std::vector<std::string> active_after_y, invalid_after_y, active_after_p, invalid_after_p;
    bool unstable_y = true, unstable_p = false;
    int nr_y = 0, nr_p = 0;
    unsigned freed = 0;
    list_head invalid_list("invalid_list");
    const Run r = run_alone([&] {
      unstable_y = model::__kvm_mmu_prepare_zap_page(&mmu, &mmu.pages[4], &invalid_list, &nr_y);
      active_after_y = entries(mmu.active_mmu_pages);
      invalid_after_y = entries(invalid_list);
      unstable_p = model::__kvm_mmu_prepare_zap_page(&mmu, p, &invalid_list, &nr_p);
      active_after_p = entries(mmu.active_mmu_pages);
      invalid_after_p = entries(invalid_list);
      freed = model::kvm_mmu_commit_zap_page(&mmu, &invalid_list);
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
    CHECK(mmu.pages[1].parent_ptes.empty());
    CHECK_FALSE(mmu.pages[1].unsync);
    CHECK(freed == 4);
    CHECK(model::list_empty(&invalid_list));
    CHECK(mmu.n_used_mmu_pages == 1);
    for (unsigned i = 1; i < 5; ++i) CHECK(mmu.pages[i].freed);
    CHECK_FALSE(mmu.pages[0].freed);
  }
}

TEST_CASE("kvm_mmu_zap_all: a parent with two unsync children among independent pages") {
  // Before 83cdb56864 every page the walk zaps restarts it (sp4, sp3, sp0:
  // 3 restarts); from it on only sp3's zap does, since only it zapped
  // children. The same 5 pages are freed in the same order.
  struct Expect {
    bool state;
    zap_stats stats;
  };
  for (const Expect& x : {Expect{false, {3, 3, 5}}, Expect{true, {3, 1, 5}}}) {
    CAPTURE(x.state);
    auto m = parent_with_two_unsync_children(x.state);
    zap_stats stats;
    const Run r = run_alone([&] { stats = model::kvm_mmu_zap_all(&m->mmu); });
    REQUIRE_FALSE(r.outcome.violation.has_value());
    CHECK(stats == x.stats);
    CHECK(visits(r.events, "kvm_mmu_zap_all") ==
          std::vector<std::string>{"sp4->link", "sp3->link", "sp0->link"});
    CHECK(visits(r.events, "kvm_mmu_commit_zap_page") ==
          std::vector<std::string>{"sp0->link", "sp3->link", "sp2->link", "sp1->link", "sp4->link"});
    CHECK(model::list_empty(&m->mmu.active_mmu_pages));
    CHECK(m->mmu.n_used_mmu_pages == 0);
    for (const kvm_mmu_page& sp : m->mmu.pages) CHECK(sp.freed);
  }
}

TEST_CASE("kvm_mmu_zap_all: a root goes to the head and stays; before 83cdb56864 every restart "
          "walks it again") {
  struct Expect {
    bool state;
    zap_stats stats;
    std::vector<std::string> visits;
  };
  const Expect table[] = {
      // sp2 (root), sp1 zapped: restart; sp2 again, sp0 zapped: restart; sp2.
      {false, {5, 2, 2}, {"sp2->link", "sp1->link", "sp2->link", "sp0->link", "sp2->link"}},
      // One pass: nothing zapped children.
      {true, {3, 0, 2}, {"sp2->link", "sp1->link", "sp0->link"}},
  };
  for (const Expect& x : table) {
    CAPTURE(x.state);
    Mmu m(x.state);
    m.alloc(0x20, 1);
    m.alloc(0x10, 1);
    kvm_mmu_page* root = m.alloc(0x0, 4);
    root->root_count = 1;
    zap_stats stats;
    const Run r = run_alone([&] { stats = model::kvm_mmu_zap_all(&m.mmu); });
    REQUIRE_FALSE(r.outcome.violation.has_value());
    CHECK(stats == x.stats);
    CHECK(visits(r.events, "kvm_mmu_zap_all") == x.visits);
    CHECK(entries(m.mmu.active_mmu_pages) == std::vector<std::string>{"sp2->link"});
    CHECK(root->role.invalid);
    CHECK_FALSE(root->freed);
    CHECK(root->root_count == 1);
    CHECK(m.mmu.pages[0].freed);
    CHECK(m.mmu.pages[1].freed);
    CHECK(m.mmu.n_used_mmu_pages == 1);
  }
}

TEST_CASE("kvm_mmu_zap_all: from 83cdb56864 an invalid root is skipped after a restart") {
  // active_mmu_pages: sp2 (root) sp1 (level 2) sp0 (its unsync child).
  // Zapping sp1 zaps sp0 and restarts the walk at both states; the second
  // pass meets the root again: zapped again before, skipped from 5.1 on.
  struct Expect {
    bool state;
    uint64_t mmu_shadow_zapped;
  };
  for (const Expect& x : {Expect{false, 4}, Expect{true, 3}}) {
    CAPTURE(x.state);
    Mmu m(x.state);
    kvm_mmu_page* child = m.alloc(0x10, 1);
    kvm_mmu_page* parent = m.alloc(0x0, 2);
    m.alloc(0x0, 4)->root_count = 1;
    model::link_shadow_page(parent, 0, child);
    model::kvm_unsync_page(child);
    zap_stats stats;
    const Run r = run_alone([&] { stats = model::kvm_mmu_zap_all(&m.mmu); });
    REQUIRE_FALSE(r.outcome.violation.has_value());
    CHECK(stats == zap_stats{3, 1, 2});
    CHECK(visits(r.events, "kvm_mmu_zap_all") ==
          std::vector<std::string>{"sp2->link", "sp1->link", "sp2->link"});
    CHECK(m.mmu.stat.mmu_shadow_zapped == x.mmu_shadow_zapped);
    CHECK(entries(m.mmu.active_mmu_pages) == std::vector<std::string>{"sp2->link"});
  }
}

TEST_CASE("oracle: without the restart, the walk steps onto a child zapped with its parent") {
  // active_mmu_pages: sp2 (level 2) sp1 (its unsync child) sp0. Zapping sp2
  // moves sp1, the walker's saved next entry, to invalid_list.
  for (bool state : kStates) {
    for (bool never_restart : {false, true}) {
      CAPTURE(state);
      CAPTURE(never_restart);
      Mmu m(state);
      m.alloc(0x30, 1);
      kvm_mmu_page* child = m.alloc(0x10, 1);
      kvm_mmu_page* parent = m.alloc(0x0, 2);
      model::link_shadow_page(parent, 0, child);
      model::kvm_unsync_page(child);
      m.mmu.test.zap_all_never_restarts = never_restart;
      zap_stats stats;
      const Run r = run_alone([&] { stats = model::kvm_mmu_zap_all(&m.mmu); });
      if (!never_restart) {
        CHECK_FALSE(r.outcome.violation.has_value());
        CHECK(stats.pages_zapped == 3);
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
  for (bool state : kStates) {
    CAPTURE(state);
    Mmu plain(state);
    for (uint64_t gfn : {0x10, 0x11, 0x12}) plain.alloc(gfn, 1);
    zap_stats stats;
    Run r = run_alone([&] { stats = model::kvm_mmu_change_mmu_pages(&plain.mmu, 1); });
    REQUIRE_FALSE(r.outcome.violation.has_value());
    CHECK(stats == zap_stats{2, 0, 2});
    CHECK(entries(plain.mmu.active_mmu_pages) == std::vector<std::string>{"sp2->link"});
    CHECK(plain.mmu.n_max_mmu_pages == 1);

    Mmu rooted(state);
    rooted.alloc(0x0, 4)->root_count = 1;
    rooted.alloc(0x10, 1);
    rooted.alloc(0x11, 1);
    r = run_alone([&] { stats = model::kvm_mmu_change_mmu_pages(&rooted.mmu, 1); });
    REQUIRE_FALSE(r.outcome.violation.has_value());
    CHECK(stats == zap_stats{1, 0, 0});
    CHECK(entries(rooted.mmu.active_mmu_pages) ==
          std::vector<std::string>{"sp0->link", "sp2->link", "sp1->link"});
    CHECK(rooted.mmu.n_used_mmu_pages == 3);
    CHECK(rooted.mmu.n_max_mmu_pages == 3);
  }
}

TEST_CASE("determinism: the same pages at the same state give the same events") {
  for (bool state : kStates) {
    CAPTURE(state);
    auto first = parent_with_two_unsync_children(state);
    auto second = parent_with_two_unsync_children(state);
    zap_stats s1, s2;
    const Run r1 = run_alone([&] { s1 = model::kvm_mmu_zap_all(&first->mmu); });
    const Run r2 = run_alone([&] { s2 = model::kvm_mmu_zap_all(&second->mmu); });
    CHECK(s1 == s2);
    CHECK(r1.outcome.steps == r2.outcome.steps);
    CHECK(r1.events.size() > 10);
    CHECK(r1.events == r2.events);
  }
  // And the two states differ in what they do.
  auto before = parent_with_two_unsync_children(false);
  auto after = parent_with_two_unsync_children(true);
  const Run rb = run_alone([&] { model::kvm_mmu_zap_all(&before->mmu); });
  const Run ra = run_alone([&] { model::kvm_mmu_zap_all(&after->mmu); });
  CHECK(rb.events != ra.events);
}

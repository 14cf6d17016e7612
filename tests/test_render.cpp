// SPDX-License-Identifier: GPL-2.0-only
// kvmsim render: the focused and full kernel-style tables of stored traces.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "ee3d1570b586_table.hpp"
#include "sim/trace/focus.hpp"
#include "sim/trace/timeline.hpp"
#include "sim/trace/trace.hpp"
#include "sim/trace/wrap.hpp"
#include "test_util.hpp"

TEST_CASE("focus: the stored ee3d1570b586 reproducer keeps the patch mail's table, in order") {
  const sim::Trace t = sim::read_trace(testutil::trace_path());
  const std::vector<sim::Event> focused = sim::focus_events(t);
  CHECK(testutil::follows_ee3d1570b586_table(t.threads, focused) == "");
  CHECK(focused.size() < t.events.size());
  // Something the race does not depend on is left out: the updater's
  // slots_lock, which no vCPU touches.
  CHECK(std::none_of(focused.begin(), focused.end(),
                     [](const sim::Event& e) { return e.object == "kvm->slots_lock"; }));
  // What orders vcpu1 after the updater stays: the completion of the
  // updater's exit, which vcpu1 waited for, though vcpu1's final section
  // never touches it.
  for (const char* op : {"complete_all", "wait_for_completion"})
    CHECK_MESSAGE(std::any_of(focused.begin(), focused.end(),
                              [&](const sim::Event& e) {
                                return e.op == op && e.object == "updater exited";
                              }),
                  op);
}

TEST_CASE("focus: kept events in order, every left-out event counted once") {
  for (const auto& path : testutil::stored_traces()) {
    CAPTURE(path);
    const sim::Trace t = sim::read_trace(path);
    REQUIRE(t.violation.has_value());
    const std::vector<sim::Event> focused = sim::focus_events(t);
    size_t at = 0, elided = 0;
    for (const sim::Event& e : focused) {
      if (e.op == sim::kElided) {
        elided += std::stoul(e.value);
        continue;
      }
      while (at < t.events.size() && !(t.events[at] == e)) ++at;
      REQUIRE(at < t.events.size());  // a subsequence of the trace, in order
      ++at;
    }
    CHECK(focused.size() - static_cast<size_t>(std::count_if(
                               focused.begin(), focused.end(),
                               [](const sim::Event& e) { return e.op == sim::kElided; })) +
              elided ==
          t.events.size());
    CHECK(focused.back().op == "violation");
  }
}

TEST_CASE("focus: a clean trace comes back whole") {
  sim::Trace t = sim::read_trace(testutil::trace_path());
  t.violation.reset();
  t.events.pop_back();  // the violation event
  CHECK(sim::focus_events(t) == t.events);
}

TEST_CASE("cli: render --format timeline, focused by default, --full, -o") {
  testutil::TempDir dir;
  const std::string trace = testutil::trace_path();
  auto kvmsim = [&](std::vector<std::string> args) {
    args.insert(args.begin(), testutil::kvmsim_bin());
    return testutil::run_process(args, dir);
  };
  const sim::Trace t = sim::read_trace(trace);
  const auto focused = kvmsim({"render", trace});
  CHECK(focused.exit_code == 0);
  CHECK(focused.out == sim::render_timeline(t.threads, sim::focus_events(t)));
  CHECK(testutil::contains(focused.out, "   ... | ("));
  CHECK(kvmsim({"render", trace, "--focus"}).out == focused.out);
  CHECK(kvmsim({"render", trace}).out == focused.out);  // deterministic

  const auto full = kvmsim({"render", trace, "--full", "--format", "timeline"});
  CHECK(full.exit_code == 0);
  CHECK(full.out == sim::render_timeline(t.threads, t.events));
  size_t widest = 0;
  for (size_t i = 0, j; i < full.out.size(); i = j + 1) {
    j = full.out.find('\n', i);
    widest = std::max(widest, j - i);
  }
  CHECK(widest <= 100);  // pastes into a commit message

  const std::string out = dir.file("table.txt");
  const auto written = kvmsim({"render", trace, "-o", out});
  CHECK(written.exit_code == 0);
  CHECK(written.out.empty());
  CHECK(testutil::read_file(out) == focused.out);
  CHECK_FALSE(testutil::fs::exists(out + ".tmp"));

  const auto bad = kvmsim({"render", trace, "--format", "pdf"});
  CHECK(bad.exit_code == 2);
  CHECK(testutil::contains(bad.err, "--format"));
  CHECK(kvmsim({"render", trace, "--focus", "--full"}).exit_code == 2);
  const auto missing = kvmsim({"render", dir.file("none.json")});
  CHECK(missing.exit_code == 2);
  CHECK(testutil::contains(missing.err, "none.json"));
}

TEST_CASE("word_wrap: identifiers stay whole where they can") {
  using V = std::vector<std::string>;
  CHECK(sim::word_wrap("vcpu_run: srcu_read_unlock(kvm->srcu)", 20, "  ") ==
        V{"vcpu_run:", "  srcu_read_unlock(", "  kvm->srcu)"});
  CHECK(sim::word_wrap("kvm_set_memory_region: mutex_lock(kvm->slots_lock)", 27, "  ") ==
        V{"kvm_set_memory_region:", "  mutex_lock(kvm->", "  slots_lock)"});
  CHECK(sim::word_wrap("kvm_mmu_invalidate_mmio_sptes:", 26) ==
        V{"kvm_mmu_invalidate_mmio_", "sptes:"});
  CHECK(sim::word_wrap("0123456789abcdef", 6) == V{"012345", "6789ab", "cdef"});  // no break: cut
  CHECK(sim::word_wrap("", 10) == V{""});
  // Narrower than the indent: widened so that every line makes progress.
  CHECK(sim::word_wrap("abcdefgh", 1, "    ") == V{"abcdef", "    gh"});
  for (const auto& line : sim::word_wrap("store spte[gfn 0x10] = 0xfff0000000010b56 (gen 1)", 12))
    CHECK(line.size() <= 12);
}

TEST_CASE("cli: every stored trace renders in every format, the same bytes every time") {
  testutil::TempDir dir;
  const auto traces = testutil::stored_traces();
  REQUIRE(traces.size() >= 5);
  for (const std::string& trace : traces)
    for (const char* format : {"timeline", "dot", "svg", "perfetto", "html"}) {
      CAPTURE(trace);
      CAPTURE(format);
      const auto render = [&] {
        return testutil::run_process(
            {testutil::kvmsim_bin(), "render", trace, "--format", format}, dir);
      };
      const testutil::ProcessResult r = render();
      CAPTURE(r.err);
      CHECK(r.exit_code == 0);
      CHECK(r.out.size() > 200);
      CHECK(render().out == r.out);
      if (std::string(format) == "timeline") {  // pastes into a commit message
        CHECK(std::all_of(r.out.begin(), r.out.end(),
                          [](char c) { return c == '\n' || (c >= 0x20 && c < 0x7f); }));
        std::istringstream lines(r.out);
        for (std::string line; std::getline(lines, line);) CHECK(line.size() <= 100);
      }
    }
}

TEST_CASE("README.md shows the ee3d1570b586 race as kvmsim renders it today") {
  testutil::TempDir dir;
  const auto render = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {testutil::kvmsim_bin(), "render", testutil::kTraceRel});
    const testutil::ProcessResult r = testutil::run_process(args, dir, testutil::source_root());
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  const std::string readme = testutil::read_file(testutil::source_root() + "/README.md");
  INFO("regenerate with: kvmsim render " << std::string(testutil::kTraceRel));
  CHECK(testutil::contains(readme, "$ kvmsim render " + std::string(testutil::kTraceRel) + "\n" +
                                       render({})));
  INFO("regenerate with: kvmsim render " << std::string(testutil::kTraceRel)
                                         << " --format svg -o docs/ee3d1570b586-v3.16.svg");
  CHECK(testutil::read_file(testutil::source_root() + "/docs/ee3d1570b586-v3.16.svg") ==
        render({"--format", "svg"}));
  CHECK(testutil::contains(readme, "](docs/ee3d1570b586-v3.16.svg)"));
}

TEST_CASE("cli: render --format html is one self-contained page") {
  testutil::TempDir dir;
  const std::string trace = testutil::trace_path();
  const testutil::ProcessResult r =
      testutil::run_process({testutil::kvmsim_bin(), "render", trace, "--format", "html"}, dir);
  REQUIRE(r.exit_code == 0);
  const std::string& html = r.out;
  const sim::Trace t = sim::read_trace(trace);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  for (const std::string& s :
       {std::string("ee3d1570b586-mmio-cache-generation"), std::string("v3.16"),
        std::string("stale-mmio"), t.hash(), std::string("<svg"),
        "kvmsim replay " + trace, std::string("--variant v3.16 --seed 0")})
    CHECK_MESSAGE(testutil::contains(html, s), s);
  // Self-contained: nothing fetched from elsewhere.
  CHECK_FALSE(testutil::contains(html, "<script src"));
  CHECK_FALSE(testutil::contains(html, "<link"));
  CHECK_FALSE(testutil::contains(html, "<?xml"));  // the SVG's prolog is not allowed inline
  // The focused table, escaped: "kvm->memslots" reads as text, not markup.
  CHECK(testutil::contains(html, "load kvm-&gt;memslots"));
  CHECK(testutil::contains(html, "(6 steps left out)"));
  const testutil::ProcessResult again =
      testutil::run_process({testutil::kvmsim_bin(), "render", trace, "--format", "html"}, dir);
  CHECK(again.out == html);  // deterministic
}

TEST_CASE("cli: sweep --report-dir writes one report per violation signature and an index") {
  testutil::TempDir dir;
  const std::string reports = dir.file("reports");
  const testutil::ProcessResult r = testutil::run_process(
      {testutil::kvmsim_bin(), "sweep", testutil::scenario_path(), "--seeds", "0..99",
       "--report-dir", reports},
      dir);
  CAPTURE(r.err);
  CHECK(r.exit_code == 0);
  CHECK(testutil::contains(r.out, "reports: " + reports + "/index.html"));
  const std::string index = testutil::read_file(reports + "/index.html");
  // Over seeds 0..99 only v3.16 fails, all through one code path.
  CHECK(testutil::contains(index, "1 signature(s)"));
  CHECK(testutil::contains(index, "stale-mmio @ vcpu_enter_guest, vmx_handle_exit"));
  // Counted: as many seeds as the sweep found failing.
  const size_t at = r.out.find("stale-mmio: ");
  REQUIRE(at != std::string::npos);
  const std::string failing = r.out.substr(at + 12, r.out.find(' ', at + 12) - at - 12);
  CHECK(testutil::contains(index, "<td>" + failing + "</td><td>0</td></tr>"));
  const std::string stem = reports + "/ee3d1570b586-mmio-cache-generation-v3.16-1";
  REQUIRE(testutil::fs::exists(stem + ".html"));
  const sim::Trace first = sim::read_trace(stem + ".json");
  CHECK(first.seed == 0);  // the first failing seed
  CHECK(first.violation->kind == "stale-mmio");
  CHECK(testutil::contains(testutil::read_file(stem + ".html"), first.hash()));
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : testutil::fs::directory_iterator(reports)) ++files;
  CHECK(files == 4);  // index.html, index.json, one report, its trace
}

TEST_CASE("focus: a step-bound trace keeps what started the loop and its last turns") {
  // The guest-mode cache at 982ed0de4753: the invalidation sets
  // KVM_REQ_GPC_INVALIDATE early; vcpu0 then cancels every VM entry until
  // the step bound.
  testutil::TempDir dir;
  const std::string trace = dir.path() + "/loop.json";
  const testutil::ProcessResult r = testutil::run_process(
      {testutil::kvmsim_bin(), "run", "scenarios/982ed0de4753-pfncache-guest-mode.json",
       "--variant", "pfncache-982ed0de4753", "--seed", "0", "--trace", trace},
      dir, testutil::source_root());
  REQUIRE(r.exit_code == 1);
  const sim::Trace t = sim::read_trace(trace);
  REQUIRE(t.violation.has_value());
  REQUIRE(t.violation->kind == "step-bound");
  const std::vector<sim::Event> focused = sim::focus_events(t);
  const size_t tail_from = t.events.size() - 1 - sim::kStepBoundTail;
  size_t kept_before_tail = 0, at = 0;
  bool request_set = false;
  for (const sim::Event& e : focused) {
    if (e.op == sim::kElided) continue;
    while (!(t.events[at] == e)) ++at;
    if (at < tail_from) {
      ++kept_before_tail;
      // Before the tail only stores the last turns read from: among them
      // the request bit the invalidation set.
      CHECK((e.op == "store" || e.op == "cmpxchg" || e.op == "rmw"));
      if (e.op == "cmpxchg" && e.object == "vcpu0->requests") request_set = true;
    }
  }
  CHECK(request_set);
  CHECK(kept_before_tail <= 10);
  // Of the last turns, every event of the looping vCPU is kept.
  for (size_t i = tail_from + 1; i < t.events.size(); ++i)
    if (t.events[i].thread == t.violation->thread)
      CHECK(std::find(focused.begin(), focused.end(), t.events[i]) != focused.end());
  // Steps above 9999 widen the step column instead of breaking it.
  const std::string table = sim::render_timeline(t.threads, focused);
  std::istringstream lines(table);
  std::string line;
  std::getline(lines, line);
  const size_t bar = line.find('|');
  while (std::getline(lines, line))
    if (line.size() > bar && line.find('|') != std::string::npos) CHECK(line.find('|') == bar);
}

TEST_CASE("cli: render --format html without Graphviz still writes the page, saying why") {
  testutil::TempDir dir;
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", "/nonexistent", 1);  // kvmsim is spawned by its full path
  const testutil::ProcessResult r = testutil::run_process(
      {testutil::kvmsim_bin(), "render", testutil::trace_path(), "--format", "html"}, dir);
  setenv("PATH", saved.c_str(), 1);
  CHECK(r.exit_code == 0);
  CHECK(testutil::contains(r.out, "no graph: "));
  CHECK(testutil::contains(r.out, "dot"));
  CHECK(testutil::contains(r.out, "</html>"));
  CHECK_FALSE(testutil::contains(r.out, "<svg"));

  // --format svg has nothing to fall back on: a message and status 3.
  setenv("PATH", "/nonexistent", 1);
  const testutil::ProcessResult svg = testutil::run_process(
      {testutil::kvmsim_bin(), "render", testutil::trace_path(), "--format", "svg"}, dir);
  setenv("PATH", saved.c_str(), 1);
  CHECK(svg.exit_code == 3);
  CHECK(svg.out.empty());
  CHECK(testutil::contains(svg.err, "kvmsim: error: render_svg: cannot run Graphviz 'dot'"));
}

TEST_CASE("focus: the stale-pfn race keeps why the refresher stored the pfn") {
  // traces/982ed0de4753-pfncache-982ed0de4753.json: vcpu0 writes through a
  // pfn that the ioctl thread's refresh stored. The refresh had read the PTE
  // and mmu_notifier_count before mm raised the count and cleared the PTE;
  // those reads and writes are what the race is, though vcpu0 never touched
  // either object.
  const sim::Trace t =
      sim::read_trace(testutil::source_root() + "/traces/982ed0de4753-pfncache-982ed0de4753.json");
  REQUIRE(t.violation.has_value());
  REQUIRE(t.violation->kind == "stale-pfn");
  const std::vector<sim::Event> focused = sim::focus_events(t);
  const auto kept = [&](const std::string& thread, const std::string& function,
                        const std::string& op, const std::string& object,
                        const std::string& value) {
    return std::any_of(focused.begin(), focused.end(), [&](const sim::Event& e) {
      return e.op == op && e.object == object && e.value == value && e.function == function &&
             e.thread < t.threads.size() && t.threads[e.thread].name == thread;
    });
  };
  CHECK(kept("ioctl", "hva_to_pfn", "load", "pte(0x7f0000002000)", "0x102"));
  CHECK(kept("ioctl", "mmu_notifier_retry_hva", "load", "kvm->mmu_notifier_count", "0x0"));
  CHECK(kept("mm", "kvm_inc_notifier_count", "store", "kvm->mmu_notifier_count", "0x1"));
  CHECK(kept("mm", "zap_pte_range", "store", "pte(0x7f0000002000)", "0x0"));
  CHECK(kept("ioctl", "kvm_gfn_to_pfn_cache_refresh", "store", "shinfo->pfn", "0x102"));
  // Still a focus: the activation before the refresh is left out.
  REQUIRE(focused.front().op == sim::kElided);
  CHECK(std::stoul(focused.front().value) >= 20);
}

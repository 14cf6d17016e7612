// kvmsim render: the focused and full kernel-style tables of stored traces.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "seed004_table.hpp"
#include "sim/trace/focus.hpp"
#include "sim/trace/timeline.hpp"
#include "sim/trace/trace.hpp"
#include "test_util.hpp"

namespace {

std::vector<std::string> stored_traces() {
  std::vector<std::string> traces;
  for (const auto& e : testutil::fs::directory_iterator(testutil::source_root() + "/traces"))
    if (e.path().extension() == ".json") traces.push_back(e.path().string());
  std::sort(traces.begin(), traces.end());
  return traces;
}

}  // namespace

TEST_CASE("focus: the stored seed-004 reproducer keeps the seed's own table, in order") {
  const sim::Trace t = sim::read_trace(testutil::trace_path());
  const std::vector<sim::Event> focused = sim::focus_events(t);
  CHECK(testutil::follows_seed004_table(t.threads, focused) == "");
  CHECK(focused.size() < t.events.size());
  // Something the race does not depend on is left out: the updater's
  // slots_lock, which no vCPU touches.
  CHECK(std::none_of(focused.begin(), focused.end(),
                     [](const sim::Event& e) { return e.object == "kvm->slots_lock"; }));
}

TEST_CASE("focus: kept events in order, every left-out event counted once") {
  for (const auto& path : stored_traces()) {
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

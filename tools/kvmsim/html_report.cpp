// SPDX-License-Identifier: GPL-2.0-only
#include "html_report.hpp"

#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/strategy/pct_strategy.hpp"
#include "sim/trace/dot.hpp"
#include "sim/trace/focus.hpp"
#include "sim/trace/html_escape.hpp"
#include "sim/trace/timeline.hpp"

namespace kvmsim {

using sim::html_escape;

namespace {

// The <svg> element alone: an XML prolog or DOCTYPE is not allowed inline.
std::string svg_element(const std::string& svg) {
  const auto at = svg.find("<svg");
  return at == std::string::npos ? "" : svg.substr(at);
}

constexpr const char* kStyle = R"(
body { font-family: sans-serif; margin: 2em; max-width: 1400px; color: #222; }
table.facts td { padding: 0.15em 1em 0.15em 0; vertical-align: top; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 13px; line-height: 1.25; }
.bad { color: #b00; font-weight: bold; }
.graph { border: 1px solid #ddd; padding: 0.5em; }
.graph svg { max-width: 100%; height: auto; }
)";

// The `kvmsim run` command line that runs the trace's execution again, or
// nullopt: only a seeded strategy (random, PCT with its K) makes the same
// execution from the seed; a schedule a search found (minimize, explore)
// comes back only by replaying the trace.
std::optional<std::string> run_command(const sim::Trace& t) {
  const auto pct = sim::parse_pct_spec(t.strategy);
  if (t.strategy != "random" && !(pct && pct->steps)) return std::nullopt;
  const nlohmann::json exploration = t.scenario.value("exploration", nlohmann::json::object());
  const bool own = t.strategy == exploration.value("strategy", std::string("random"));
  return fmt::format("kvmsim run {} --variant {} --seed {}{}", t.scenario_path, t.variant, t.seed,
                     own ? "" : " --strategy " + t.strategy);
}

}  // namespace

std::string html_report(const sim::Trace& t, const std::string& trace_path, bool focus) {
  focus = focus && t.violation;
  const std::string name = t.scenario.value("name", std::string("?"));
  const std::string title = t.scenario.value("title", std::string());
  const std::string verdict =
      t.violation ? fmt::format("<span class=\"bad\">{}</span> at step {} in {}: {}",
                                html_escape(t.violation->kind), t.violation->step,
                                html_escape(t.threads.at(t.violation->thread).name),
                                html_escape(t.violation->message))
                  : "clean";
  std::string commands = fmt::format(
      "kvmsim replay {0}\n"
      "kvmsim render {0} --format timeline --full\n"
      "kvmsim render {0} --format svg --full -o graph.svg\n"
      "kvmsim render {0} --format perfetto -o trace.perfetto.json",
      trace_path);
  if (const auto run = run_command(t)) commands += "\n" + *run;
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += fmt::format("<title>{} at {}, seed {}</title>\n<style>{}</style>\n</head>\n<body>\n",
                      html_escape(name), html_escape(t.variant), t.seed, kStyle);
  html += fmt::format("<h1>{}</h1>\n<p>{}</p>\n", html_escape(name), html_escape(title));
  html += "<table class=\"facts\">\n";
  html += fmt::format("<tr><td>variant</td><td>{}</td></tr>\n", html_escape(t.variant));
  html += fmt::format("<tr><td>strategy, seed</td><td>{}, {}</td></tr>\n", html_escape(t.strategy),
                      t.seed);
  html += fmt::format("<tr><td>verdict</td><td>{}</td></tr>\n", verdict);
  html += fmt::format("<tr><td>steps, trace hash</td><td>{}, <code>{}</code></td></tr>\n",
                      t.schedule.size(), t.hash());
  html += fmt::format("<tr><td>made by</td><td>{}</td></tr>\n</table>\n", html_escape(t.tool));
  html += "<h2>The interleaving</h2>\n<pre>" +
          html_escape(sim::render_timeline(t.threads, focus ? sim::focus_events(t) : t.events)) +
          "</pre>\n";
  // A graph Graphviz cannot lay out (or no Graphviz) still leaves the page
  // its table and commands.
  std::string graph;
  try {
    graph = svg_element(sim::render_svg(t, focus));
  } catch (const std::runtime_error& e) {
    graph = fmt::format("<p class=\"bad\">no graph: {}</p>", html_escape(e.what()));
  }
  html += "<h2>Happens-before</h2>\n<div class=\"graph\">\n" + graph + "\n</div>\n";
  html += "<h2>Reproduce</h2>\n<pre>" + html_escape(commands) + "</pre>\n</body>\n</html>\n";
  return html;
}

}  // namespace kvmsim

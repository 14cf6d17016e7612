// SPDX-License-Identifier: GPL-2.0-only
#include "man_page.hpp"

#include <fmt/format.h>

#include <cctype>

#include "cli.hpp"
#include "commands.hpp"

namespace kvmsim {
namespace {

// Text as roff reads it: a backslash is roff's escape, and a line that
// starts with '.' or '\'' would be taken for a request.
std::string roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (const char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

// An option or command name: '-' is a hyphen to roff, "\-" the minus sign
// that can be typed and searched for.
std::string roff_name(const std::string& name) {
  std::string out;
  for (const char c : name) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

bool repeats(const CLI::Option& opt) { return opt.get_expected_max() > 1; }

// "scenario", "reports..." for a positional; "--seed TEXT" for an option.
std::string usage(const CLI::Option& opt) {
  if (opt.get_positional() && !opt.nonpositional()) {
    return fmt::format("\\fI{}\\fR{}", roff(opt.get_name(true)), repeats(opt) ? "...\\&" : "");
  }
  std::string text = fmt::format("\\fB{}\\fR", roff_name(opt.get_name()));
  if (!is_flag(opt)) text += fmt::format(" \\fI{}\\fR", roff(opt.get_type_name()));
  return text;
}

// The synopsis of a command: its name, its positionals and its required
// options in the order they were defined, then [OPTIONS].
std::string synopsis(const CLI::App& app, const CLI::App& sub) {
  std::string text = fmt::format(".B {} {}\n", app.get_name(), roff_name(sub.get_name()));
  bool optional = false;
  for (const CLI::Option* opt : sub.get_options()) {
    if (opt->get_positional() && !opt->nonpositional()) {
      text += opt->get_required() ? usage(*opt) + "\n" : "[" + usage(*opt) + "]\n";
    } else if (opt->get_required()) {
      text += usage(*opt) + "\n";
    } else {
      optional = true;
    }
  }
  if (optional) text += "[\\fIOPTIONS\\fR]\n";
  return text;
}

// One .TP paragraph per argument and option: all its names, its value, its
// description, whether it is required and its default.
std::string options(const CLI::App& sub) {
  std::string text;
  for (const CLI::Option* opt : sub.get_options()) {
    std::string names;
    if (opt->get_positional() && !opt->nonpositional()) {
      names = usage(*opt);
    } else {
      for (const std::string& s : opt->get_snames()) {
        names += (names.empty() ? "" : ", ") + fmt::format("\\fB\\-{}\\fR", roff_name(s));
      }
      for (const std::string& l : opt->get_lnames()) {
        names += (names.empty() ? "" : ", ") + fmt::format("\\fB\\-\\-{}\\fR", roff_name(l));
      }
      if (!is_flag(*opt)) names += fmt::format(" \\fI{}\\fR", roff(opt->get_type_name()));
    }
    std::string description = opt->get_description();
    if (opt->get_required()) description += " (required)";
    if (!opt->get_default_str().empty()) {
      description += fmt::format(" (default: {})", opt->get_default_str());
    }
    text += fmt::format(".TP\n{}\n{}\n", names, roff(description));
  }
  return text;
}

}  // namespace

std::string man_page(const CLI::App& app) {
  const std::string name = app.get_name();
  // The App's description starts with the program's name, as its --help does.
  std::string summary = app.get_description();
  if (summary.starts_with(name + ": ")) summary.erase(0, name.size() + 2);

  std::string title = name;
  for (char& c : title) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // No date: the page is the same bytes at every build.
  std::string page =
      fmt::format(".TH {} 1 \"\" \"{}\" \"User Commands\"\n", title, roff(kTool));
  page += fmt::format(".SH NAME\n{} \\- {}\n", name, roff(summary));
  page += ".SH SYNOPSIS\n";
  page += fmt::format(".B {}\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]\n", name);
  for (const CLI::App* sub : app.get_subcommands({})) page += ".br\n" + synopsis(app, *sub);
  page += ".SH DESCRIPTION\n" + roff(summary) + ".\n";
  page += ".SH OPTIONS\n" + options(app);
  page += ".SH COMMANDS\n";
  for (const CLI::App* sub : app.get_subcommands({})) {
    page += fmt::format(".SS {} {}\n", name, roff_name(sub->get_name()));
    page += roff(sub->get_description()) + ".\n";
    page += ".PP\n" + synopsis(app, *sub);
    page += options(*sub);
  }
  if (!app.get_footer().empty()) page += ".SH NOTES\n" + roff(app.get_footer()) + "\n";
  return page;
}

}  // namespace kvmsim

// SPDX-License-Identifier: GPL-2.0-only
#include "completion.hpp"

#include <fmt/format.h>

#include <vector>

#include "cli.hpp"

namespace kvmsim {
namespace {

std::string join(const std::vector<std::string>& words, const std::string& separator = " ") {
  std::string text;
  for (const std::string& w : words) text += (text.empty() ? "" : separator) + w;
  return text;
}

// How an option can be typed: "--jobs", "-j" (none for a positional).
std::vector<std::string> spellings(const CLI::Option& opt) {
  std::vector<std::string> names;
  for (const std::string& l : opt.get_lnames()) names.push_back("--" + l);
  for (const std::string& s : opt.get_snames()) names.push_back("-" + s);
  return names;
}

// A CLI::IsMember check shows in the type name as ":{a,b}" at its end.
std::vector<std::string> choices(const CLI::Option& opt) {
  const std::string type = opt.get_type_name();
  const auto open = type.rfind(":{");
  if (open == std::string::npos || type.back() != '}') return {};
  std::vector<std::string> values;
  std::string value;
  for (const char c : type.substr(open + 2, type.size() - open - 3)) {
    if (c == ',') {
      values.push_back(value);
      value.clear();
    } else {
      value += c;
    }
  }
  values.push_back(value);
  return values;
}

// The case arm of one subcommand: its options, and for the word after an
// option that takes a value, the choices or file names.
std::string command_case(const CLI::App& sub, const std::string& commands) {
  std::vector<std::string> options, takes_value;
  std::string values;
  for (const CLI::Option* opt : sub.get_options()) {
    if (!opt->nonpositional()) continue;
    const auto names = spellings(*opt);
    options.insert(options.end(), names.begin(), names.end());
    if (is_flag(*opt)) continue;
    takes_value.insert(takes_value.end(), names.begin(), names.end());
    const auto set = choices(*opt);
    if (!set.empty()) {
      values += fmt::format("        {}) _kvmsim_words '{}'; return ;;\n", join(names, "|"),
                            join(set));
    }
  }
  std::string arm = fmt::format("    {})\n      options='{}'\n", sub.get_name(), join(options));
  if (!takes_value.empty()) {
    arm += "      case $prev in\n" + values;
    arm += fmt::format("        {}) _kvmsim_files; return ;;\n", join(takes_value, "|"));
    arm += "      esac\n";
  }
  // `kvmsim help COMMAND` names a command; every other argument is a file.
  arm += sub.get_name() == "help" ? fmt::format("      arguments='{}'\n", commands) : "";
  return arm + "      ;;\n";
}

}  // namespace

std::string bash_completion(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  const std::string commands = join(names);
  std::vector<std::string> top;
  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& n : spellings(*opt)) top.push_back(n);
  }

  std::string script = fmt::format(
      "# bash completion for {0}, written by `{0} --generate-bash-completion`\n"
      "# from the command line it parses.\n"
      "\n"
      "_kvmsim_words() {{\n"
      "  COMPREPLY=($(compgen -W \"$1\" -- \"$cur\"))\n"
      "}}\n"
      "\n"
      "# One file name a line: names may hold spaces.\n"
      "_kvmsim_files() {{\n"
      "  local IFS=$'\\n'\n"
      "  COMPREPLY=($(compgen -f -- \"$cur\"))\n"
      "}}\n"
      "\n"
      "_kvmsim() {{\n"
      "  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}\n"
      "  local command='' options arguments='' i\n"
      "  # The subcommand is the first word that is not an option: kvmsim's\n"
      "  # own options take no value.\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    if [[ ${{COMP_WORDS[i]}} != -* ]]; then\n"
      "      command=${{COMP_WORDS[i]}}\n"
      "      break\n"
      "    fi\n"
      "  done\n"
      "  case $command in\n"
      "    '')\n"
      "      if [[ $cur == -* ]]; then _kvmsim_words '{1}'; else _kvmsim_words '{2}'; fi\n"
      "      return\n"
      "      ;;\n",
      app.get_name(), join(top), commands);
  for (const CLI::App* sub : app.get_subcommands({})) script += command_case(*sub, commands);
  script +=
      "    *) return ;;\n"
      "  esac\n"
      "  if [[ $cur == -* ]]; then\n"
      "    _kvmsim_words \"$options\"\n"
      "  elif [[ -n $arguments ]]; then\n"
      "    _kvmsim_words \"$arguments\"\n"
      "  else\n"
      "    _kvmsim_files\n"
      "  fi\n"
      "}\n";
  script += fmt::format("complete -o filenames -F _kvmsim {}\n", app.get_name());
  return script;
}

}  // namespace kvmsim

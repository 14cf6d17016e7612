// SPDX-License-Identifier: GPL-2.0-only
// kvmsim: deterministic simulation of KVM vCPU / memslot races.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cli.hpp"
#include "completion.hpp"
#include "did_you_mean.hpp"
#include "man_page.hpp"
#include "sim/json_input.hpp"

namespace {

// The subcommand CLI11 was parsing when it failed: the deepest one chosen.
const CLI::App& parsing(const CLI::App& app) {
  const CLI::App* where = &app;
  while (!where->get_subcommands().empty()) where = where->get_subcommands().front();
  return *where;
}

// What a mistyped argument could have meant: an option of the subcommand
// being parsed, or, before any subcommand, a subcommand.
std::vector<std::string> known_names(const CLI::App& app, const CLI::App& where,
                                     const std::string& arg) {
  std::vector<std::string> names;
  if (arg.starts_with("-")) {
    for (const CLI::Option* opt : where.get_options()) {
      for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
      for (const std::string& s : opt->get_snames()) names.push_back("-" + s);
    }
  } else if (&where == &app) {
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  }
  return names;
}

// CLI11's own message with the prefix of every kvmsim error, what each
// argument it could not place may have meant, and where the usage is. An
// unknown command is named as such: CLI11 reports only that a command is
// missing.
void print_parse_error(const CLI::App& app, const CLI::ParseError& e) {
  const CLI::App& where = parsing(app);
  const std::vector<std::string> unplaced = where.remaining();
  if (&where == &app && !unplaced.empty() && !unplaced.front().starts_with("-")) {
    fmt::print(stderr, "kvmsim: error: unknown command '{}'\n", unplaced.front());
  } else {
    fmt::print(stderr, "kvmsim: error: {}\n", e.what());
  }
  for (const std::string& arg : unplaced) {
    const std::string name = arg.substr(0, arg.find('='));
    const std::string hint = kvmsim::did_you_mean_text(name, known_names(app, where, name));
    if (!hint.empty()) fmt::print(stderr, "kvmsim: {}: {}\n", name, hint);
  }
  if (&where == &app) {
    fmt::print(stderr, "run 'kvmsim help' for the commands\n");
  } else {
    fmt::print(stderr, "run 'kvmsim help {}' for its usage\n", where.get_name());
  }
}

// Output lost on its way out (`> /dev/full`, a full disk, a closed stdout)
// is a failure, not a success that printed nothing. Said once: fmt throws
// when a large output fails midway, check_stdout finds a small one's failure.
bool g_stdout_reported = false;
int stdout_failed(int error) {
  if (!g_stdout_reported)
    fmt::print(stderr, "kvmsim: error: standard output: {}\n",
               error ? std::strerror(error) : "write error");
  g_stdout_reported = true;
  return 3;
}

// After whatever the command printed through stdio, fmt or std::cout.
int check_stdout(int status) {
  errno = 0;
  std::cout.flush();  // synchronized with stdio: fflush(stdout), which sets errno
  if (std::fflush(stdout) == 0 && !std::ferror(stdout) && std::cout) return status;
  return stdout_failed(errno);
}

int run(int argc, char** argv) {
  const auto cli = kvmsim::make_cli();
  CLI::App& app = cli->app;

  // The build writes the man page and the bash completion with these
  // (tools/kvmsim/meson.build), from the very App the installed binary
  // parses with. They stay outside the App, so no help, man page,
  // completion or suggestion offers them.
  if (argc == 2 && std::string_view(argv[1]) == "--generate-man") {
    fmt::print("{}", kvmsim::man_page(app));
    return 0;
  }
  if (argc == 2 && std::string_view(argv[1]) == "--generate-bash-completion") {
    fmt::print("{}", kvmsim::bash_completion(app));
    return 0;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_parse_error(app, e);
    return 2;
  }

  try {
    for (const auto& command : cli->commands) {
      if (*command.app) return command.run();
    }
  } catch (const sim::InputError& e) {
    fmt::print(stderr, "kvmsim: error: {}\n", e.what());
    return 2;
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "kvmsim: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    if (std::ferror(stdout)) {
      const auto* system = dynamic_cast<const std::system_error*>(&e);
      return stdout_failed(system ? system->code().value() : 0);
    }
    // Not the user's input (a Graphviz or file-system failure, an internal
    // error): still a message and a status, never an abort.
    fmt::print(stderr, "kvmsim: error: {}\n", e.what());
    return 3;
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) { return check_stdout(run(argc, argv)); }

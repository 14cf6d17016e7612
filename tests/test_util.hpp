// SPDX-License-Identifier: GPL-2.0-only
// Helpers shared by the test executables: where the source tree and the
// kvmsim binary are, temporary directories, files, and running a process
// with its output captured.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace testutil {

namespace fs = std::filesystem;

// meson passes both through the environment; the compile-time defaults let
// the binaries run by hand from anywhere.
inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::string(fallback);
}

inline std::string source_root() {
#ifdef KVMSIM_SOURCE_ROOT
  return env_or("KVMSIM_SOURCE_ROOT", KVMSIM_SOURCE_ROOT);
#else
  return env_or("KVMSIM_SOURCE_ROOT", ".");
#endif
}

inline std::string kvmsim_bin() {
#ifdef KVMSIM_BIN
  return env_or("KVMSIM_BIN", KVMSIM_BIN);
#else
  return env_or("KVMSIM_BIN", "kvmsim");
#endif
}

inline const char* kScenarioRel = "scenarios/ee3d1570b586-mmio-cache-generation.json";
inline const char* kTraceRel = "traces/ee3d1570b586-v3.16.json";

inline std::string scenario_path() { return source_root() + "/" + kScenarioRel; }
inline std::string trace_path() { return source_root() + "/" + kTraceRel; }

// The stored reproducers in traces/, sorted by path.
inline std::vector<std::string> stored_traces() {
  std::vector<std::string> traces;
  for (const auto& e : fs::directory_iterator(source_root() + "/traces"))
    if (e.path().extension() == ".json") traces.push_back(e.path().string());
  std::sort(traces.begin(), traces.end());
  return traces;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "kvmsim-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) with argv, stdout and stderr captured through files
// in `scratch`, and waits for it.
inline ProcessResult run_process(const std::vector<std::string>& argv, const TempDir& scratch,
                                 const std::string& cwd = "") {
  static int counter = 0;
  const std::string out_path = scratch.file("stdout." + std::to_string(counter));
  const std::string err_path = scratch.file("stderr." + std::to_string(counter));
  ++counter;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  std::string program = argv.at(0);
  std::vector<std::string> args = argv;
  if (!cwd.empty()) {
    // Through the shell: posix_spawn_file_actions_addchdir_np is not portable.
    args.insert(args.begin(), {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd});
    program = "/bin/sh";
  }
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn " + program + " failed");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  ProcessResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

// kvmsim (the binary under test) with `args`, its outputs captured in
// `dir`, run in `cwd` (default: the test's).
inline ProcessResult kvmsim(const std::vector<std::string>& args, const TempDir& dir,
                            const std::string& cwd = "") {
  std::vector<std::string> argv = {kvmsim_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, dir, cwd);
}

// Starts argv (argv[0] a path) with stdout and stderr to files; returns its pid.
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& out,
                   const std::string& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  // SIGINT and SIGTERM start blocked: one the test sends before kvmsim set
  // its handler waits for it (catch_interrupt unblocks them) instead of
  // killing the process, however slow its start on a loaded machine.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  posix_spawnattr_setsigmask(&attr, &blocked);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0].c_str(), &actions, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("posix_spawn failed");
  return pid;
}

// Its exit status, or minus the signal that killed it.
inline int wait_exit_code(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline bool ends_with(const std::string& text, const std::string& end) {
  return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

}  // namespace testutil

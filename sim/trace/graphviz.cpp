// SPDX-License-Identifier: GPL-2.0-only
#include "sim/trace/graphviz.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace sim {

namespace {

// A scratch directory, removed with its files.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kvmsim-dot-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
      throw std::runtime_error(std::string("render_svg: cannot create a temporary directory: ") +
                               std::strerror(errno));
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string dot_to_svg(const std::string& dot_text, const std::string& program) {
  const ScratchDir dir;
  const std::string in_path = dir.file("graph.dot");
  const std::string out_path = dir.file("graph.svg");
  const std::string err_path = dir.file("stderr.txt");
  {
    std::ofstream in(in_path, std::ios::binary);
    in << dot_text;
    if (!in.flush()) throw std::runtime_error("render_svg: cannot write " + in_path);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<std::string> args = {program, "-Tsvg", in_path};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  const std::string missing = "render_svg: cannot run Graphviz '" + program +
                              "' (is graphviz installed and on PATH?)";
  if (rc != 0) throw std::runtime_error(missing + ": " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      throw std::runtime_error(std::string("render_svg: waitpid: ") + std::strerror(errno));
  std::string err = slurp(err_path);
  if (err.size() > 2000) err = err.substr(0, 2000) + "...";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) throw std::runtime_error(missing);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string how = WIFEXITED(status)
                                ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                : "was killed by signal " + std::to_string(WTERMSIG(status));
    throw std::runtime_error("render_svg: '" + program + " -Tsvg' " + how +
                             (err.empty() ? "" : ": " + err));
  }
  std::string svg = slurp(out_path);
  if (svg.find("<svg") == std::string::npos)
    throw std::runtime_error("render_svg: '" + program + " -Tsvg' produced no SVG" +
                             (err.empty() ? "" : ": " + err));
  return svg;
}

}  // namespace sim

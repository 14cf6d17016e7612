// SPDX-License-Identifier: GPL-2.0-only
#include "sim/file_output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include <fmt/format.h>

namespace sim {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& path, const char* what, int error) {
  throw OutputError(fmt::format("{}: cannot {}: {}", path, what, std::strerror(error)));
}

// Writes all of `text` to `fd`; the errno of the failure, or 0.
int write_all(int fd, const std::string& text) {
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    done += static_cast<size_t>(n);
  }
  return 0;
}

// A new file beside `target`, created exclusively under a random name: no
// other writer (another kvmsim writing the same output) and no file already
// there is ever opened. Not mkstemp: its files are mode 0600, an output is
// 0666 less the umask like any other.
std::pair<int, std::string> create_temporary(const std::string& target) {
  std::random_device entropy;
  for (;;) {
    std::string tmp = fmt::format("{}.{:08x}{:08x}.tmp", target, entropy(), entropy());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return {fd, std::move(tmp)};
    if (errno != EEXIST) fail(target, "write", errno);
  }
}

void write_in_place(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) fail(path, "write", errno);
  const int error = write_all(fd, text);
  if (::close(fd) != 0 && !error) fail(path, "write", errno);
  if (error) fail(path, "write", error);
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& text) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return write_in_place(path, text);
  // A symbolic link to a file keeps pointing at it: its target is replaced.
  std::error_code ec;
  const fs::path resolved = fs::is_symlink(path, ec) ? fs::canonical(path, ec) : fs::path(path);
  const std::string target = ec ? path : resolved.string();
  auto [fd, tmp] = create_temporary(target);
  int error = write_all(fd, text);
  // On disk before the rename: after a power cut the output is the old
  // file or the new one, never an empty one.
  if (!error && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && !error) error = errno;
  if (!error && std::rename(tmp.c_str(), target.c_str()) != 0) error = errno;
  if (error) {
    ::unlink(tmp.c_str());
    fail(path, "write", error);
  }
}

}  // namespace sim

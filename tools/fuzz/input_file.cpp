// SPDX-License-Identifier: GPL-2.0-only
#include "input_file.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace fuzz {

InputFile::InputFile() : fd_(memfd_create("kvmsim-fuzz-input", MFD_CLOEXEC)) {
  if (fd_ < 0) throw std::runtime_error(fmt::format("memfd_create: {}", std::strerror(errno)));
  path_ = fmt::format("/proc/self/fd/{}", fd_);
}

void InputFile::write(const uint8_t* data, size_t size) {
  if (ftruncate(fd_, 0) != 0)
    throw std::runtime_error(fmt::format("ftruncate: {}", std::strerror(errno)));
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(fmt::format("pwrite: {}", std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
}

}  // namespace fuzz

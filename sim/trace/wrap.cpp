// SPDX-License-Identifier: GPL-2.0-only
#include "sim/trace/wrap.hpp"

#include <algorithm>
#include <string_view>

namespace sim {

namespace {

// Where to split a word that does not fit in `room` columns: after the last
// opening bracket or comma within it, else after the last "->", '.' or '/',
// else after the last '_', unless that leaves less than half the room; else
// at the room. So "synchronize_srcu(kvm->srcu)" splits after '(' and
// "mutex_lock(kvm->slots_lock)" after "->", keeping identifiers whole.
size_t split_point(const std::string& word, size_t room) {
  for (std::string_view breaks : {"([,", ">./", "_"})
    for (size_t k = room; k > room / 2; --k)
      if (breaks.find(word[k - 1]) != std::string_view::npos) return k;
  return room;
}

}  // namespace

std::vector<std::string> word_wrap(const std::string& text, size_t width,
                                   const std::string& indent) {
  width = std::max(width, indent.size() + 2);  // room for progress on every line
  std::vector<std::string> lines;
  std::string line;
  auto blank = [&] { return line.empty() || line == indent; };
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    std::string word = text.substr(i, j - i);
    i = j + 1;
    while (!word.empty()) {
      const size_t sep = blank() ? 0 : 1;
      if (line.size() + sep + word.size() <= width) {
        line += (sep ? " " : "") + word;
        word.clear();
      } else if (blank()) {
        const size_t take = split_point(word, width - line.size());
        lines.push_back(line + word.substr(0, take));
        word = word.substr(take);
        line = indent;
      } else {
        lines.push_back(line);
        line = indent;
      }
    }
  }
  if (!blank()) lines.push_back(line);
  if (lines.empty()) lines.emplace_back();
  return lines;
}

}  // namespace sim

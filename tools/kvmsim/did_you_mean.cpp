// SPDX-License-Identifier: GPL-2.0-only
#include "did_you_mean.hpp"

#include <algorithm>
#include <cstddef>

namespace kvmsim {
namespace {

// The optimal string alignment distance: Levenshtein's insertions,
// deletions and substitutions, and a swap of two adjacent letters as one
// edit ("--jbos" is one from "--jobs", two from "--json").
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::vector<std::string> did_you_mean(const std::string& word,
                                      const std::vector<std::string>& known) {
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  size_t best = limit + 1;
  std::vector<std::string> closest;
  for (const std::string& name : known) {
    const size_t d = edit_distance(word, name);
    // A one- or two-letter word is two edits from every short name.
    if (d >= word.size() || d > best) continue;
    if (d < best) closest.clear();
    best = d;
    closest.push_back(name);
  }
  return closest;
}

std::string did_you_mean_text(const std::string& word, const std::vector<std::string>& known) {
  const std::vector<std::string> names = did_you_mean(word, known);
  if (names.empty()) return "";
  std::string text = "did you mean ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += "'" + names[i] + "'";
  }
  return text + "?";
}

}  // namespace kvmsim

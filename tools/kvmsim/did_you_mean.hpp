// SPDX-License-Identifier: GPL-2.0-only
// Suggestions for a mistyped command or option name.
#pragma once

#include <string>
#include <vector>

namespace kvmsim {

// The known names closest to `word` by edit distance (an insertion, a
// deletion, a substitution or a swap of neighbours is one edit), if close
// enough to be a typo:
// at most 2 edits, and at most a third of the word's length for longer
// words. Several at the same distance are all given, in `known`'s order.
std::vector<std::string> did_you_mean(const std::string& word,
                                      const std::vector<std::string>& known);

// "did you mean 'sweep'?", "did you mean 'a' or 'b'?", or "" when none is close.
std::string did_you_mean_text(const std::string& word, const std::vector<std::string>& known);

}  // namespace kvmsim

// SPDX-License-Identifier: GPL-2.0-only
// What the repository tells its users cites the kernel (commits, mails,
// kernel files) and the tool. Text files the model was first written from,
// and notes that never left the authors' machines, are not sources a reader
// can look up: no file may refer to them. And every source file says its
// licence (COPYING, GPL-2.0-only as meson.build declares) in an SPDX line.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <algorithm>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"

namespace {

namespace fs = testutil::fs;

// References to unpublished material, case-insensitive. Each pattern is
// written so that it does not match its own source text.
const std::vector<std::string> kUnpublished = {
    R"(seed[ _-]?0{1,2}[0-4](?![0-9]))",  // a numbered patch file, not an RNG seed
    R"(\b0{1,2}[0-4]_[0-9a-f]{16}\.txt)",  // the patch files' names
    R"(found by sear(c)h)",
    R"(kvm-mod(el|ern)-facts)",
    R"(\bdesign\.md)",
    R"(\.\./shared/)",
};

// A meson build directory inside the source tree is not part of it.
bool is_build_dir(const fs::path& dir) { return fs::exists(dir / "meson-private"); }

// Every file of the source tree outside hidden and build directories, sorted.
std::vector<fs::path> source_files(const fs::path& root) {
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path& p = it->path();
    if (it->is_directory()) {
      if (p.filename().string().starts_with(".") || is_build_dir(p)) it.disable_recursion_pending();
    } else if (it->is_regular_file()) {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// "file:line: text" of every line of `text` that matches one of `patterns`.
std::vector<std::string> references(const std::string& name, const std::string& text,
                                    const std::vector<std::regex>& patterns) {
  std::vector<std::string> found;
  size_t line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    const std::string line = text.substr(start, end - start);
    ++line_no;
    for (const auto& re : patterns)
      if (std::regex_search(line, re)) {
        found.push_back(name + ":" + std::to_string(line_no) + ": " + line.substr(0, 160));
        break;
      }
    start = end + 1;
  }
  return found;
}

std::vector<std::regex> compiled() {
  std::vector<std::regex> out;
  for (const auto& p : kUnpublished)
    out.emplace_back(p, std::regex::ECMAScript | std::regex::icase);
  return out;
}

}  // namespace

TEST_CASE("the patterns find what they are for, and not RNG seeds") {
  const auto patterns = compiled();
  // Each example is split in two so that this file does not contain it.
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"(seed 0", "04, removed lines)"},  {"Seed 0", "01's text"},
      {"the seed-0", "04 race"},          {"tests/seed0", "04_table.hpp"},
      {"{\"seed\": \"00", "2_43c517d0177377da.txt\"}"},
      {"function text found by se", "arch"}, {"KVM-Model-Fa", "cts.md section 4"},
      {"kvm-modern-fa", "cts.md"},        {"lookups (design", ".md)"},
      {"see ../sha", "red/seeds"}};
  for (const auto& [head, tail] : bad) {
    const std::string text = head + tail;
    CAPTURE(text);
    CHECK_FALSE(references("x", text, patterns).empty());
  }
  for (const char* fine : {"kvmsim run FILE --variant v3.16 --seed 0", "(seed 156)",
                           "seed 3068", "--seeds 0..99", "\"seed\": 0,", "seeds 0..3999",
                           "the seed 1000 run", "a design choice (mmu.c)"}) {
    CAPTURE(fine);
    CHECK(references("x", fine, patterns).empty());
  }
}

TEST_CASE("no file of the source tree refers to unpublished material") {
  const fs::path root = testutil::source_root();
  const auto patterns = compiled();
  const std::vector<fs::path> files = source_files(root);
  // The tree is really there: the README, a scenario, a stored trace.
  REQUIRE(std::count(files.begin(), files.end(), root / "README.md") == 1);
  REQUIRE(std::count(files.begin(), files.end(), fs::path(testutil::scenario_path())) == 1);
  REQUIRE(std::count(files.begin(), files.end(), fs::path(testutil::trace_path())) == 1);
  std::vector<std::string> found;
  for (const auto& f : files) {
    const std::string text = testutil::read_file(f.string());
    if (text.find('\0') != std::string::npos) continue;  // not text
    for (auto& r : references(fs::relative(f, root).string(), text, patterns))
      found.push_back(std::move(r));
  }
  std::string listing;
  for (const auto& r : found) listing += r + "\n";
  INFO("cite the kernel commit, mail or file instead:\n" << listing);
  CHECK(found.empty());
}

// The source files an SPDX line belongs in: C++, the build files and the
// scripts (data and prose have no comment syntax or need none).
bool takes_spdx(const fs::path& f) {
  const std::string ext = f.extension().string(), name = f.filename().string();
  return ext == ".cpp" || ext == ".hpp" || ext == ".sh" || ext == ".py" || name == "meson.build" ||
         name == "meson_options.txt";
}

TEST_CASE("every source file names its licence in an SPDX line at the top") {
  const fs::path root = testutil::source_root();
  std::vector<std::string> missing;
  size_t checked = 0;
  std::vector<fs::path> files = source_files(root);
  files.push_back(root / ".ci" / "run");  // a hidden directory, but a script of the project
  for (const auto& f : files) {
    if (!takes_spdx(f) && f.filename() != "run") continue;
    ++checked;
    // The first line, or the second after a #! line.
    std::istringstream in(testutil::read_file(f.string()));
    std::string line;
    std::getline(in, line);
    if (line.starts_with("#!")) std::getline(in, line);
    if (line != "// SPDX-License-Identifier: GPL-2.0-only" &&
        line != "# SPDX-License-Identifier: GPL-2.0-only")
      missing.push_back(fs::relative(f, root).string());
  }
  CHECK(checked > 100);
  std::string listing;
  for (const auto& m : missing) listing += m + "\n";
  INFO("add '// SPDX-License-Identifier: GPL-2.0-only' (or '# ...') as the first line:\n"
       << listing);
  CHECK(missing.empty());
}

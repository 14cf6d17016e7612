// SPDX-License-Identifier: GPL-2.0-only
#include "sim/json_input.hpp"

#include "sim/parse_int.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

namespace sim {

namespace {

[[noreturn]] void input_error(const std::string& file, const std::string& pointer,
                              const std::string& what) {
  throw InputError(fmt::format("{}: {}: {}", file, pointer.empty() ? "/" : pointer, what));
}

std::string escape_pointer(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

const char* file_type(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "a special file";
}

// The whole file, or InputError. Opened without blocking (a FIFO would wait
// for a writer) and checked on the open descriptor, so that what is checked
// is what is read; read at most one byte past the limit, as a file's size
// can grow, or be reported as 0 (/proc).
std::string read_regular_file(const std::string& path, InputLimit limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw InputError(fmt::format("{}: cannot open file ({})", path, std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    throw InputError(fmt::format("{}: cannot read file ({})", path, std::strerror(errno)));
  if (!S_ISREG(st.st_mode))
    throw InputError(fmt::format("{}: {}, not a regular file", path, file_type(st.st_mode)));
  const auto too_large = [&] {
    return InputError(fmt::format("{}: larger than {} MiB, the most kvmsim reads as {}", path,
                                  limit.bytes >> 20, limit.kind));
  };
  if (static_cast<uint64_t>(st.st_size) > limit.bytes) throw too_large();
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw InputError(fmt::format("{}: cannot read file ({})", path, std::strerror(errno)));
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > limit.bytes) throw too_large();
  }
}

// Watches the parse: refuses nesting deeper than kMaxJsonDepth before it is
// built, and a member named twice in one object. Keeps the JSON pointer of
// the value being read for the error.
class ParseGuard {
 public:
  explicit ParseGuard(const std::string& file) : file_(file) {}

  bool operator()(int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        if (depth >= kMaxJsonDepth)
          input_error(file_, pointer(),
                      fmt::format("nested deeper than {} levels, the most kvmsim reads",
                                  kMaxJsonDepth));
        open_.push_back({event == E::object_start, {}, 0, {}});
        break;
      case E::key: {
        Open& o = open_.back();
        o.key = parsed.get<std::string>();
        if (!o.keys.insert(o.key).second)
          input_error(file_, pointer(), "member given twice in one object");
        break;
      }
      case E::object_end:
      case E::array_end:
        open_.pop_back();
        next_element();
        break;
      case E::value:
        next_element();
        break;
    }
    return true;
  }

 private:
  struct Open {
    bool object;
    std::string key;  // of the member being read
    size_t index;     // of the element being read
    std::set<std::string> keys;
  };

  void next_element() {
    if (!open_.empty() && !open_.back().object) ++open_.back().index;
  }

  std::string pointer() const {
    std::string p;
    for (const Open& o : open_)
      p += fmt::format("/{}", o.object ? escape_pointer(o.key) : std::to_string(o.index));
    return p;
  }

  const std::string& file_;
  std::vector<Open> open_;
};

}  // namespace

nlohmann::json read_json_file(const std::string& path, InputLimit limit) {
  const std::string text = read_regular_file(path, limit);
  try {
    return nlohmann::json::parse(text, ParseGuard(path));
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(fmt::format("{}: invalid JSON: {}", path, e.what()));
  } catch (const nlohmann::json::out_of_range& e) {
    // A number no double holds (1e999): the parser throws out_of_range.
    throw InputError(fmt::format("{}: a number out of range: {}", path, e.what()));
  }
}

void JsonIn::error(const std::string& what) const { input_error(file_, ptr_, what); }

bool JsonIn::has(const char* key) const { return v_->is_object() && v_->contains(key); }

JsonIn JsonIn::at(const char* key) const {
  if (!v_->is_object()) error("expected an object");
  auto it = v_->find(key);
  if (it == v_->end()) error(std::string("missing required member \"") + key + "\"");
  return JsonIn(*it, file_, ptr_ + "/" + escape_pointer(key));
}

JsonIn JsonIn::at(size_t i) const {
  if (!v_->is_array()) error("expected an array");
  if (i >= v_->size()) error("index " + std::to_string(i) + " out of range");
  return JsonIn((*v_)[i], file_, ptr_ + "/" + std::to_string(i));
}

std::vector<JsonIn> JsonIn::items() const {
  if (!v_->is_array()) error("expected an array");
  std::vector<JsonIn> out;
  for (size_t i = 0; i < v_->size(); ++i) out.push_back(at(i));
  return out;
}

std::vector<std::pair<std::string, JsonIn>> JsonIn::members() const {
  if (!v_->is_object()) error("expected an object");
  std::vector<std::pair<std::string, JsonIn>> out;
  for (auto it = v_->begin(); it != v_->end(); ++it)  // nlohmann objects iterate in key order
    out.emplace_back(it.key(), JsonIn(it.value(), file_, ptr_ + "/" + escape_pointer(it.key())));
  return out;
}

std::string JsonIn::str() const {
  if (!v_->is_string()) error("expected a string");
  return v_->get<std::string>();
}

uint64_t JsonIn::u64() const {
  if (v_->is_number_unsigned()) return v_->get<uint64_t>();
  if (v_->is_number_integer() && v_->get<int64_t>() >= 0) return v_->get<uint64_t>();
  if (v_->is_string())
    if (const auto v = parse_u64(v_->get<std::string>())) return *v;
  error("expected an unsigned 64-bit integer (a number, or a string such as \"0x1000\")");
}

int64_t JsonIn::i64() const {
  if (v_->is_number_unsigned()) {
    if (v_->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) return v_->get<int64_t>();
  } else if (v_->is_number_integer()) {
    return v_->get<int64_t>();
  }
  if (v_->is_string())
    if (const auto v = parse_i64(v_->get<std::string>())) return *v;
  error("expected a signed 64-bit integer (a number, or a string such as \"-150\")");
}

bool JsonIn::boolean() const {
  if (!v_->is_boolean()) error("expected true or false");
  return v_->get<bool>();
}

double JsonIn::seconds() const {
  if (!v_->is_number() || v_->get<double>() < 0) error("expected seconds, a number >= 0");
  return v_->get<double>();
}

void JsonIn::expect_object(std::initializer_list<const char*> allowed) const {
  if (!v_->is_object()) error("expected an object");
  for (auto it = v_->begin(); it != v_->end(); ++it) {
    const bool known = std::any_of(allowed.begin(), allowed.end(),
                                   [&](const char* k) { return it.key() == k; });
    if (!known) {
      std::string list;
      for (const char* k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
      JsonIn(it.value(), file_, ptr_ + "/" + escape_pointer(it.key()))
          .error("unknown member (allowed: " + list + ")");
    }
  }
}

}  // namespace sim

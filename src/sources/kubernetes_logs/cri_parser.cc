#include "sources/kubernetes_logs/cri_parser.h"

#include "core/time_util.h"

namespace logferry::sources::k8s {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<Timestamp> TimestampParser::parse(std::string_view s) {
  // Fast path: same "YYYY-MM-DDTHH:MM:SS" as the previous line, then .fraction and Z.
  if (s.size() >= 20 && have_prefix_ && std::memcmp(s.data(), prefix_, 19) == 0) {
    std::size_t pos = 19;
    int64_t nanos = 0;
    if (s[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < s.size() && is_digit(s[pos])) {
        if (digits < 9) {
          nanos = nanos * 10 + (s[pos] - '0');
          ++digits;
        }
        ++pos;
      }
      if (digits == 0) return parse_rfc3339(s);
      for (; digits < 9; ++digits) nanos *= 10;
    }
    if (pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z')) return Timestamp{prefix_ns_ + nanos};
    return parse_rfc3339(s);  // an offset: the general parser handles it
  }
  auto t = parse_rfc3339(s);
  if (t && s.size() >= 20) {
    // Remember the second this line falls in, as UTC, for the lines that follow.
    auto num = [&](std::size_t at, std::size_t n) {
      int v = 0;
      for (std::size_t i = 0; i < n; ++i) v = v * 10 + (s[at + i] - '0');
      return v;
    };
    int second = num(17, 2);
    if (second < 60) {
      std::memcpy(prefix_, s.data(), 19);
      prefix_ns_ = from_civil(num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), second, 0).ns;
      have_prefix_ = true;
    }
  }
  return t;
}

bool parse_cri_line(std::string_view line, LogLine& out, TimestampParser& timestamps) {
  const char* p = line.data();
  const char* end = p + line.size();
  const char* sp1 = static_cast<const char*>(std::memchr(p, ' ', line.size()));
  if (sp1 == nullptr) return false;
  auto ts = timestamps.parse(std::string_view(p, static_cast<std::size_t>(sp1 - p)));
  if (!ts) return false;
  out.time = *ts;
  const char* s = sp1 + 1;
  // "stdout " / "stderr ": both 6 letters, the common case decided by two compares.
  if (end - s >= 7 && s[6] == ' ' && std::memcmp(s, "std", 3) == 0) {
    if (std::memcmp(s + 3, "out", 3) == 0) {
      out.stream = StreamKind::kStdout;
    } else if (std::memcmp(s + 3, "err", 3) == 0) {
      out.stream = StreamKind::kStderr;
    } else {
      return false;
    }
  } else {
    return false;
  }
  const char* tag = s + 7;
  if (tag >= end) return false;
  const char* tag_end = static_cast<const char*>(std::memchr(tag, ' ', static_cast<std::size_t>(end - tag)));
  const char* content;
  if (tag_end == nullptr) {
    // "<ts> stdout F" with nothing after: an empty line whose separator was lost.
    tag_end = end;
    content = end;
  } else {
    content = tag_end + 1;
  }
  if (tag_end == tag) return false;
  const char* first_tag_end = static_cast<const char*>(std::memchr(tag, ':', static_cast<std::size_t>(tag_end - tag)));
  if (first_tag_end == nullptr) first_tag_end = tag_end;
  out.partial = (first_tag_end - tag == 1 && *tag == 'P');
  out.content = std::string_view(content, static_cast<std::size_t>(end - content));
  return true;
}

}  // namespace logferry::sources::k8s

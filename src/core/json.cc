#include "core/json.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <charconv>
#include <cmath>

#include "core/time_util.h"
#include "core/utf8.h"

namespace logferry {

namespace {

// Bytes that go into a JSON string as they are: printable ASCII other than '"' and '\\'.
constexpr auto kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

// Index of the first byte at or after `i` that is not plain (control, '"', '\\' or >= 0x80),
// or s.size(). Eight bytes per step (SWAR): most text has no such byte for long stretches.
// Each flag below can also be set, through a borrow, in bytes above a flagged one, never below
// it, so the lowest flagged byte is exact.
std::size_t next_special(std::string_view s, std::size_t i) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  const char* p = s.data();
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t x;
    std::memcpy(&x, p + i, 8);
    uint64_t quote = x ^ (kOnes * '"'), backslash = x ^ (kOnes * '\\');
    uint64_t flags = ((x - kOnes * 0x20) | (quote - kOnes) | (backslash - kOnes)) & ~x;
    flags = (flags | x) & kHigh;  // x's own high bits: bytes >= 0x80
    if (flags != 0) return i + static_cast<std::size_t>(std::countr_zero(flags) / 8);
  }
  while (i < s.size() && kPlain[static_cast<unsigned char>(s[i])]) ++i;
  return i;
}

void append_escape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default: {
      const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out.append(u, 6);
    }
  }
}

}  // namespace

namespace {

// The escaping loop, from `i`, the first byte that is not plain.
void append_escaped(std::string& out, std::string_view s, std::size_t i) {
  std::size_t run = 0;  // start of the bytes not yet copied: copied in one append per run
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (std::size_t n = utf8_sequence_length(s, i); n != 0) {  // valid UTF-8 stays in the run
        i = next_special(s, i + n);
        continue;
      }
    }
    out.append(s.data() + run, i - run);
    if (c >= 0x80) {
      out += "\xEF\xBF\xBD";  // U+FFFD for an invalid byte
    } else {
      append_escape(out, c);
    }
    run = ++i;
    i = next_special(s, i);
  }
  out.append(s.data() + run, s.size() - run);
}

// Appends `before` "s" `after` with one resize when s needs no escaping (most keys and values).
void append_quoted(std::string& out, std::string_view before, std::string_view s, std::string_view after) {
  std::size_t i = next_special(s, 0);
  if (i == s.size()) {
    std::size_t at = out.size();
    out.resize(at + before.size() + s.size() + after.size() + 2);
    char* p = out.data() + at;
    auto put = [&p](std::string_view part) {  // an empty view may have no data pointer
      if (!part.empty()) std::memcpy(p, part.data(), part.size());
      p += part.size();
    };
    put(before);
    *p++ = '"';
    put(s);
    *p++ = '"';
    put(after);
    return;
  }
  out.reserve(out.size() + before.size() + s.size() + after.size() + 8);
  out += before;
  out += '"';
  append_escaped(out, s, i);
  out += '"';
  out += after;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) { append_quoted(out, "", s, ""); }

void append_json_key(std::string& out, std::string_view key, bool first) {
  append_quoted(out, first ? std::string_view("") : std::string_view(","), key, ":");
}

namespace {

void append_number(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, r.ptr);
}

void append_int(std::string& out, int64_t i) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, i);
  out.append(buf, r.ptr);
}

}  // namespace

namespace {

// One loop for nested maps and for whole events; only an event's top level has options.
void append_object(std::string& out, const Object& o, const JsonOptions* top_level) {
  out += '{';
  bool first = true;
  for (const auto& f : o.fields) {
    if (top_level && top_level->skip_metadata && f.key == "@metadata") continue;
    append_json_key(out, f.key, first);
    first = false;
    if (top_level && top_level->normalize_timestamp && f.value.is_string() && f.key == "@timestamp") {
      if (auto t = parse_rfc3339(f.value.as_string())) {
        out += '"';
        append_iso8601_millis(out, *t);
        out += '"';
        continue;
      }
    }
    append_json(out, f.value);
  }
  if (top_level && top_level->add_version && o.get("@version") == nullptr) {
    if (!first) out += ',';
    out += "\"@version\":\"1\"";
  }
  out += '}';
}

}  // namespace

void append_json(std::string& out, const Object& o) { append_object(out, o, nullptr); }
void append_json(std::string& out, const Event& e) { append_json(out, e, JsonOptions{}); }
void append_json(std::string& out, const Event& e, const JsonOptions& options) {
  append_object(out, e.root(), &options);
}

void append_json(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull: out += "null"; break;
    case Value::Kind::kBool: out += v.as_bool() ? "true" : "false"; break;
    case Value::Kind::kInt: append_int(out, v.as_int()); break;
    case Value::Kind::kDouble: append_number(out, v.as_double()); break;
    case Value::Kind::kString: append_json_string(out, v.as_string()); break;
    case Value::Kind::kDecimal: out += v.as_string(); break;  // exact, as it was read
    case Value::Kind::kTimestamp:
      out += '"';
      append_iso8601_millis(out, v.as_timestamp());
      out += '"';
      break;
    case Value::Kind::kObject: append_json(out, *v.as_object()); break;
    case Value::Kind::kArray: {
      out += '[';
      bool first = true;
      for (const auto& item : v.as_array()->items) {
        if (!first) out += ',';
        first = false;
        append_json(out, item);
      }
      out += ']';
      break;
    }
  }
}

void append_text(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kString: out += v.as_string(); break;
    case Value::Kind::kNull: break;
    case Value::Kind::kTimestamp: append_iso8601_millis(out, v.as_timestamp()); break;
    case Value::Kind::kArray: {
      bool first = true;
      for (const auto& item : v.as_array()->items) {
        if (!first) out += ',';
        first = false;
        append_text(out, item);
      }
      break;
    }
    default: append_json(out, v); break;
  }
}

}  // namespace logferry

#include "core/json.h"

#include <algorithm>
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

// Writes at the end of a std::string through a pointer. The string grows a chunk at a time
// (one resize, so one zero fill, per chunk rather than per piece) and is cut back to what was
// written when the writer goes: a document is many short pieces, each a call into std::string
// otherwise. One string alone grows by what it needs.
class Writer {
 public:
  static constexpr std::size_t kDocumentChunk = 1024;  // about one Elasticsearch document
  Writer(std::string& s, std::size_t chunk) : s_(s), len_(s.size()), chunk_(chunk) {}
  ~Writer() { s_.resize(len_); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Room for n more bytes; write them, then advance().
  char* room(std::size_t n) {
    if (s_.size() - len_ < n) s_.resize(len_ + std::max(n, chunk_));
    return s_.data() + len_;
  }
  void advance(char* end) { len_ = static_cast<std::size_t>(end - s_.data()); }
  void put(char c) { *room(1) = c; ++len_; }
  void put(std::string_view v) {
    if (v.empty()) return;  // an empty view may have no data pointer
    std::memcpy(room(v.size()), v.data(), v.size());
    len_ += v.size();
  }

 private:
  std::string& s_;
  std::size_t len_;
  std::size_t chunk_;
};

// Bytes that go into a JSON string as they are: printable ASCII other than '"' and '\\'.
constexpr auto kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

// Of the 16 bytes at p, the index of the first one at or after `skip` that is not plain, or
// -1. As signed chars, bytes >= 0x80 are negative, so one `< 0x20` finds them and the control
// bytes together. GCC's vector types: SSE2 on x86-64, the target's own vectors elsewhere.
int first_special16(const char* p, std::size_t skip) {
  using Bytes = signed char __attribute__((vector_size(16)));
  Bytes x;
  std::memcpy(&x, p, 16);
  Bytes flags = (x < 0x20) | (x == '"') | (x == '\\');
  uint64_t lo, hi;
  std::memcpy(&lo, &flags, 8);
  std::memcpy(&hi, reinterpret_cast<const char*>(&flags) + 8, 8);
  if (skip >= 8) {
    lo = 0;
    hi &= ~uint64_t{0} << (8 * (skip - 8));
  } else {
    lo &= ~uint64_t{0} << (8 * skip);
  }
  if (lo != 0) return std::countr_zero(lo) / 8;
  if (hi != 0) return 8 + std::countr_zero(hi) / 8;
  return -1;
}

uint64_t special_bytes8(uint64_t word) {  // 0xFF in each byte of `word` that is not plain
  using Bytes = signed char __attribute__((vector_size(8)));
  Bytes x;
  std::memcpy(&x, &word, 8);
  Bytes flags = (x < 0x20) | (x == '"') | (x == '\\');
  uint64_t out;
  std::memcpy(&out, &flags, 8);
  return out;
}

// next_special for strings under 16 bytes (most keys): from 8 bytes, two overlapping words in
// registers; below that, byte by byte.
std::size_t next_special_short(std::string_view s, std::size_t i) {
  const char* p = s.data();
  const std::size_t n = s.size();
  if (n < 8) {
    while (i < n && kPlain[static_cast<unsigned char>(p[i])]) ++i;
    return i;
  }
  uint64_t head, tail;  // bytes [0, 8) and [n - 8, n)
  std::memcpy(&head, p, 8);
  std::memcpy(&tail, p + n - 8, 8);
  if (i < 8) {
    if (uint64_t f = special_bytes8(head) & (~uint64_t{0} << (8 * i)); f != 0)
      return static_cast<std::size_t>(std::countr_zero(f) / 8);
    i = 8;
  }
  if (i >= n) return n;
  const std::size_t skip = i - (n - 8);  // tail bytes before i were looked at already
  uint64_t f = special_bytes8(tail) & (~uint64_t{0} << (8 * skip));
  return f == 0 ? n : n - 8 + static_cast<std::size_t>(std::countr_zero(f) / 8);
}

// Index of the first byte at or after `i` that does not go into a JSON string as it is
// (a control byte, '"', '\\' or a byte >= 0x80), or s.size(). Most text has no such byte for
// long stretches: sixteen bytes per step, and the last step overlaps the one before rather than
// copying the tail out (a store-forwarding stall that cost more than the whole scan).
std::size_t next_special(std::string_view s, std::size_t i) {
  const char* p = s.data();
  const std::size_t n = s.size();
  if (n >= 16) {
    for (; i + 16 <= n; i += 16)
      if (int at = first_special16(p + i, 0); at >= 0) return i + static_cast<std::size_t>(at);
    if (i == n) return n;
    const std::size_t base = n - 16;
    int at = first_special16(p + base, i - base);
    return at < 0 ? n : base + static_cast<std::size_t>(at);
  }
  return next_special_short(s, i);
}

void write_escape(Writer& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"': out.put("\\\""); break;
    case '\\': out.put("\\\\"); break;
    case '\n': out.put("\\n"); break;
    case '\r': out.put("\\r"); break;
    case '\t': out.put("\\t"); break;
    default: {
      const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out.put(std::string_view(u, 6));
    }
  }
}

// The escaping loop, from `i`, the first byte that is not plain.
void write_escaped(Writer& out, std::string_view s, std::size_t i) {
  std::size_t run = 0;  // start of the bytes not yet copied: copied in one put per run
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (std::size_t n = utf8_sequence_length(s, i); n != 0) {  // valid UTF-8 stays in the run
        i = next_special(s, i + n);
        continue;
      }
    }
    out.put(s.substr(run, i - run));
    if (c >= 0x80) {
      out.put("\xEF\xBF\xBD");  // U+FFFD for an invalid byte
    } else {
      write_escape(out, c);
    }
    run = ++i;
    i = next_special(s, i);
  }
  out.put(s.substr(run));
}

char* copy(char* p, std::string_view v) {
  if (!v.empty()) std::memcpy(p, v.data(), v.size());
  return p + v.size();
}

// Writes `before` "s" `after`, in one copy when s needs no escaping (most keys and values).
void write_quoted(Writer& out, std::string_view before, std::string_view s, std::string_view after) {
  std::size_t i = next_special(s, 0);
  if (i == s.size()) {
    char* p = copy(out.room(before.size() + s.size() + after.size() + 2), before);
    *p++ = '"';
    p = copy(p, s);
    *p++ = '"';
    out.advance(copy(p, after));
    return;
  }
  out.put(before);
  out.put('"');
  write_escaped(out, s, i);
  out.put('"');
  out.put(after);
}

void write_number(Writer& out, double d) {
  if (!std::isfinite(d)) {
    out.put("null");
    return;
  }
  constexpr std::size_t kMax = 32;
  char* p = out.room(kMax);
  out.advance(std::to_chars(p, p + kMax, d).ptr);
}

void write_int(Writer& out, int64_t i) {
  constexpr std::size_t kMax = 24;
  char* p = out.room(kMax);
  out.advance(std::to_chars(p, p + kMax, i).ptr);
}

void write_timestamp(Writer& out, Timestamp t) {
  char* p = out.room(kIso8601MillisSize + 2);
  *p++ = '"';
  p = format_iso8601_millis(p, t);
  *p++ = '"';
  out.advance(p);
}

void write_value(Writer& out, const Value& v);

// One loop for nested maps and for whole events; only an event's top level has options.
void write_object(Writer& out, const Object& o, const JsonOptions* top_level) {
  out.put('{');
  bool first = true;
  for (const auto& f : o.fields) {
    if (top_level && top_level->skip_metadata && f.key == "@metadata") continue;
    write_quoted(out, first ? std::string_view("") : std::string_view(","), f.key, ":");
    first = false;
    if (top_level && top_level->normalize_timestamp && f.value.is_string() && f.key == "@timestamp") {
      if (auto t = parse_rfc3339(f.value.as_string())) {
        write_timestamp(out, *t);
        continue;
      }
    }
    write_value(out, f.value);
  }
  if (top_level && top_level->add_version && o.get("@version") == nullptr) {
    if (!first) out.put(',');
    out.put("\"@version\":\"1\"");
  }
  out.put('}');
}

void write_value(Writer& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull: out.put("null"); break;
    case Value::Kind::kBool: out.put(v.as_bool() ? "true" : "false"); break;
    case Value::Kind::kInt: write_int(out, v.as_int()); break;
    case Value::Kind::kDouble: write_number(out, v.as_double()); break;
    case Value::Kind::kString: write_quoted(out, "", v.as_string(), ""); break;
    case Value::Kind::kDecimal: out.put(v.as_string()); break;  // exact, as it was read
    case Value::Kind::kTimestamp: write_timestamp(out, v.as_timestamp()); break;
    case Value::Kind::kObject: write_object(out, *v.as_object(), nullptr); break;
    case Value::Kind::kArray: {
      out.put('[');
      bool first = true;
      for (const auto& item : v.as_array()->items) {
        if (!first) out.put(',');
        first = false;
        write_value(out, item);
      }
      out.put(']');
      break;
    }
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  Writer w(out, 0);
  write_quoted(w, "", s, "");
}

void append_json_key(std::string& out, std::string_view key, bool first) {
  Writer w(out, 0);
  write_quoted(w, first ? std::string_view("") : std::string_view(","), key, ":");
}

void append_json(std::string& out, const Object& o) {
  Writer w(out, Writer::kDocumentChunk);
  write_object(w, o, nullptr);
}
void append_json(std::string& out, const Event& e) { append_json(out, e, JsonOptions{}); }
void append_json(std::string& out, const Event& e, const JsonOptions& options) {
  Writer w(out, Writer::kDocumentChunk);
  write_object(w, e.root(), &options);
}

void append_json(std::string& out, const Value& v) {
  const bool container = v.kind() == Value::Kind::kObject || v.kind() == Value::Kind::kArray;
  Writer w(out, container ? Writer::kDocumentChunk : 0);
  write_value(w, v);
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

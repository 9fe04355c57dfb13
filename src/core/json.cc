#include "core/json.h"

#include <charconv>
#include <cmath>

#include "core/time_util.h"
#include "core/utf8.h"

namespace logferry {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      std::size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
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

void append_json(std::string& out, const Object& o) {
  out += '{';
  bool first = true;
  for (const auto& f : o.fields) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, f.key);
    out += ':';
    append_json(out, f.value);
  }
  out += '}';
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

#include "transforms/mutate/convert.h"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "core/json.h"

namespace logferry::transforms {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '\0';
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// value.strip.delete(',').downcase, after value.tr(",.", ".,") for the _eu forms.
std::string_view clean_number(std::string_view s, bool eu, std::string& buf) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  buf.clear();
  for (char c : s) {
    if (eu && c == '.') {
      c = ',';
    } else if (eu && c == ',') {
      c = '.';
    }
    if (c != ',') buf += lower(c);
  }
  return buf;
}

// "[+-]0x..." (Ruby's Float() reads hexadecimal, with a binary exponent "p").
bool parse_hex(std::string_view s, double& out) {
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.size() < 3 || s[0] != '0' || s[1] != 'x') return false;
  s.remove_prefix(2);
  auto r = std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::hex);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(out)) return false;
  if (negative) out = -out;
  return true;
}

bool is_hex(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  return s.size() >= 2 && s[0] == '0' && s[1] == 'x';
}

bool parse_double(std::string_view s, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(out);
}

// An integer's digits as kInt when they fit, else exact as a decimal value.
Value integer_value(std::string_view digits, Event& event) {
  int64_t i = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), i);
  if (r.ec == std::errc() && r.ptr == digits.data() + digits.size()) return Value::integer(i);
  return Value::decimal(event.arena().copy(digits));
}

bool double_to_integer(double d, Event& event, Value& out, std::string& scratch) {
  if (!std::isfinite(d)) return false;  // Ruby: FloatDomainError
  d = std::trunc(d);
  if (d > -9.2e18 && d < 9.2e18) {
    out = Value::integer(static_cast<int64_t>(d));
    return true;
  }
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  if (r.ec != std::errc()) return false;
  scratch.assign(buf, r.ptr);
  out = Value::decimal(event.arena().copy(scratch));
  return true;
}

bool text_to_integer(std::string_view s, Event& event, Value& out, std::string& scratch) {
  if (is_hex(s)) {
    double d = 0;
    if (!parse_hex(s, d)) return false;
    return double_to_integer(d, event, out, scratch);
  }
  std::string digits;  // rare path (non-integral or huge text); small strings stay inline
  if (!decimal_to_integer_text(s, digits)) return false;
  out = integer_value(digits, event);
  return true;
}

bool text_to_float(std::string_view s, double& d) {
  return is_hex(s) ? parse_hex(s, d) : parse_double(s, d);
}

void append_scalar_text(std::string& out, const Value& v) {
  if (v.kind() == Value::Kind::kDouble) {
    append_ruby_float(out, v.as_double());
  } else {
    append_text(out, v);
  }
}

bool to_integer(Value& v, bool eu, Event& event, std::string& scratch) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::kInt: return true;
    case K::kBool: v = Value::integer(v.as_bool() ? 1 : 0); return true;
    case K::kDouble: return double_to_integer(v.as_double(), event, v, scratch);
    case K::kDecimal: return text_to_integer(v.as_string(), event, v, scratch);
    case K::kTimestamp: v = Value::integer(v.as_timestamp().seconds()); return true;  // Time#to_i
    case K::kString: {
      std::string cleaned(clean_number(v.as_string(), eu, scratch));
      return text_to_integer(cleaned, event, v, scratch);
    }
    default: return false;  // Integer(hash or array) raises
  }
}

bool to_float(Value& v, bool eu, std::string& scratch) {
  using K = Value::Kind;
  double d = 0;
  switch (v.kind()) {
    case K::kDouble: return true;
    case K::kInt: v = Value::number(static_cast<double>(v.as_int())); return true;
    case K::kBool: v = Value::number(v.as_bool() ? 1.0 : 0.0); return true;
    case K::kTimestamp: v = Value::number(static_cast<double>(v.as_timestamp().ns) / 1e9); return true;
    case K::kDecimal:
      if (!parse_double(v.as_string(), d)) return false;
      v = Value::number(d);
      return true;
    case K::kString:
      if (!text_to_float(clean_number(v.as_string(), eu, scratch), d)) return false;
      v = Value::number(d);
      return true;
    default: return false;
  }
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// /^(true|t|yes|y|1|1.0)$/i and /^(false|f|no|n|0|0.0)$/i on value.to_s; "" is false.
void to_boolean(Value& v, std::string& scratch) {
  if (v.kind() == Value::Kind::kBool) return;
  scratch.clear();
  append_scalar_text(scratch, v);
  for (std::string_view t : {"true", "t", "yes", "y", "1", "1.0"})
    if (iequals(scratch, t)) return void(v = Value::boolean(true));
  if (scratch.empty()) return void(v = Value::boolean(false));
  for (std::string_view f : {"false", "f", "no", "n", "0", "0.0"})
    if (iequals(scratch, f)) return void(v = Value::boolean(false));
}

}  // namespace

bool decimal_to_integer_text(std::string_view s, std::string& out) {
  out.clear();
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  std::string digits;  // integer and fraction digits; `point` digits are before the point
  std::size_t point = 0;
  bool any = false;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') digits += s[i++], any = true;
  point = digits.size();
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') digits += s[i++], any = true;
  }
  if (!any) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    int64_t exp = 0;
    auto r = std::from_chars(s.data() + i + (i < s.size() && s[i] == '+'), s.data() + s.size(), exp);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return false;
    if (exp > 4096) return false;  // a number with more digits than anything a log carries
    i = s.size();
    int64_t p = static_cast<int64_t>(point) + exp;
    if (p <= 0) {
      point = 0;
    } else {
      if (static_cast<std::size_t>(p) > digits.size()) digits.append(static_cast<std::size_t>(p) - digits.size(), '0');
      point = static_cast<std::size_t>(p);
    }
  }
  if (i != s.size()) return false;
  std::size_t start = 0;
  while (start < point && digits[start] == '0') ++start;
  if (start == point) {
    out = "0";
    return true;
  }
  if (negative) out += '-';
  out.append(digits, start, point - start);
  return true;
}

void append_ruby_float(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-Infinity" : "Infinity";
    return;
  }
  double a = std::fabs(d);
  char buf[64];
  // Ruby switches to exponent form at 1e16 and below 1e-4; otherwise the shortest digits.
  bool exponent = a != 0 && (a >= 1e16 || a < 1e-4);
  auto r = exponent ? std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific)
                    : std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
  if (!exponent) {
    out += text;
    if (text.find('.') == std::string_view::npos) out += ".0";
    return;
  }
  auto e = text.find('e');
  std::string_view mantissa = text.substr(0, e), power = text.substr(e + 1);
  out += mantissa;
  if (mantissa.find('.') == std::string_view::npos) out += ".0";
  out += 'e';
  if (power.front() != '-' && power.front() != '+') out += '+';
  out += power.front();
  power.remove_prefix(1);
  while (power.size() > 2 && power.front() == '0') power.remove_prefix(1);
  out += power;
}

bool convert_value(Value& v, ConvertTo to, Event& event, std::string& scratch) {
  switch (to) {
    case ConvertTo::kString:
      if (v.is_string()) return true;
      scratch.clear();
      append_scalar_text(scratch, v);
      v = event.string_value(scratch);
      return true;
    case ConvertTo::kBoolean: to_boolean(v, scratch); return true;
    case ConvertTo::kInteger: return to_integer(v, false, event, scratch);
    case ConvertTo::kIntegerEu: return to_integer(v, true, event, scratch);
    case ConvertTo::kFloat: return to_float(v, false, scratch);
    case ConvertTo::kFloatEu: return to_float(v, true, scratch);
  }
  return false;
}

}  // namespace logferry::transforms

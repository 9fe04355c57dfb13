#include "sources/syslog/syslog_parser.h"

#include <array>
#include <cstring>

#include "core/time_util.h"

namespace logferry::sources::syslog {

namespace {

constexpr std::string_view kNil = "-";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at pos.
bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// The token from pos up to the next space (or the end); pos moves onto that space.
std::string_view token(std::string_view s, std::size_t& pos) {
  std::size_t start = pos;
  while (pos < s.size() && s[pos] != ' ') ++pos;
  return s.substr(start, pos - start);
}

std::string_view nil_to_empty(std::string_view v) { return v == kNil ? std::string_view() : v; }

std::string_view trim_trailer(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == '\0')) s.remove_suffix(1);
  return s;
}

// SD-NAME: printable US-ASCII except '=', SP, ']', '"'.
bool is_sd_name_char(char c) {
  return c > 32 && c < 127 && c != '=' && c != ']' && c != '"';
}

// PARAM-VALUE between quotes starting at pos (just after the opening quote). Unescapes \" \\ \]
// into the arena only when an escape is present; other backslashes stay as they are (§6.3.3).
bool parse_param_value(std::string_view s, std::size_t& pos, Arena& arena, std::string_view& out) {
  std::size_t start = pos;
  bool escaped = false;
  while (pos < s.size() && s[pos] != '"') {
    if (s[pos] == '\\' && pos + 1 < s.size()) {
      escaped = true;
      pos += 2;
    } else {
      ++pos;
    }
  }
  if (pos >= s.size()) return false;
  std::string_view raw = s.substr(start, pos - start);
  ++pos;  // closing quote
  if (!escaped) {
    out = raw;
    return true;
  }
  char* buf = arena.allocate_chars(raw.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() &&
        (raw[i + 1] == '"' || raw[i + 1] == '\\' || raw[i + 1] == ']')) {
      buf[n++] = raw[++i];
    } else {
      buf[n++] = raw[i];
    }
  }
  out = std::string_view(buf, n);
  return true;
}

Object* new_object(Arena& arena) {
  void* mem = arena.allocate(sizeof(Object), alignof(Object));
  return new (mem) Object(&arena);
}

// STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT, from pos.
bool parse_structured_data(std::string_view s, std::size_t& pos, Arena& arena, Object*& out) {
  if (pos < s.size() && s[pos] == '-') {
    ++pos;
    out = nullptr;
    return true;
  }
  if (pos >= s.size() || s[pos] != '[') return false;
  Object* sd = new_object(arena);
  while (pos < s.size() && s[pos] == '[') {
    ++pos;
    std::size_t id_start = pos;
    while (pos < s.size() && is_sd_name_char(s[pos])) ++pos;
    if (pos == id_start) return false;
    std::string_view id = s.substr(id_start, pos - id_start);
    Object* params = new_object(arena);
    while (pos < s.size() && s[pos] == ' ') {
      ++pos;
      std::size_t name_start = pos;
      while (pos < s.size() && is_sd_name_char(s[pos])) ++pos;
      if (pos == name_start) return false;
      std::string_view name = s.substr(name_start, pos - name_start);
      if (pos + 1 >= s.size() || s[pos] != '=' || s[pos + 1] != '"') return false;
      pos += 2;
      std::string_view value;
      if (!parse_param_value(s, pos, arena, value)) return false;
      params->set(name, Value::string(value));
    }
    if (pos >= s.size() || s[pos] != ']') return false;
    ++pos;
    sd->set(id, Value::object(params));
  }
  out = sd;
  return true;
}

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int month_index(std::string_view s, std::size_t pos) {
  if (pos + 3 > s.size()) return -1;
  for (int i = 0; i < 12; ++i) {
    const auto& m = kMonths[static_cast<std::size_t>(i)];
    // Month names are matched case-insensitively on the 2nd and 3rd letter ("OCT" from some gear).
    if ((s[pos] | 0x20) == (m[0] | 0x20) && (s[pos + 1] | 0x20) == m[1] &&
        (s[pos + 2] | 0x20) == m[2])
      return i + 1;
  }
  return -1;
}

// Zone names some senders print after the time. Only unambiguous ones (a hostname such as
// "WEB1" must not be taken for a zone); everything else is read as UTC.
struct ZoneName {
  std::string_view name;
  int offset_minutes;
};
constexpr std::array<ZoneName, 13> kZones = {{{"UTC", 0},      {"GMT", 0},      {"Z", 0},
                                              {"EST", -300},   {"EDT", -240},   {"CST", -360},
                                              {"CDT", -300},   {"MST", -420},   {"MDT", -360},
                                              {"PST", -480},   {"PDT", -420},   {"CET", 60},
                                              {"CEST", 120}}};

// "TZ-6", "TZ+2": RFC 3164 §5.4's example 4.
bool parse_tz_token(std::string_view tok, int& offset_minutes) {
  for (const auto& z : kZones) {
    if (tok == z.name) {
      offset_minutes = z.offset_minutes;
      return true;
    }
  }
  if (tok.size() >= 4 && tok.size() <= 5 && tok.substr(0, 2) == "TZ" &&
      (tok[2] == '+' || tok[2] == '-')) {
    int h = 0;
    for (std::size_t i = 3; i < tok.size(); ++i) {
      if (!is_digit(tok[i])) return false;
      h = h * 10 + (tok[i] - '0');
    }
    if (h > 14) return false;
    offset_minutes = (tok[2] == '-' ? -h : h) * 60;
    return true;
  }
  return false;
}

// An ISO 8601 timestamp token; without a zone it is read as UTC.
std::optional<Timestamp> parse_iso_token(std::string_view tok) {
  if (auto t = parse_rfc3339(tok)) return t;
  if (tok.size() < 19 || tok.size() > 40) return std::nullopt;
  char buf[48];
  std::memcpy(buf, tok.data(), tok.size());
  buf[tok.size()] = 'Z';
  return parse_rfc3339(std::string_view(buf, tok.size() + 1));
}

// BSD timestamp at pos: "Mmm dd hh:mm:ss" (day space-padded or not), optionally with a year
// before the time (Cisco "Mar  1 2024 18:46:11"), fractions, a zone name and a year after it
// ("CST 1987", RFC 3164 §5.4), and a trailing ':' (Cisco). pos moves past what was used.
std::optional<Timestamp> parse_bsd_timestamp(std::string_view s, std::size_t& pos, Timestamp now,
                                            int leading_year) {
  std::size_t p = pos;
  int month = month_index(s, p);
  if (month < 0) return std::nullopt;
  p += 3;
  if (p >= s.size() || s[p] != ' ') return std::nullopt;
  while (p < s.size() && s[p] == ' ') ++p;
  int day = 0;
  if (read_digits(s, p, 2, day)) {
    p += 2;
  } else if (read_digits(s, p, 1, day)) {
    p += 1;
  } else {
    return std::nullopt;
  }
  if (p >= s.size() || s[p] != ' ' || day < 1 || day > 31) return std::nullopt;
  ++p;
  int year = leading_year;
  if (int y = 0; read_digits(s, p, 4, y) && p + 4 < s.size() && s[p + 4] == ' ') {
    year = y;
    p += 5;
  }
  int hour = 0, minute = 0, second = 0;
  if (!read_digits(s, p, 2, hour) || p + 2 >= s.size() || s[p + 2] != ':' ||
      !read_digits(s, p + 3, 2, minute) || p + 5 >= s.size() || s[p + 5] != ':' ||
      !read_digits(s, p + 6, 2, second))
    return std::nullopt;
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  if (second == 60) second = 59;
  p += 8;
  int nanos = 0;
  if (p < s.size() && s[p] == '.' && p + 1 < s.size() && is_digit(s[p + 1])) {
    ++p;
    int n = 0;
    while (p < s.size() && is_digit(s[p])) {
      if (n < 9) {
        nanos = nanos * 10 + (s[p] - '0');
        ++n;
      }
      ++p;
    }
    for (; n < 9; ++n) nanos *= 10;
  }
  int offset_minutes = 0;
  // Optional " ZONE" then optional " YYYY", each only when followed by a space, ':' or the end.
  auto try_suffix = [&](auto&& accept) {
    if (p >= s.size() || s[p] != ' ') return;
    std::size_t q = p + 1;
    std::string_view tok = token(s, q);
    if (!tok.empty() && tok.back() == ':') tok.remove_suffix(1), --q;
    if (accept(tok)) p = q;
  };
  try_suffix([&](std::string_view tok) { return parse_tz_token(tok, offset_minutes); });
  try_suffix([&](std::string_view tok) {
    int y = 0;
    if (tok.size() != 4 || !read_digits(tok, 0, 4, y) || y < 1970 || y > 2200) return false;
    year = y;
    return true;
  });
  if (p < s.size() && s[p] == ':') ++p;  // Cisco: "18:46:11.123: %SYS-..."
  CivilTime civil_now = to_civil(now);
  bool year_given = year > 0;
  if (!year_given) year = civil_now.year;
  if (month == 2 && day == 29 && !year_given) {
    // Leap-day messages take the nearest leap year at or before this year.
    while (!((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) --year;
  }
  Timestamp t = from_civil(year, month, day, hour, minute, second, nanos);
  t.ns -= static_cast<int64_t>(offset_minutes) * 60 * 1'000'000'000;
  constexpr int64_t kThirtyDays = int64_t{30} * 86400 * 1'000'000'000;
  if (!year_given && t.ns > now.ns + kThirtyDays) {
    t = from_civil(year - 1, month, day, hour, minute, second, nanos);
    t.ns -= static_cast<int64_t>(offset_minutes) * 60 * 1'000'000'000;
  }
  pos = p;
  return t;
}

bool is_hostname_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' ||
         c == '-' || c == '_' || c == ':';
}

// A HOSTNAME in a 3164 header: followed by a space, not a TAG ("su:", "sshd[12]:"), made of
// host name / IP characters.
bool looks_like_hostname(std::string_view tok, bool followed_by_space) {
  if (tok.empty() || !followed_by_space || tok.back() == ':' || tok.size() > 255) return false;
  for (char c : tok)
    if (!is_hostname_char(c)) return false;
  return true;
}

// "TAG[PID]:" or "TAG:" at pos (a TAG is up to 128 chars without space, '[' or ':').
bool parse_tag(std::string_view s, std::size_t& pos, std::string_view& tag, std::string_view& pid) {
  std::size_t p = pos;
  while (p < s.size() && s[p] != ' ' && s[p] != '[' && s[p] != ':' && p - pos < 128) ++p;
  if (p == pos || p >= s.size()) return false;
  std::string_view t = s.substr(pos, p - pos);
  std::string_view id;
  if (s[p] == '[') {
    std::size_t close = p + 1;
    while (close < s.size() && s[close] != ']' && s[close] != ' ' && close - p <= 128) ++close;
    if (close >= s.size() || s[close] != ']') return false;
    id = s.substr(p + 1, close - p - 1);
    p = close + 1;
    if (p < s.size() && s[p] == ':') {
      ++p;
    } else if (!(p >= s.size() || s[p] == ' ')) {
      return false;  // "TAG[PID]" must end the token
    }
  } else if (s[p] == ':') {
    ++p;
    if (p < s.size() && s[p] != ' ') return false;  // "a:b" is text (e.g. a URL), not a TAG
  } else {
    return false;
  }
  tag = t;
  pid = id;
  pos = p;
  return true;
}

constexpr std::array<std::string_view, 24> kFacilities = {
    "kern",   "user",   "mail",   "daemon", "auth",   "syslog",   "lpr",    "news",
    "uucp",   "cron",   "authpriv", "ftp",  "ntp",    "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5",   "local6", "local7"};
constexpr std::array<std::string_view, 8> kSeverities = {"emerg",   "alert",  "crit", "err",
                                                         "warning", "notice", "info", "debug"};

void append_fields(const SyslogFields& f, Event& e, Timestamp now, std::string_view default_host) {
  e.root().fields.reserve(e.root().fields.size() + 14);  // one arena allocation, not five
  std::string_view host = f.host.empty() ? default_host : f.host;
  if (!host.empty()) e.append("host", Value::string(host));
  if (!f.appname.empty()) e.append("appname", Value::string(f.appname));
  if (!f.procid.empty()) e.append("procid", Value::string(f.procid));
  if (!f.msgid.empty()) e.append("msgid", Value::string(f.msgid));
  int facility = f.pri >> 3, severity = f.pri & 7;
  e.append("facility", Value::integer(facility));
  e.append("severity", Value::integer(severity));
  e.append("facility_label", Value::string(facility_label(facility)));
  e.append("severity_label", Value::string(severity_label(severity)));
  e.append("@timestamp", Value::timestamp(f.timestamp.value_or(now)));
  if (f.structured_data != nullptr) e.append("structured_data", Value::object(f.structured_data));
  e.append("message", Value::string(f.message));
}

}  // namespace

std::string_view facility_label(int facility) {
  return facility >= 0 && facility < 24 ? kFacilities[static_cast<std::size_t>(facility)] : "";
}
std::string_view severity_label(int severity) {
  return severity >= 0 && severity < 8 ? kSeverities[static_cast<std::size_t>(severity)] : "";
}

std::optional<int> parse_pri(std::string_view text, std::size_t& consumed) {
  if (text.size() < 3 || text[0] != '<') return std::nullopt;
  std::size_t p = 1;
  int v = 0;
  while (p < text.size() && p <= 3 && is_digit(text[p])) v = v * 10 + (text[p++] - '0');
  if (p == 1 || p >= text.size() || text[p] != '>' || v > 191) return std::nullopt;
  consumed = p + 1;
  return v;
}

bool looks_like_rfc5424(std::string_view text) {
  std::size_t p = 0;
  if (!parse_pri(text, p)) return false;
  std::size_t v = p;
  while (p < text.size() && is_digit(text[p]) && p - v < 3) ++p;
  if (p == v || text[v] == '0') return false;
  return p + 1 < text.size() && text[p] == ' ' && (text[p + 1] == '-' || is_digit(text[p + 1]));
}

bool parse_rfc5424(std::string_view s, Arena& arena, SyslogFields& out) {
  std::size_t p = 0;
  auto pri = parse_pri(s, p);
  if (!pri) return false;
  out.pri = *pri;
  std::size_t version_start = p;
  while (p < s.size() && is_digit(s[p])) ++p;
  if (p == version_start || p - version_start > 3 || p >= s.size() || s[p] != ' ') return false;
  ++p;
  std::string_view ts = token(s, p);
  if (ts.empty()) return false;
  if (ts != kNil) {
    auto t = parse_rfc3339(ts);
    if (!t) return false;
    out.timestamp = t;
  }
  std::string_view* header[] = {&out.host, &out.appname, &out.procid, &out.msgid};
  for (std::string_view* field : header) {
    if (p >= s.size() || s[p] != ' ') return false;
    ++p;
    std::string_view tok = token(s, p);
    if (tok.empty()) return false;
    *field = nil_to_empty(tok);
  }
  if (p >= s.size()) return true;  // no STRUCTURED-DATA at all: lenient
  ++p;                             // the space before SD
  if (!parse_structured_data(s, p, arena, out.structured_data)) return false;
  if (p < s.size() && s[p] == ' ') ++p;
  std::string_view msg = s.substr(p);
  if (msg.size() >= 3 && msg.substr(0, 3) == "\xEF\xBB\xBF") msg.remove_prefix(3);
  out.message = msg;
  return true;
}

bool parse_rfc3164(std::string_view s, Timestamp now, SyslogFields& out) {
  std::size_t p = 0;
  bool has_pri = false;
  if (auto pri = parse_pri(s, p)) {
    out.pri = *pri;
    has_pri = true;
  } else {
    p = 0;
    out.pri = 13;
  }
  const std::size_t after_pri = p;
  while (p < s.size() && s[p] == ' ') ++p;
  // Cisco sequence number "123: ", then '*' (clock not authoritative) or '.' (lost sync).
  if (std::size_t q = p; q < s.size() && is_digit(s[q])) {
    while (q < s.size() && is_digit(s[q])) ++q;
    if (q + 1 < s.size() && s[q] == ':' && s[q + 1] == ' ') p = q + 2;
  }
  if (p < s.size() && (s[p] == '*' || s[p] == '.')) ++p;
  std::optional<Timestamp> ts;
  if (p + 4 < s.size() && is_digit(s[p]) && s[p + 4] == '-') {
    std::size_t q = p;
    std::string_view tok = token(s, q);
    if (!tok.empty() && tok.back() == ':') tok.remove_suffix(1);
    if ((ts = parse_iso_token(tok))) p = q;
  } else {
    int leading_year = 0;
    std::size_t q = p;
    if (int y = 0; read_digits(s, q, 4, y) && q + 4 < s.size() && s[q + 4] == ' ') {
      leading_year = y;  // "1990 Oct 22 10:52:01" (RFC 3164 §5.4)
      q += 5;
    }
    if ((ts = parse_bsd_timestamp(s, q, now, leading_year))) p = q;
  }
  if (!ts) p = after_pri;
  out.timestamp = ts;
  while (p < s.size() && s[p] == ' ') ++p;
  if (ts) {
    std::size_t q = p;
    std::string_view tok = token(s, q);
    if (looks_like_hostname(tok, q < s.size())) {
      out.host = tok;
      p = q + 1;
    }
  }
  std::string_view tag, pid;
  std::size_t q = p;
  if (parse_tag(s, q, tag, pid)) {
    out.appname = tag;
    out.procid = pid;
    p = q;
    if (p < s.size() && s[p] == ' ') ++p;
  }
  out.message = s.substr(p);
  return has_pri || ts.has_value();
}

SyslogFormat parse_syslog(std::string_view text, Event& e, Timestamp now,
                          std::string_view default_host) {
  text = trim_trailer(text);
  SyslogFields fields;
  if (looks_like_rfc5424(text)) {
    if (parse_rfc5424(text, e.arena(), fields)) {
      append_fields(fields, e, now, default_host);
      return SyslogFormat::kRfc5424;
    }
    SyslogFields whole;
    std::size_t unused = 0;
    whole.pri = parse_pri(text, unused).value_or(13);
    whole.message = text;
    append_fields(whole, e, now, default_host);
    return SyslogFormat::kMalformed;
  }
  if (parse_rfc3164(text, now, fields)) {
    append_fields(fields, e, now, default_host);
    return SyslogFormat::kRfc3164;
  }
  SyslogFields whole;
  whole.message = text;
  append_fields(whole, e, now, default_host);
  return SyslogFormat::kMalformed;
}

}  // namespace logferry::sources::syslog

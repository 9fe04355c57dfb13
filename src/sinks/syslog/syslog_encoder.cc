#include "sinks/syslog/syslog_encoder.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/json.h"
#include "core/time_util.h"
#include "core/utf8.h"

namespace logferry::sinks::syslog {

namespace {

struct Label {
  std::string_view name;
  int code;
};

// RFC 5424 §6.2.1 codes. Names: RFC/Linux <syslog.h> short names and the labels of
// logstash-output-syslog's FACILITY_LABELS (which lacks authpriv and cron, hence its
// off-by-one/two codes from ftp on; we map its labels to the RFC codes).
constexpr Label kFacilities[] = {
    {"kernel", 0},         {"kern", 0},
    {"user-level", 1},     {"user", 1},
    {"mail", 2},
    {"daemon", 3},         {"system daemons", 3},
    {"security/authorization", 4}, {"auth", 4}, {"security", 4},
    {"syslogd", 5},        {"syslog", 5},
    {"line printer", 6},   {"lpr", 6},
    {"network news", 7},   {"news", 7},
    {"uucp", 8},
    {"clock", 9},          {"cron", 9},
    {"authpriv", 10},      {"security/authorization-private", 10},
    {"ftp", 11},
    {"ntp", 12},
    {"log audit", 13},     {"audit", 13},
    {"log alert", 14},
    {"clock daemon", 15},
    {"local0", 16}, {"local1", 17}, {"local2", 18}, {"local3", 19},
    {"local4", 20}, {"local5", 21}, {"local6", 22}, {"local7", 23},
    // Numbers with a name people type.
    {"security/auth", 4},  {"lineprinter", 6},
    {"logaudit", 13},      {"logalert", 14},
    {"user level", 1},     {"kernel messages", 0},
};

constexpr Label kSeverities[] = {
    {"emergency", 0}, {"emerg", 0}, {"panic", 0},
    {"alert", 1},
    {"critical", 2},  {"crit", 2},
    {"error", 3},     {"err", 3},
    {"warning", 4},   {"warn", 4},
    {"notice", 5},
    {"informational", 6}, {"info", 6},
    {"debug", 7},
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

int parse_small_int(std::string_view s, int max) {
  if (s.empty() || s.size() > 3) return -1;
  int v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 0 || v > max) return -1;
  return v;
}

template <std::size_t N>
int lookup(const Label (&table)[N], std::string_view label, int max) {
  for (const Label& l : table)
    if (iequals(label, l.name)) return l.code;
  return parse_small_int(label, max);
}

bool is_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool allowed(unsigned char c, FieldRule rule) {
  switch (rule) {
    case FieldRule::k5424:
      return c >= 33 && c <= 126;
    case FieldRule::k3164Host:
      return is_alnum(c) || c == '.' || c == '-' || c == '_';
    case FieldRule::k3164Tag:
      return c >= 33 && c <= 126 && c != ':' && c != '[' && c != ']' && c != '/';
    case FieldRule::k3164Procid:
      return c >= 33 && c <= 126 && c != '[' && c != ']';
  }
  return false;
}

bool is_printusascii(unsigned char c) { return c >= 33 && c <= 126; }

void append_2(std::string& out, int v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

int facility_code(std::string_view label) { return lookup(kFacilities, label, 23); }

int severity_code(std::string_view label) { return lookup(kSeverities, label, 7); }

bool append_sanitized(std::string& out, std::string_view value, FieldRule rule, std::size_t max_len) {
  bool changed = false;
  std::size_t start = out.size();
  std::size_t i = 0;
  while (i < value.size() && out.size() - start < max_len) {
    auto c = static_cast<unsigned char>(value[i]);
    if (allowed(c, rule)) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    changed = true;
    out.push_back('_');
    // One '_' per character: skip the rest of a valid UTF-8 sequence.
    std::size_t len = c >= 0x80 ? utf8_sequence_length(value, i) : 1;
    i += len == 0 ? 1 : len;
  }
  if (i < value.size()) changed = true;  // cut at max_len
  if (rule == FieldRule::k3164Host) {
    // rsyslog takes a 3164 HOSTNAME only if it ends in an alphanumeric character; a trailing
    // '.', '-' or '_' (e.g. an FQDN's root dot) is dropped.
    while (out.size() > start && !is_alnum(static_cast<unsigned char>(out.back()))) {
      out.pop_back();
      changed = true;
    }
  }
  return changed;
}

void append_escaped_message(std::string& out, std::string_view m) {
  // Ruby's String#rstrip: trailing NUL and ASCII whitespace.
  while (!m.empty()) {
    char c = m.back();
    if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '\0') {
      m.remove_suffix(1);
    } else {
      break;
    }
  }
  while (true) {
    const void* hit = m.empty() ? nullptr : std::memchr(m.data(), '\n', m.size());
    if (hit == nullptr) {
      out.append(m);
      return;
    }
    std::size_t nl = static_cast<std::size_t>(static_cast<const char*>(hit) - m.data());
    std::size_t keep = nl;
    if (keep > 0 && m[keep - 1] == '\r') --keep;  // "\r\n" -> "\n"
    out.append(m.data(), keep);
    out.append("\\n", 2);
    m.remove_prefix(nl + 1);
  }
}

void append_sd_param_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\n') {
      // Legal in a PARAM-VALUE but it would end the frame on a newline-framed stream: written
      // as the two characters '\' 'n', as the plugin does in MSG.
      out.append("\\n", 2);
      continue;
    }
    if (c == '"' || c == '\\' || c == ']') out.push_back('\\');
    out.push_back(c);
  }
}

bool is_valid_sd_name(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (!is_printusascii(c) || c == '=' || c == ']' || c == '"') return false;
  }
  return true;
}

bool is_valid_structured_data(std::string_view s) {
  if (s == "-") return true;
  if (s.empty()) return false;
  std::size_t i = 0;
  auto name = [&]() {
    std::size_t begin = i;
    while (i < s.size()) {
      auto c = static_cast<unsigned char>(s[i]);
      if (!is_printusascii(c) || c == '=' || c == ']' || c == '"') break;
      ++i;
    }
    return i - begin >= 1 && i - begin <= 32;
  };
  while (i < s.size()) {
    if (s[i++] != '[') return false;
    if (!name()) return false;  // SD-ID
    while (i < s.size() && s[i] == ' ') {
      ++i;
      if (!name()) return false;  // PARAM-NAME
      if (i + 1 >= s.size() || s[i] != '=' || s[i + 1] != '"') return false;
      i += 2;
      while (true) {
        if (i >= s.size()) return false;
        char c = s[i];
        if (c == '\\' && i + 1 < s.size()) {
          i += 2;
          continue;
        }
        if (c == '"') break;
        if (c == ']') return false;  // must be escaped inside a value
        if (c == '\n') return false;  // legal in RFC 5424, but it would break newline framing
        ++i;
      }
      ++i;  // closing quote
    }
    if (i >= s.size() || s[i] != ']') return false;
    ++i;
  }
  return true;
}

std::size_t utf8_truncated_size(std::string_view frame, std::size_t max_bytes) {
  if (frame.size() <= max_bytes) return frame.size();
  std::size_t cut = max_bytes;
  // Back up over continuation bytes (at most 3) to the start of the sequence at `cut`.
  std::size_t backed = 0;
  while (cut > 0 && backed < 3 && (static_cast<unsigned char>(frame[cut]) & 0xC0) == 0x80) {
    --cut;
    ++backed;
  }
  if (backed == 3 && (static_cast<unsigned char>(frame[cut]) & 0xC0) == 0x80) return max_bytes;
  return cut;
}

SyslogEncoder::SyslogEncoder(EncoderConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(&clock) {
  bool rfc5424 = config_.rfc == Rfc::k5424;
  host_ = make_field(&EncoderConfig::sourcehost, rfc5424 ? FieldRule::k5424 : FieldRule::k3164Host, 255);
  app_ = make_field(&EncoderConfig::appname, rfc5424 ? FieldRule::k5424 : FieldRule::k3164Tag,
                    rfc5424 ? 48 : 32);
  procid_ = make_field(&EncoderConfig::procid, rfc5424 ? FieldRule::k5424 : FieldRule::k3164Procid, 128);
  msgid_ = make_field(&EncoderConfig::msgid, FieldRule::k5424, 32);
  append_sanitized(default_host_sanitized_, config_.default_hostname,
                   rfc5424 ? FieldRule::k5424 : FieldRule::k3164Host, 255);
  if (default_host_sanitized_.empty()) default_host_sanitized_ = rfc5424 ? "-" : "localhost";
  if (config_.use_labels) {
    if (config_.facility.is_constant()) constant_facility_ = facility_code(config_.facility.text());
    if (config_.severity.is_constant()) constant_severity_ = severity_code(config_.severity.text());
    if (config_.facility.is_constant() && config_.severity.is_constant()) {
      int f = constant_facility_ < 0 ? 1 : constant_facility_;
      int s = constant_severity_ < 0 ? 5 : constant_severity_;
      constant_pri_ = f * 8 + s;
    }
  }
  collect_header_fields();
}

void SyslogEncoder::collect_header_fields() {
  std::vector<const FieldPath*> paths;
  bool time_free = true;
  for (const Template* t : {&config_.facility, &config_.severity, &config_.priority,
                            &config_.sourcehost, &config_.appname, &config_.procid,
                            &config_.msgid, &config_.structured_data})
    time_free = t->collect_fields(paths) && time_free;
  for (const auto& param : config_.sd_params) time_free = param.second.collect_fields(paths) && time_free;
  header_cacheable_ = time_free;
  for (const FieldPath* p : paths) {
    bool seen = std::any_of(header_fields_.begin(), header_fields_.end(),
                            [p](const FieldPath& f) { return f.text() == p->text(); });
    if (!seen) header_fields_.push_back(*p);
  }
}

SyslogEncoder::HeaderField SyslogEncoder::make_field(Template EncoderConfig::*member, FieldRule rule,
                                                     std::size_t max_len) {
  const Template& t = config_.*member;
  HeaderField f;
  f.tmpl = member;
  f.rule = rule;
  f.max_len = max_len;
  f.constant = t.is_constant();
  if (f.constant) append_sanitized(f.constant_value, t.text(), rule, max_len);
  return f;
}

bool SyslogEncoder::append_field(const HeaderField& f, const Event& event, std::string& out) {
  if (f.constant) {
    out += f.constant_value;
    return !f.constant_value.empty();
  }
  scratch_.clear();
  (config_.*f.tmpl).render(event, scratch_);
  std::size_t before = out.size();
  if (append_sanitized(out, scratch_, f.rule, f.max_len)) ++stats_.sanitized_fields;
  return out.size() > before;
}

int SyslogEncoder::priority(const Event& event) {
  if (constant_pri_ >= 0) {
    // Count unknown constant labels per event too, so the metric tells how many were affected.
    if (constant_facility_ < 0) ++stats_.unknown_facility;
    if (constant_severity_ < 0) ++stats_.unknown_severity;
    return constant_pri_;
  }
  if (!config_.use_labels) {
    scratch_.clear();
    config_.priority.render(event, scratch_);
    int pri = parse_small_int(scratch_, 191);
    if (pri < 0) {
      ++stats_.invalid_priority;
      return 13;
    }
    return pri;
  }
  int f = constant_facility_;
  if (!config_.facility.is_constant()) {
    scratch_.clear();
    config_.facility.render(event, scratch_);
    f = facility_code(scratch_);
  }
  if (f < 0) {
    ++stats_.unknown_facility;
    f = 1;
  }
  int s = constant_severity_;
  if (!config_.severity.is_constant()) {
    scratch_.clear();
    config_.severity.render(event, scratch_);
    s = severity_code(scratch_);
  }
  if (s < 0) {
    ++stats_.unknown_severity;
    s = 5;
  }
  return f * 8 + s;
}

void SyslogEncoder::append_timestamp(const Event& event, std::string& out) {
  Timestamp ts;
  if (!event_timestamp(event, ts)) ts = clock_->now();
  int64_t second = ts.seconds();
  if (second != cached_second_) {
    CivilTime c = to_civil(ts);
    cached_time_.clear();
    if (config_.rfc == Rfc::k3164) {
      // Joda "MMM dd HH:mm:ss" in UTC, as Logstash: the day is zero-padded ("Apr 07").
      cached_time_ += kMonthAbbrev[c.month - 1];
      cached_time_ += ' ';
      append_2(cached_time_, c.day);
    } else {
      append_padded(cached_time_, c.year, 4);
      cached_time_ += '-';
      append_2(cached_time_, c.month);
      cached_time_ += '-';
      append_2(cached_time_, c.day);
      cached_time_ += 'T';
    }
    if (config_.rfc == Rfc::k3164) cached_time_ += ' ';
    append_2(cached_time_, c.hour);
    cached_time_ += ':';
    append_2(cached_time_, c.minute);
    cached_time_ += ':';
    append_2(cached_time_, c.second);
    cached_second_ = second;
  }
  out += cached_time_;
  if (config_.rfc == Rfc::k5424) {
    // ".SSS+00:00": Joda's SSS and ZZ in UTC.
    int64_t millis = (ts.ns - second * 1'000'000'000) / 1'000'000;
    out += '.';
    out.push_back(static_cast<char>('0' + millis / 100));
    out.push_back(static_cast<char>('0' + millis / 10 % 10));
    out.push_back(static_cast<char>('0' + millis % 10));
    out += "+00:00";
  }
}

void SyslogEncoder::append_structured_data(const Event& event, std::string& out) {
  std::size_t start = out.size();
  if (!config_.structured_data.empty()) {
    scratch_.clear();
    config_.structured_data.render(event, scratch_);
    if (!scratch_.empty() && scratch_ != "-") {
      if (is_valid_structured_data(scratch_)) {
        out += scratch_;
      } else {
        ++stats_.invalid_structured_data;
      }
    }
  }
  if (!config_.sd_id.empty()) {
    std::size_t element = out.size();
    out += '[';
    out += config_.sd_id;
    bool any = false;
    for (const auto& [name, tmpl] : config_.sd_params) {
      if (const FieldPath* path = tmpl.single_field(); path != nullptr && event.find(*path) == nullptr)
        continue;  // a missing field is left out rather than sent as "%{...}"
      scratch_.clear();
      tmpl.render(event, scratch_);
      out += ' ';
      out += name;
      out += "=\"";
      append_sd_param_value(out, scratch_);
      out += '"';
      any = true;
    }
    if (any) {
      out += ']';
    } else {
      out.resize(element);  // an element without params says nothing
    }
  }
  if (out.size() == start) out += '-';
}

namespace {
EncoderStats& operator+=(EncoderStats& a, const EncoderStats& b) {
  a.sanitized_fields += b.sanitized_fields;
  a.unknown_facility += b.unknown_facility;
  a.unknown_severity += b.unknown_severity;
  a.invalid_priority += b.invalid_priority;
  a.invalid_structured_data += b.invalid_structured_data;
  return a;
}

EncoderStats operator-(const EncoderStats& a, const EncoderStats& b) {
  return {a.sanitized_fields - b.sanitized_fields, a.unknown_facility - b.unknown_facility,
          a.unknown_severity - b.unknown_severity, a.invalid_priority - b.invalid_priority,
          a.invalid_structured_data - b.invalid_structured_data};
}

void close_key_entry(std::string& key, char kind, std::size_t start) {
  // Written after the value: its length goes in the 4 bytes reserved before it.
  uint32_t n = static_cast<uint32_t>(key.size() - start - 5);
  key[start] = kind;
  std::memcpy(&key[start + 1], &n, sizeof n);
}
}  // namespace

void SyslogEncoder::build_header_key(const Event& event, std::string& key) const {
  key.clear();
  for (const FieldPath& path : header_fields_) {
    std::size_t start = key.size();
    key.append(5, '\0');
    const Value* v = event.find(path);
    if (v == nullptr) {
      close_key_entry(key, 'm', start);  // missing: renders as its placeholder
    } else if (v->is_string()) {
      key += v->as_string();
      close_key_entry(key, 's', start);
    } else {
      append_text(key, *v);
      close_key_entry(key, 'v', start);
    }
  }
}

const SyslogEncoder::Header& SyslogEncoder::header_for(const Event& event) {
  if (!header_cacheable_) {
    render_header(event, uncached_);
    return uncached_;
  }
  build_header_key(event, header_key_);
  for (std::size_t n = 0; n < headers_used_; ++n) {
    std::size_t i = (last_hit_ + n) % headers_used_;  // the last one used is the likeliest
    if (headers_[i].key == header_key_) {
      last_hit_ = i;
      stats_ += headers_[i].counts;
      return headers_[i];
    }
  }
  std::size_t slot =
      headers_used_ < kHeaderCacheSize ? headers_used_++ : headers_next_++ % kHeaderCacheSize;
  Header& h = headers_[slot];
  h.key.assign(header_key_);
  render_header(event, h);
  last_hit_ = slot;
  return h;
}

void SyslogEncoder::render_header(const Event& event, Header& header) {
  EncoderStats before = stats_;
  header.pri = priority(event);
  std::string& out = header.text;
  out.clear();
  if (config_.rfc == Rfc::k5424) {
    if (!append_field(host_, event, out)) out += '-';
    out += ' ';
    if (!append_field(app_, event, out)) out += '-';
    out += ' ';
    if (!append_field(procid_, event, out)) out += '-';
    out += ' ';
    if (!append_field(msgid_, event, out)) out += '-';
    out += ' ';
    append_structured_data(event, out);
    out += ' ';
  } else {
    if (!append_field(host_, event, out)) out += default_host_sanitized_;
    out += ' ';
    append_field(app_, event, out);
    out += '[';
    if (!append_field(procid_, event, out)) out += '-';
    out += "]: ";
  }
  header.counts = stats_ - before;
}

void SyslogEncoder::encode(const Event& event, std::string& out) {
  const Header& header = header_for(event);
  int pri = header.pri;
  out += '<';
  if (pri >= 100) out.push_back(static_cast<char>('0' + pri / 100));
  if (pri >= 10) out.push_back(static_cast<char>('0' + pri / 10 % 10));
  out.push_back(static_cast<char>('0' + pri % 10));
  out += '>';
  if (config_.rfc == Rfc::k5424) out += "1 ";
  append_timestamp(event, out);
  out += ' ';
  out += header.text;
  append_message(event, out);
}

void SyslogEncoder::append_message(const Event& event, std::string& out) {
  scratch_.clear();
  const Template& msg = config_.message;
  if (const FieldPath* path = msg.single_field(); path != nullptr) {
    // The common "%{message}": escape straight from the event's string, no copy.
    const Value* v = event.find(*path);
    if (v != nullptr && v->is_string()) {
      append_escaped_message(out, v->as_string());
      return;
    }
  }
  msg.render(event, scratch_);
  append_escaped_message(out, scratch_);
}

}  // namespace logferry::sinks::syslog

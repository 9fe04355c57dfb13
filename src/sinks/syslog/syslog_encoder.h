// SyslogEncoder: renders events as RFC 3164 or RFC 5424 frames the way logstash-output-syslog
// does (same options, same bytes wherever its frame is valid), with the header fields made
// valid for their RFC so a receiver never misparses a frame. See docs/syslog_sink.md.
//
//   RFC 3164: <PRI>MMM dd HH:mm:ss HOSTNAME TAG[PROCID]: MSG
//   RFC 5424: <PRI>1 YYYY-MM-ddTHH:mm:ss.SSS+00:00 HOSTNAME APP-NAME PROCID MSGID SD MSG
//
// encode() appends one frame without framing (no trailing LF); the sink frames it. Allocation
// free once its scratch buffers and the output have grown. Not thread-safe (one per sink).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/event.h"
#include "core/result.h"
#include "template/template.h"

namespace logferry::sinks::syslog {

enum class Rfc { k3164, k5424 };

// Facility code for a label: RFC 5424 names ("local0", "authpriv", "cron"), the labels of
// logstash-output-syslog ("user-level", "security/authorization", "log audit", ...) and decimal
// codes "0".."23". Case-insensitive. -1 when unknown.
int facility_code(std::string_view label);
// "emergency"/"emerg", "alert", "critical"/"crit", "error"/"err", "warning"/"warn", "notice",
// "informational"/"info", "debug", or "0".."7". -1 when unknown.
int severity_code(std::string_view label);

// Which characters a header field may carry and how long it may be.
enum class FieldRule {
  k5424,         // PRINTUSASCII (33..126)
  k3164Host,     // what rsyslog's RFC 3164 parser takes as HOSTNAME: [A-Za-z0-9._-], ends alnum
  k3164Tag,      // printable, no space ':' '[' ']' '/' (they end the TAG or the program name)
  k3164Procid,   // printable, no space '[' ']'
};
// Appends `value` made valid: each disallowed character (a whole UTF-8 sequence counts as one)
// becomes '_', the result is cut to max_len. Returns true when it changed anything. Does not
// handle emptiness (callers substitute "-" or a default).
bool append_sanitized(std::string& out, std::string_view value, FieldRule rule, std::size_t max_len);

// The MSG transformation of logstash-output-syslog: rstrip (whitespace and NUL), "\r\n" -> "\n",
// then every "\n" -> the two characters '\' 'n'.
void append_escaped_message(std::string& out, std::string_view message);

// RFC 5424 §6.3.3: '"', '\' and ']' in a PARAM-VALUE are escaped with a backslash; a LF is
// written as "\n" (two characters) so newline framing holds.
void append_sd_param_value(std::string& out, std::string_view value);
// True when s is NILVALUE or 1*SD-ELEMENT per RFC 5424 §6.3 (names, '=', quoting, escapes),
// and has no LF (which RFC 5424 allows in a value but which would break newline framing).
bool is_valid_structured_data(std::string_view s);
// True for a valid SD-ID / PARAM-NAME: 1..32 PRINTUSASCII except '=', SP, ']', '"'.
bool is_valid_sd_name(std::string_view s);

// Cuts a frame to at most max_bytes without splitting a UTF-8 sequence. Returns the new size.
std::size_t utf8_truncated_size(std::string_view frame, std::size_t max_bytes);

struct EncoderConfig {
  Rfc rfc = Rfc::k3164;
  bool use_labels = true;
  Template facility, severity, priority;
  Template sourcehost, appname, procid, msgid, message, structured_data;
  // An SD-ELEMENT built from fields with proper escaping: [sd_id name="value" ...]. Params whose
  // value is a single missing field are left out.
  std::string sd_id;
  std::vector<std::pair<std::string, Template>> sd_params;
  // RFC 3164 needs a HOSTNAME; used when sourcehost renders empty.
  std::string default_hostname = "localhost";
};

// Per-sink counts of what the encoder had to fix; the sink publishes them as metrics.
struct EncoderStats {
  uint64_t sanitized_fields = 0;   // header fields changed to fit their RFC
  uint64_t unknown_facility = 0;   // label not found -> 1 (user-level), as Logstash
  uint64_t unknown_severity = 0;   // label not found -> 5 (notice), as Logstash
  uint64_t invalid_priority = 0;   // use_labels false and not an integer 0..191 -> 13
  uint64_t invalid_structured_data = 0;  // structured_data not valid RFC 5424 SD -> "-"
};

class SyslogEncoder {
 public:
  SyslogEncoder(EncoderConfig config, const Clock& clock);

  // Appends the frame for `event` (no framing).
  void encode(const Event& event, std::string& out);
  const EncoderStats& stats() const { return stats_; }
  Rfc rfc() const { return config_.rfc; }

 private:
  struct HeaderField {
    Template EncoderConfig::*tmpl = nullptr;  // member pointer: the encoder stays movable
    FieldRule rule = FieldRule::k5424;
    std::size_t max_len = 0;
    bool constant = false;
    std::string constant_value;  // already sanitized, "" when empty
  };
  // PRI and the header after the timestamp ("HOST APP PROCID MSGID SD " in RFC 5424,
  // "HOST TAG[PROCID]: " in RFC 3164) depend only on a few fields, and those are the same for
  // every line of one container: the last few combinations are kept rendered.
  struct Header {
    std::string key;      // the header fields' values, each length-prefixed
    int pri = 0;
    std::string text;
    EncoderStats counts;  // what rendering it counted; counted again each time it is used
  };
  static constexpr std::size_t kHeaderCacheSize = 8;

  HeaderField make_field(Template EncoderConfig::*t, FieldRule rule, std::size_t max_len);
  void collect_header_fields();
  const Header& header_for(const Event& event);
  void build_header_key(const Event& event, std::string& key) const;
  void render_header(const Event& event, Header& header);
  void append_message(const Event& event, std::string& out);
  // Appends the field; returns false when it rendered empty (nothing appended).
  bool append_field(const HeaderField& f, const Event& event, std::string& out);
  int priority(const Event& event);
  void append_timestamp(const Event& event, std::string& out);
  void append_structured_data(const Event& event, std::string& out);

  EncoderConfig config_;
  const Clock* clock_;
  HeaderField host_, app_, procid_, msgid_;
  int constant_pri_ = -1;  // facility and severity are constants
  int constant_facility_ = -1, constant_severity_ = -1;
  std::string default_host_sanitized_;
  std::string scratch_;
  std::vector<FieldPath> header_fields_;
  bool header_cacheable_ = false;  // false when a header template formats the time
  std::string header_key_;
  Header headers_[kHeaderCacheSize];
  std::size_t headers_used_ = 0, headers_next_ = 0, last_hit_ = 0;
  Header uncached_;
  // RFC 3164 "MMM dd HH:mm:ss" / RFC 5424 "YYYY-MM-ddTHH:mm:ss" of cached_second_.
  int64_t cached_second_ = INT64_MIN;
  std::string cached_time_;
  EncoderStats stats_;
};

}  // namespace logferry::sinks::syslog

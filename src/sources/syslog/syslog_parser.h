// Syslog message parsers: RFC 5424 and RFC 3164 (with the variants real senders produce),
// auto-detected per message. Pure functions over a string_view: every field is a view into
// the text (which must outlive the batch: copy the frame into the arena first); only
// structured-data values with escapes and the SD objects themselves are allocated, in the arena.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/arena.h"
#include "core/event.h"
#include "core/value.h"

namespace logferry::sources::syslog {

enum class SyslogFormat : uint8_t { kRfc5424, kRfc3164, kMalformed };

// What a parser found. Empty views are absent fields (5424's NILVALUE "-" is absent too).
struct SyslogFields {
  int pri = 13;  // RFC 3164 §4.3.3: no PRI means user.notice
  std::string_view host, appname, procid, msgid, message;
  std::optional<Timestamp> timestamp;
  Object* structured_data = nullptr;  // SD-ID -> {PARAM: value}; null when "-"
};

// "<PRI>" at the start of text: the value 0..191 and the bytes used, or nullopt.
std::optional<int> parse_pri(std::string_view text, std::size_t& consumed);

// True when text looks like RFC 5424: <PRI>VERSION SP (TIMESTAMP | "-").
bool looks_like_rfc5424(std::string_view text);

// Strict RFC 5424 (lenient on field lengths). False on a syntax error; `out` is then partial.
bool parse_rfc5424(std::string_view text, Arena& arena, SyslogFields& out);

// RFC 3164 and its variants. Always fills `out` (the rest of the text becomes `message`);
// returns false when neither a PRI nor a timestamp was recognised (counted as malformed).
// `now` is the receive time: timestamps without a year take the year that puts them no more
// than 30 days into the future of `now` (so Dec 31 received on Jan 1 is last year's).
bool parse_rfc3164(std::string_view text, Timestamp now, SyslogFields& out);

// Detects the format, parses, and appends the fields to `e`: host, appname, procid, msgid,
// facility, severity, facility_label, severity_label, @timestamp (the receive time `now` when
// the message has none), structured_data, message. Absent header fields are not appended.
// Unparseable text still becomes an event: `message` holds the whole text, kMalformed is
// returned. Trailing LF, CR and NUL are removed first. A message without a hostname gets
// `default_host` (the sender's address) when that is not empty.
SyslogFormat parse_syslog(std::string_view text, Event& e, Timestamp now,
                          std::string_view default_host = {});

std::string_view facility_label(int facility);
std::string_view severity_label(int severity);

}  // namespace logferry::sources::syslog

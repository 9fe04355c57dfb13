// Reading times as Logstash's date filter does (Joda-Time): Joda patterns ("dd/MMM/yyyy:HH:mm:ss
// Z"), ISO 8601 in the forms Joda's ISO parser takes, and time zones from the system's tz
// database (/usr/share/zoneinfo, through abseil's time library), with their historical rules.
// Results have Joda's millisecond precision.
//
// Example:
//   auto p = TimeParser::compile("MMM dd HH:mm:ss");
//   auto zone = load_time_zone("Europe/Paris");
//   std::optional<Timestamp> t = p->parse("Mar 27 03:00:01", *zone, clock.now());
#pragma once

#include <absl/time/time.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "template/joda_pattern.h"

namespace logferry {

// Joda's DateTimeZone.forID: "UTC", IANA names ("America/New_York", "CET"), offsets "+01:00".
std::optional<absl::TimeZone> load_time_zone(std::string_view id);

// A local time in `zone`; nothing inside a DST gap (Joda refuses those); the earlier instant
// when it is repeated (Joda's choice).
std::optional<Timestamp> to_instant(const absl::CivilSecond& local, int millis, const absl::TimeZone& zone);

// Logstash's "ISO8601": Joda's ISODateTimeFormat.dateTimeParser() (yyyy[-MM[-dd]], then
// optionally T and HH[:mm[:ss[.fraction]]], "," or "." before the fraction, then an optional
// Z / +HH / +HH:mm / +HHmm), plus "yyyy-MM-dd HH:mm:ss.SSS" with an optional offset and "," or
// "." (the space forms need the fraction, as in Logstash). `zone` applies without an offset.
std::optional<Timestamp> parse_iso8601(std::string_view text, const absl::TimeZone& zone);

// A compiled Joda pattern for parsing. Letters: y Y u (year; yy is two-digit), M (MM number,
// MMM/MMMM English names, either accepted), d, D, H, k, K, h, m, s, S (fraction), a (AM/PM),
// E (English day names), Z/ZZ (offset, or "Z"), ZZZ (a zone id). Text is matched
// case-insensitively, as Joda does. Not thread-safe only in that it is immutable: share freely.
class TimeParser {
 public:
  static Result<TimeParser> compile(std::string_view pattern);
  // The whole text must match. `zone` applies when the text has no zone; `now` gives the year
  // when the pattern has none (December events read in January belong to last year, and
  // January events read in December to next year).
  std::optional<Timestamp> parse(std::string_view text, const absl::TimeZone& zone, Timestamp now) const;
  bool has_year() const { return has_year_; }

 private:
  std::vector<JodaToken> tokens_;
  std::vector<int> max_digits_;  // per token: how many digits a number may take
  bool has_year_ = false;
};

}  // namespace logferry

// Calendar arithmetic and RFC 3339 parsing/formatting without <ctime> locales or time zones:
// every timestamp logferry reads or prints is UTC or carries its own offset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/value.h"

namespace logferry {

struct CivilTime {
  int year;
  int month;   // 1..12
  int day;     // 1..31
  int hour, minute, second;
  int nanos;   // 0..999'999'999
  int weekday; // 0 = Sunday
  int yday;    // 1..366
};

int64_t days_from_civil(int y, unsigned m, unsigned d);
CivilTime to_civil(Timestamp t);
Timestamp from_civil(int year, int month, int day, int hour, int minute, int second, int nanos);

// RFC 3339 / ISO 8601: 2016-10-06T00:17:09.669794202Z, ...+02:00, lowercase t/z, or a space
// instead of T. Up to 9 fraction digits are kept, more are ignored.
std::optional<Timestamp> parse_rfc3339(std::string_view s);

// 2016-10-06T00:17:09.669Z (Logstash's Timestamp#toString: millisecond precision, UTC).
void append_iso8601_millis(std::string& out, Timestamp t);
// The same 24 bytes written at p; returns their end. An int64 nanosecond timestamp's year
// (1677..2262) always has four digits.
inline constexpr std::size_t kIso8601MillisSize = 24;
char* format_iso8601_millis(char* p, Timestamp t);
// Fixed-width digits into out.
void append_padded(std::string& out, int64_t value, int width);

extern const char* const kMonthAbbrev[12];  // "Jan".."Dec"
extern const char* const kMonthName[12];
extern const char* const kWeekdayAbbrev[7];  // "Sun".."Sat"
extern const char* const kWeekdayName[7];

}  // namespace logferry

#include "template/time_parse.h"

#include <algorithm>

#include <absl/time/civil_time.h>

#include <cstdint>

#include "core/time_util.h"

namespace logferry {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
bool digit(char c) { return c >= '0' && c <= '9'; }

// The text being read and where we are in it.
struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  // Joda matches literals ignoring case.
  bool literal(std::string_view text) {
    if (s.size() - i < text.size()) return false;
    for (std::size_t k = 0; k < text.size(); ++k)
      if (lower(s[i + k]) != lower(text[k])) return false;
    i += text.size();
    return true;
  }
  // Digits kept in a value: more would overflow int64 (a pattern may ask for 30 fraction digits).
  static constexpr int kMaxKeptDigits = 18;
  // 1..max digits; `digits` says how many were read. Digits past the 18th are consumed but
  // not added to `out`.
  bool number(int max, int64_t& out, int* digits = nullptr) {
    int n = 0;
    out = 0;
    while (n < max && !done() && digit(s[i])) {
      if (n < kMaxKeptDigits) out = out * 10 + (s[i] - '0');
      ++i;
      ++n;
    }
    if (digits != nullptr) *digits = n;
    return n > 0;
  }
  bool signed_number(int max, int64_t& out) {
    bool negative = false;
    if (peek() == '-' || peek() == '+') negative = s[i++] == '-';
    if (!number(max, out)) return false;
    if (negative) out = -out;
    return true;
  }
  // Up to `max` fraction digits, as milliseconds (Joda keeps three).
  bool fraction(int max, int& millis) {
    int64_t v = 0;
    int n = 0;
    if (!number(max, v, &n)) return false;
    n = std::min(n, kMaxKeptDigits);  // the digits that are in v
    for (; n < 3; ++n) v *= 10;
    for (; n > 3; --n) v /= 10;
    millis = static_cast<int>(v);
    return true;
  }
  // Z, or +HH:mm / +HHmm (hours and minutes both required, as Joda's offset parser asks).
  bool offset(int& seconds) {
    if (peek() == 'Z' || peek() == 'z') {
      ++i;
      seconds = 0;
      return true;
    }
    if (peek() != '+' && peek() != '-') return false;
    int sign = s[i++] == '-' ? -1 : 1;
    int64_t h = 0, m = 0;
    int n = 0;
    if (!number(2, h, &n) || n != 2 || h > 23) return false;
    if (peek() == ':') ++i;
    if (!number(2, m, &n) || n != 2 || m > 59) return false;
    seconds = sign * static_cast<int>(h * 3600 + m * 60);
    return true;
  }
  // The longest of `names` (English month or day names, either form) at the cursor: index.
  int name(const char* const* full, const char* const* abbrev, int count) {
    for (const char* const* list : {full, abbrev}) {
      for (int k = 0; k < count; ++k)
        if (literal(list[k])) return k;
    }
    return -1;
  }
};

std::optional<Timestamp> from_time(absl::Time t, int millis) {
  int64_t sec = absl::ToUnixSeconds(t);
  if (sec < -9'000'000'000 || sec > 9'000'000'000) return std::nullopt;  // beyond int64 ns
  return Timestamp{sec * 1'000'000'000 + int64_t{millis} * 1'000'000};
}

// Fields of a time as they are read; what the text did not give keeps its default.
struct Fields {
  int64_t year = 1970;
  int64_t month = 1, day = 1, day_of_year = 0;
  int64_t hour = 0, minute = 0, second = 0;
  int64_t hour12 = -1;  // h or K
  int pm = -1;          // a
  int weekday = -1;     // E: 0 = Sunday, as kWeekdayName
  int millis = 0;
  std::optional<int> offset;
  std::optional<absl::TimeZone> zone;
};

std::optional<Timestamp> resolve(const Fields& f, const absl::TimeZone& default_zone) {
  int64_t hour = f.hour;
  if (f.hour12 >= 0) hour = f.hour12 % 12 + (f.pm == 1 ? 12 : 0);
  if (f.month < 1 || f.month > 12 || hour > 23 || f.minute > 59 || f.second > 59) return std::nullopt;
  absl::CivilDay day(f.year, static_cast<int>(f.month), static_cast<int>(f.day));
  if (f.day_of_year > 0) {
    day = absl::CivilDay(f.year, 1, 1) + (f.day_of_year - 1);
    if (day.year() != f.year) return std::nullopt;
  } else if (day.month() != f.month || day.day() != f.day) {  // Feb 30 was normalised
    return std::nullopt;
  }
  if (f.weekday >= 0) {  // Joda sets the day of week last: within the same Monday-based week
    int current = static_cast<int>(absl::GetWeekday(day)) + 1;  // ISO: Monday 1 .. Sunday 7
    int wanted = f.weekday == 0 ? 7 : f.weekday;
    day += wanted - current;
  }
  absl::CivilSecond local(day.year(), day.month(), day.day(), static_cast<int>(hour),
                          static_cast<int>(f.minute), static_cast<int>(f.second));
  if (f.offset) return from_time(absl::FromCivil(local, absl::UTCTimeZone()) - absl::Seconds(*f.offset), f.millis);
  return to_instant(local, f.millis, f.zone ? *f.zone : default_zone);
}

bool zone_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || digit(c) || c == '/' || c == '_' ||
         c == '-' || c == '+';
}

int64_t two_digit_year(int64_t yy, int64_t now_year) {
  // Joda's appendTwoDigitYear(now - 30): the century puts the year in [now-80, now+19].
  int64_t low = now_year - 80;
  int64_t year = low - ((low % 100 + 100) % 100) + yy;
  return year < low ? year + 100 : year;
}

}  // namespace

std::optional<absl::TimeZone> load_time_zone(std::string_view id) {
  if (id.empty()) return std::nullopt;
  if (id.front() == '+' || id.front() == '-') {
    Cursor c{id};
    int64_t h = 0, m = 0;
    int sign = id.front() == '-' ? -1 : 1;
    ++c.i;
    int n = 0;
    if (!c.number(2, h, &n) || n != 2 || h > 23) return std::nullopt;
    if (c.peek() == ':') ++c.i;
    if (!c.done() && (!c.number(2, m, &n) || n != 2 || m > 59)) return std::nullopt;
    if (!c.done()) return std::nullopt;
    return absl::FixedTimeZone(sign * static_cast<int>(h * 3600 + m * 60));
  }
  // Names only: no paths into or out of the zoneinfo tree.
  if (id.front() == '/' || id.find("..") != std::string_view::npos) return std::nullopt;
  for (char c : id)
    if (!zone_id_char(c)) return std::nullopt;
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(id), &zone)) return std::nullopt;
  return zone;
}

std::optional<Timestamp> to_instant(const absl::CivilSecond& local, int millis, const absl::TimeZone& zone) {
  absl::TimeZone::TimeInfo info = zone.At(local);
  if (info.kind == absl::TimeZone::TimeInfo::SKIPPED) return std::nullopt;
  return from_time(info.pre, millis);  // UNIQUE, or the earlier of a REPEATED pair
}

std::optional<Timestamp> parse_iso8601(std::string_view text, const absl::TimeZone& zone) {
  Cursor c{text};
  Fields f;
  if (!c.signed_number(9, f.year)) return std::nullopt;
  if (c.literal("-")) {
    if (!c.number(2, f.month)) return std::nullopt;
    if (c.literal("-") && !c.number(2, f.day)) return std::nullopt;
  }
  if (c.done()) return resolve(f, zone);
  bool space = c.peek() == ' ';
  if (!c.literal("T") && !c.literal(" ")) return std::nullopt;
  int digits = 0;
  if (!c.number(2, f.hour)) {  // "2013-01-01T" is a date
    if (space || !c.done()) return std::nullopt;
    return resolve(f, zone);
  }
  if (c.literal(":")) {
    if (!c.number(2, f.minute)) return std::nullopt;
    if (c.literal(":")) {
      if (!c.number(2, f.second)) return std::nullopt;
      if (c.peek() == '.' || c.peek() == ',') {
        ++c.i;
        if (!c.fraction(space ? 3 : 9, f.millis)) return std::nullopt;
        digits = 1;
      }
    }
  }
  // "yyyy-MM-dd HH:mm:ss.SSS[Z]": the space forms of Logstash's list need every field.
  if (space && digits == 0) return std::nullopt;
  if (!c.done()) {
    int seconds = 0;
    if (!c.offset(seconds)) return std::nullopt;
    f.offset = seconds;
  }
  if (!c.done()) return std::nullopt;
  return resolve(f, zone);
}

Result<TimeParser> TimeParser::compile(std::string_view pattern) {
  auto tokens = tokenize_joda(pattern, "yYuMdDHkKhmsSaEZ");
  if (!tokens) return unexpected(tokens.error());
  TimeParser p;
  p.tokens_ = std::move(*tokens);
  for (std::size_t k = 0; k < p.tokens_.size(); ++k) {
    const JodaToken& t = p.tokens_[k];
    bool next_numeric = k + 1 < p.tokens_.size() && joda_numeric(p.tokens_[k + 1]);
    int max = 2;
    switch (t.letter) {
      case 'y': case 'Y': case 'u':
        p.has_year_ = true;
        max = t.count == 2 ? 2 : (next_numeric ? t.count : 9);  // yyyyMMdd: fixed width
        break;
      case 'D': max = 3; break;
      case 'S': max = t.count; break;
      default: break;
    }
    p.max_digits_.push_back(max);
  }
  return p;
}

std::optional<Timestamp> TimeParser::parse(std::string_view text, const absl::TimeZone& zone,
                                           Timestamp now) const {
  CivilTime today = to_civil(now);
  Cursor c{text};
  Fields f;
  f.year = today.year;
  for (std::size_t k = 0; k < tokens_.size(); ++k) {
    const JodaToken& t = tokens_[k];
    int max = max_digits_[k];
    bool ok = true;
    int64_t n = 0;
    switch (t.letter) {
      case 0: ok = c.literal(t.literal); break;
      case 'y': case 'Y': case 'u': {
        int digits = 0;
        std::size_t start = c.i;
        ok = t.count == 2 ? c.number(2, n, &digits) : c.signed_number(max, n);
        if (ok) f.year = t.count == 2 && digits == 2 && c.i - start == 2 ? two_digit_year(n, today.year) : n;
        break;
      }
      case 'M':
        if (t.count >= 3) {
          int m = c.name(kMonthName, kMonthAbbrev, 12);
          ok = m >= 0;
          f.month = m + 1;
        } else {
          ok = c.number(max, f.month);
        }
        break;
      case 'd': ok = c.number(max, f.day); break;
      case 'D': ok = c.number(max, f.day_of_year) && f.day_of_year >= 1; break;
      case 'H': ok = c.number(max, f.hour); break;
      case 'k': ok = c.number(max, n) && n >= 1 && n <= 24; f.hour = n % 24; break;
      case 'K': ok = c.number(max, f.hour12) && f.hour12 <= 11; break;
      case 'h': ok = c.number(max, f.hour12) && f.hour12 >= 1 && f.hour12 <= 12; break;
      case 'm': ok = c.number(max, f.minute); break;
      case 's': ok = c.number(max, f.second); break;
      case 'S': ok = c.fraction(max, f.millis); break;
      case 'a':
        if (c.literal("AM")) {
          f.pm = 0;
        } else if (c.literal("PM")) {
          f.pm = 1;
        } else {
          ok = false;
        }
        break;
      case 'E': f.weekday = c.name(kWeekdayName, kWeekdayAbbrev, 7); ok = f.weekday >= 0; break;
      case 'Z':
        if (t.count <= 2) {
          int seconds = 0;
          ok = c.offset(seconds);
          f.offset = seconds;
        } else {
          std::size_t start = c.i;
          while (!c.done() && zone_id_char(c.peek())) ++c.i;
          f.zone = load_time_zone(text.substr(start, c.i - start));
          ok = f.zone.has_value();
        }
        break;
      default: ok = false; break;
    }
    if (!ok) return std::nullopt;
  }
  if (!c.done()) return std::nullopt;
  if (!has_year_) {  // Logstash's year guess for "MMM dd HH:mm:ss" syslog stamps
    if (f.month == 12 && today.month == 1) {
      f.year = today.year - 1;
    } else if (f.month == 1 && today.month == 12) {
      f.year = today.year + 1;
    }
  }
  return resolve(f, zone);
}

}  // namespace logferry

// Fuzzes the date filter's parsers: the first line is a Joda pattern, the second a zone name,
// the rest the text. Every format (ISO8601, UNIX, UNIX_MS, TAI64N, the pattern) reads the text
// and a JSON-style exact decimal of it. Nothing may crash, hang or overflow (UBSan), and a
// round trip must hold: what TimeFormat writes with a pattern, TimeParser reads back (for
// patterns both support, with four-digit years and no zone names, where the text is unique).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "template/joda_pattern.h"
#include "template/time_format.h"
#include "template/time_parse.h"
#include "transforms/date/date_transform.h"

using namespace logferry;

namespace {

// Patterns whose formatted text determines the instant again (in UTC, to the millisecond):
// fixed-width numbers (yyyy, MM, dd, HH, mm, ss, SSS+), English month names, and literals with
// no letters or digits, so no field can swallow its neighbour.
bool round_trips(std::string_view pattern) {
  auto tokens = tokenize_joda(pattern, kJodaLetters);
  if (!tokens) return false;
  std::string seen;
  for (const JodaToken& t : *tokens) {
    switch (t.letter) {
      case 0:
        for (char c : t.literal)
          if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '\'') return false;
        break;
      case 'y': if (t.count != 4) return false; break;
      case 'M': if (t.count < 2) return false; break;
      case 'd': case 'H': case 'm': case 's': if (t.count != 2) return false; break;
      case 'S': if (t.count < 3) return false; break;
      default: return false;
    }
    seen += t.letter;
  }
  for (char need : {'y', 'M', 'd', 'H', 'm', 's'})
    if (seen.find(need) == std::string::npos) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto nl1 = input.find('\n');
  std::string_view pattern = input.substr(0, nl1);
  std::string_view rest = nl1 == std::string_view::npos ? std::string_view() : input.substr(nl1 + 1);
  auto nl2 = rest.find('\n');
  std::string_view zone_name = rest.substr(0, nl2);
  std::string_view text = nl2 == std::string_view::npos ? std::string_view() : rest.substr(nl2 + 1);

  absl::TimeZone zone = load_time_zone(zone_name).value_or(absl::UTCTimeZone());
  const Timestamp now{1'700'000'000'000'000'000};
  (void)parse_iso8601(text, zone);
  (void)transforms::parse_tai64n(text);
  (void)transforms::parse_unix(Value::string(text));
  (void)transforms::parse_unix_ms(Value::string(text));
  (void)transforms::parse_unix(Value::decimal(text));
  (void)transforms::parse_unix_ms(Value::decimal(text));

  auto parser = TimeParser::compile(pattern);
  if (!parser) return 0;
  (void)parser->parse(text, zone, now);

  auto format = TimeFormat::compile(pattern);
  if (!format || !round_trips(pattern)) return 0;
  // A fixed instant formatted and read back in UTC.
  const Timestamp t{1'234'567'890'123'000'000};
  std::string written;
  format->append(written, t);
  auto back = parser->parse(written, absl::UTCTimeZone(), now);
  bool millis = pattern.find('S') != std::string_view::npos;
  Timestamp expected{millis ? t.ns : t.ns - t.ns % 1'000'000'000};
  if (!back || back->ns != expected.ns) std::abort();
  return 0;
}

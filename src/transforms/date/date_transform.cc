#include "transforms/date/date_transform.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace logferry::transforms {

namespace {

constexpr int64_t kMaxEpochSeconds = std::numeric_limits<int32_t>::max();  // Logstash's limit
constexpr int64_t kMaxEpochMillis = kMaxEpochSeconds * 1000;

std::optional<Timestamp> from_millis(int64_t ms) {
  if (ms > INT64_MAX / 1'000'000 || ms < INT64_MIN / 1'000'000) return std::nullopt;
  return Timestamp{ms * 1'000'000};
}

// Java's Long.parseLong: an optional sign and decimal digits, nothing else.
bool parse_long(std::string_view s, int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// The leading digits of `s` (up to three) as milliseconds, "4" -> 400.
bool fraction_millis(std::string_view digits, int64_t& ms) {
  digits = digits.substr(0, 3);
  ms = 0;
  if (digits.empty()) return true;
  int64_t v = 0;
  if (!parse_long(digits, v) || v < 0 || digits.front() == '-') return false;
  for (std::size_t n = digits.size(); n < 3; ++n) v *= 10;
  ms = v;
  return true;
}

std::optional<Timestamp> unix_seconds(int64_t seconds, int64_t extra_ms) {
  if (seconds > kMaxEpochSeconds) return std::nullopt;
  return from_millis(seconds * 1000 + extra_ms);
}

std::optional<Timestamp> unix_double(double d) {
  if (!std::isfinite(d) || d > 9e15 || d < -9e15) return std::nullopt;
  if (static_cast<int64_t>(d) > kMaxEpochSeconds) return std::nullopt;
  return from_millis(static_cast<int64_t>(d * 1000));
}

// UnixEpochParser.parse(String): "seconds[.digits]", the first three digits kept.
std::optional<Timestamp> unix_text(std::string_view s) {
  int64_t seconds = 0, ms = 0;
  auto dot = s.find('.');
  if (dot == std::string_view::npos) {
    if (!parse_long(s, seconds)) return std::nullopt;
    return unix_seconds(seconds, 0);
  }
  if (!parse_long(s.substr(0, dot), seconds) || !fraction_millis(s.substr(dot + 1), ms)) return std::nullopt;
  return unix_seconds(seconds, ms);
}

// A JSON number kept exact (BigDecimal): value * 1000 truncated, as scaleByPowerOfTen(3).
std::optional<Timestamp> unix_decimal(std::string_view s, bool seconds) {
  if (s.find_first_of("eE") != std::string_view::npos) {  // rare: exponent form
    double d = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), d);
    if (r.ec != std::errc()) return std::nullopt;
    if (seconds) return unix_double(d);
    if (d > static_cast<double>(kMaxEpochMillis) || d < -9e15) return std::nullopt;
    return from_millis(static_cast<int64_t>(d));
  }
  bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  auto dot = s.find('.');
  int64_t whole = 0, ms = 0;
  if (!parse_long(s.substr(0, dot), whole)) return std::nullopt;
  if (!seconds) {
    if (whole > kMaxEpochMillis) return std::nullopt;
    return from_millis(negative ? -whole : whole);
  }
  if (dot != std::string_view::npos && !fraction_millis(s.substr(dot + 1), ms)) return std::nullopt;
  if (!negative && whole > kMaxEpochSeconds) return std::nullopt;
  if (whole > INT64_MAX / 1000 - 1) return std::nullopt;
  int64_t total = whole * 1000 + ms;
  return from_millis(negative ? -total : total);
}

bool english_locale(const std::string& locale) {
  if (locale.empty()) return true;
  if (locale.size() < 2 || (locale[0] != 'e' && locale[0] != 'E') || (locale[1] != 'n' && locale[1] != 'N'))
    return false;
  return locale.size() == 2 || locale[2] == '-' || locale[2] == '_';
}

Result<DateTransform::Parser> compile_format(const std::string& format) {
  using F = DateTransform::Format;
  if (format == "ISO8601") return DateTransform::Parser{F::kIso8601, std::nullopt};
  if (format == "UNIX") return DateTransform::Parser{F::kUnix, std::nullopt};
  if (format == "UNIX_MS") return DateTransform::Parser{F::kUnixMs, std::nullopt};
  if (format == "TAI64N") return DateTransform::Parser{F::kTai64n, std::nullopt};
  auto joda = TimeParser::compile(format);
  if (!joda) return unexpected(joda.error());
  return DateTransform::Parser{F::kJoda, std::move(*joda)};
}

}  // namespace

std::optional<Timestamp> parse_unix(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kInt: return unix_seconds(v.as_int(), 0);
    case Value::Kind::kDouble: return unix_double(v.as_double());
    case Value::Kind::kDecimal: return unix_decimal(v.as_string(), true);
    case Value::Kind::kString: return unix_text(v.as_string());
    default: return std::nullopt;
  }
}

std::optional<Timestamp> parse_unix_ms(const Value& v) {
  int64_t ms = 0;
  switch (v.kind()) {
    case Value::Kind::kInt: return from_millis(v.as_int());
    case Value::Kind::kDouble: {
      double d = v.as_double();
      if (!std::isfinite(d) || d > 9e15 || d < -9e15) return std::nullopt;
      return from_millis(static_cast<int64_t>(d));
    }
    case Value::Kind::kDecimal: return unix_decimal(v.as_string(), false);
    case Value::Kind::kString:
      if (!parse_long(v.as_string(), ms)) return std::nullopt;
      return from_millis(ms);
    default: return std::nullopt;
  }
}

// TAI64N (cr.yp.to/libtai/tai64.html): "@" optional, 16 hex digits of seconds since 2^62,
// 8 of nanoseconds; Logstash subtracts a fixed 10 s of TAI-UTC offset and keeps milliseconds.
std::optional<Timestamp> parse_tai64n(std::string_view s) {
  if (!s.empty() && s.front() == '@') s.remove_prefix(1);
  if (s.size() < 24) return std::nullopt;
  int64_t seconds = 0;
  int32_t nanos = 0;
  auto r1 = std::from_chars(s.data(), s.data() + 16, seconds, 16);
  auto r2 = std::from_chars(s.data() + 16, s.data() + 24, nanos, 16);
  if (r1.ec != std::errc() || r1.ptr != s.data() + 16 || r2.ec != std::errc() || r2.ptr != s.data() + 24 ||
      seconds < 0 || nanos < 0)
    return std::nullopt;
  seconds = (seconds & ((int64_t{1} << 62) - 1)) - 10;
  if (seconds > INT64_MAX / 1000 - 1000) return std::nullopt;
  return from_millis(seconds * 1000 + nanos / 1'000'000);
}

void DateTransform::describe(config::Schema<Options>& s) {
  s.field("match", &Options::match)
      .required()
      .doc("[field, format, ...]: the field to read, then formats tried in order: ISO8601, UNIX, "
           "UNIX_MS, TAI64N or a Joda pattern such as \"dd/MMM/yyyy:HH:mm:ss Z\".");
  s.field("timezone", &Options::timezone)
      .doc("Zone for times without an offset: a tz database name (\"Europe/Paris\"), \"UTC\", an "
           "offset (\"+01:00\"), or a template (\"%{tz}\") read per event. Default: the system's.");
  s.field("locale", &Options::locale)
      .doc("Language of month and day names; English (en, en-US, ...) is the one supported.");
  s.field("target", &Options::target).doc("Field that receives the timestamp.");
  s.field("tag_on_failure", &Options::tag_on_failure)
      .doc("Tags added when no format matches.");
  describe_common(s);
  s.check([](const Options& o, config::CheckContext& ctx) {
    if (o.match.size() < 2) {
      ctx.error("match", "must hold a field name and at least one format");
    } else {
      for (std::size_t i = 1; i < o.match.size(); ++i)
        if (auto p = compile_format(o.match[i]); !p) ctx.error("match", p.error().message);
    }
    if (!o.timezone.empty() && o.timezone.find("%{") == std::string::npos && !load_time_zone(o.timezone))
      ctx.error("timezone", "unknown time zone '" + o.timezone + "'");
    if (auto t = Template::compile(o.timezone); !t) ctx.error("timezone", t.error().message);
    if (!english_locale(o.locale))
      ctx.error("locale", "'" + o.locale + "': only English month and day names are supported");
    if (o.target.empty()) ctx.error("target", "must name a field");
  });
}

Result<std::unique_ptr<Transform>> DateTransform::build(const Options& o, BuildContext& ctx) {
  if (o.match.size() < 2)
    return unexpected(ErrorCode::kInvalidArgument, "match: must hold a field name and a format");
  std::vector<Parser> parsers;
  for (std::size_t i = 1; i < o.match.size(); ++i) {
    auto p = compile_format(o.match[i]);
    if (!p) return unexpected(ErrorCode::kInvalidArgument, "match: " + p.error().message);
    parsers.push_back(std::move(*p));
  }
  auto zone_template = Template::compile(o.timezone);
  if (!zone_template) return unexpected(ErrorCode::kInvalidArgument, "timezone: " + zone_template.error().message);
  std::optional<absl::TimeZone> zone;
  if (o.timezone.empty()) {
    zone = absl::LocalTimeZone();  // Logstash: the JVM's default zone
  } else if (zone_template->is_constant()) {
    zone = load_time_zone(o.timezone);
    if (!zone) return unexpected(ErrorCode::kInvalidArgument, "timezone: unknown time zone '" + o.timezone + "'");
  }
  auto decorations = Decorations::compile(o);
  if (!decorations) return unexpected(decorations.error());
  Counter& failures = ctx.metrics.counter("logferry_date_failures_total",
                                          "Events whose date matched none of the formats", ctx.labels());
  auto t = std::make_unique<DateTransform>(o, std::move(parsers), std::move(*zone_template), zone,
                                           ctx.clock, failures);
  t->set_decorations(std::move(*decorations));
  return std::unique_ptr<Transform>(std::move(t));
}

DateTransform::DateTransform(const Options& o, std::vector<Parser> parsers, Template zone_template,
                             std::optional<absl::TimeZone> zone, const Clock& clock, Counter& failures)
    : source_(FieldPath::parse(o.match.front())),
      target_(FieldPath::parse(o.target)),
      parsers_(std::move(parsers)),
      tag_on_failure_(o.tag_on_failure),
      zone_template_(std::move(zone_template)),
      zone_(zone),
      dynamic_zone_(!zone.has_value()),
      clock_(clock),
      failures_(failures) {}

// A "%{field}" zone, rendered per event; the last one is kept, since a stream rarely changes.
const absl::TimeZone* DateTransform::zone_for(const Event& event) {
  if (!dynamic_zone_) return &*zone_;
  zone_buf_.clear();
  zone_template_.render(event, zone_buf_);
  if (zone_buf_ != zone_name_ || !zone_) {
    zone_name_ = zone_buf_;
    zone_ = load_time_zone(zone_name_);
  }
  return zone_ ? &*zone_ : nullptr;
}

std::optional<Timestamp> DateTransform::parse(const Value& v, const Event& event) {
  for (const Parser& p : parsers_) {
    std::optional<Timestamp> t;
    switch (p.format) {
      case Format::kUnix: t = parse_unix(v); break;
      case Format::kUnixMs: t = parse_unix_ms(v); break;
      case Format::kTai64n:
        if (v.is_string()) t = parse_tai64n(v.as_string());
        break;
      case Format::kIso8601:
      case Format::kJoda: {
        if (!v.is_string()) break;  // text formats read strings only
        const absl::TimeZone* zone = zone_for(event);
        if (zone == nullptr) break;  // an unknown %{field} zone fails this format
        t = p.format == Format::kIso8601 ? parse_iso8601(v.as_string(), *zone)
                                         : p.joda->parse(v.as_string(), *zone, clock_.now());
        break;
      }
    }
    if (t) return t;
  }
  return std::nullopt;
}

Outcome DateTransform::process(Event& event) {
  const Value* v = event.find(source_);
  if (v == nullptr || v->is_null()) return Outcome::kSkip;  // Logstash: no tag either
  std::optional<Timestamp> t = parse(*v, event);
  if (!t) {
    ++failures_in_batch_;
    for (const std::string& tag : tag_on_failure_) add_tag(event, tag);
    return Outcome::kFailure;
  }
  event.set(target_, Value::timestamp(*t));
  return Outcome::kSuccess;
}

}  // namespace logferry::transforms

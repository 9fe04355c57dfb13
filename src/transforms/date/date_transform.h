// date: Logstash's date filter. `match: [field, format, format, ...]` tries the formats in
// order on the field's value and stores the first result in `target` (the event's
// @timestamp by default); when none matches the event is tagged `_dateparsefailure` and left
// as it was. Formats: ISO8601, UNIX (seconds, at most 2^31-1 so ["UNIX", "UNIX_MS"] falls
// through for milliseconds), UNIX_MS, TAI64N, or a Joda pattern (template/time_parse.h).
// `timezone` is a tz database name or offset, or a template ("%{tz}") read per event; times
// that carry their own offset ignore it.
#pragma once

#include <absl/time/time.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "core/clock.h"
#include "core/component.h"
#include "core/metrics.h"
#include "template/template.h"
#include "template/time_parse.h"
#include "transforms/common/event_transform.h"

namespace logferry::transforms {

class DateTransform final : public EventTransform {
 public:
  static constexpr std::string_view kType = "date";
  static constexpr std::string_view kDoc =
      "Parses a date field (ISO8601, UNIX, UNIX_MS, TAI64N, Joda patterns) into @timestamp "
      "(Logstash date).";
  struct Options : CommonOptions {
    std::vector<std::string> match;
    std::string timezone;
    std::string locale;
    std::string target = "@timestamp";
    std::vector<std::string> tag_on_failure = {"_dateparsefailure"};
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Transform>> build(const Options& options, BuildContext& ctx);

  enum class Format { kIso8601, kUnix, kUnixMs, kTai64n, kJoda };
  struct Parser {
    Format format;
    std::optional<TimeParser> joda;
  };

  DateTransform(const Options& options, std::vector<Parser> parsers, Template zone_template,
                std::optional<absl::TimeZone> zone, const Clock& clock, Counter& failures);

  // One value through the formats in order (what process() does with the source field).
  std::optional<Timestamp> parse(const Value& v, const Event& event);

 private:
  // EventTransform
  Outcome process(Event& event) override;
  void begin_batch() override { failures_in_batch_ = 0; }
  void end_batch() override {
    if (failures_in_batch_ > 0) failures_.add(failures_in_batch_);
  }
  const absl::TimeZone* zone_for(const Event& event);

  FieldPath source_, target_;
  std::vector<Parser> parsers_;
  std::vector<std::string> tag_on_failure_;
  Template zone_template_;             // used when the zone is "%{...}"
  std::optional<absl::TimeZone> zone_;  // the fixed zone (or the last dynamic one)
  std::string zone_name_, zone_buf_;    // the dynamic zone's name, and a render buffer
  bool dynamic_zone_ = false;
  const Clock& clock_;
  Counter& failures_;
  uint64_t failures_in_batch_ = 0;
};

// The numeric formats alone (exposed for tests and the fuzz target). Logstash's rules: UNIX
// text "seconds[.fraction]" keeps milliseconds, UNIX refuses seconds above 2^31-1.
std::optional<Timestamp> parse_unix(const Value& v);
std::optional<Timestamp> parse_unix_ms(const Value& v);
std::optional<Timestamp> parse_tai64n(std::string_view text);

}  // namespace logferry::transforms

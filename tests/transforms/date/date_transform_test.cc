// The date filter against logstash-filter-date's spec (spec/filters/date_spec.rb).
#include "transforms/date/date_transform.h"

#include <gtest/gtest.h>

#include "core/time_util.h"
#include "transforms/transform_test_util.h"

namespace logferry::transforms {
namespace {

using testing::option_problems;
using testing::to_json;

class DateTest : public ::testing::Test {
 protected:
  // Builds a date filter from `yaml`, runs one event with `field` = v, returns the event.
  std::string run(const std::string& yaml, Value v, const char* field = "mydate") {
    DateTransform::Options o;
    std::string problems = option_problems<DateTransform>(yaml, &o);
    if (!problems.empty()) return "<invalid> " + problems;
    BuildContext ctx{"d", metrics, {}, {}, "node", clock};
    auto t = DateTransform::build(o, ctx);
    if (!t) return "<build failed> " + t.error().message;
    batch.clear();
    Event& e = batch.add();
    e.append(field, v.is_string() ? e.string_value(v.as_string()) : v);
    for (const auto& [k, val] : extra) e.append(k, Value::string(val));
    (*t)->apply(batch);
    return to_json(batch.events().at(0));
  }
  // The resulting @timestamp, "" when the event was tagged instead.
  std::string stamp(const std::string& yaml, Value v) {
    std::string out = run(yaml, v);
    const Value* ts = batch.events().empty() ? nullptr : batch.events()[0].find(FieldPath::parse("@timestamp"));
    if (ts == nullptr || ts->kind() != Value::Kind::kTimestamp) return "FAILED " + out;
    std::string s;
    append_iso8601_millis(s, ts->as_timestamp());
    return s;
  }
  Value str(std::string_view s) { return Value::string(s); }

  Metrics metrics;
  FakeClock clock{Timestamp{1'463'097'600'000'000'000}};  // 2016-05-13
  EventBatch batch;
  std::vector<std::pair<std::string, std::string>> extra;
};

constexpr const char* kIsoUtc = R"({match: [mydate, ISO8601], locale: en, timezone: UTC})";

TEST_F(DateTest, Iso8601FormsOfTheSpec) {
  const std::pair<const char*, const char*> times[] = {
      {"2001-01-01T00:00:00-0800", "2001-01-01T08:00:00.000Z"},
      {"1974-03-02T04:09:09-0800", "1974-03-02T12:09:09.000Z"},
      {"2010-05-03T08:18:18+00:00", "2010-05-03T08:18:18.000Z"},
      {"2004-07-04T12:27:27-00:00", "2004-07-04T12:27:27.000Z"},
      {"2001-09-05T16:36:36+0000", "2001-09-05T16:36:36.000Z"},
      {"2001-12-07T23:54:54Z", "2001-12-07T23:54:54.000Z"},
      {"2010-05-03T08:18:18.123+00:00", "2010-05-03T08:18:18.123Z"},
      {"2004-07-04T12:27:27.123-04:00", "2004-07-04T16:27:27.123Z"},
      {"2001-09-05T16:36:36.123+0700", "2001-09-05T09:36:36.123Z"},
      {"2001-12-07T23:54:54,123Z", "2001-12-07T23:54:54.123Z"},
      {"2001-11-06 20:45:45.123-0000", "2001-11-06T20:45:45.123Z"},
      {"2001-12-07 23:54:54,123Z", "2001-12-07T23:54:54.123Z"},
      {"2001-11-06 20:45:45.123", "2001-11-06T20:45:45.123Z"},
      {"2001-11-06 20:45:45,123", "2001-11-06T20:45:45.123Z"},
      {"2013-01-01", "2013-01-01T00:00:00.000Z"},
      {"2013-01-01T10:20", "2013-01-01T10:20:00.000Z"},
      {"2016-10-06T00:17:09.669794202Z", "2016-10-06T00:17:09.669Z"},  // Joda keeps ms
  };
  for (const auto& [in, out] : times) EXPECT_EQ(stamp(kIsoUtc, str(in)), out) << in;
}

TEST_F(DateTest, Iso8601RefusesWhatJodaRefuses) {
  for (const char* bad : {"2001-11-06 20:45:45", "2001-13-01", "2001-02-30T00:00:00Z", "20010101",
                          "2001-01-01T25:00:00", "2001-01-01T00:00:00+01", "2001-01-01T00:00:00 junk"}) {
    EXPECT_EQ(run(kIsoUtc, str(bad)).find(R"("tags":["_dateparsefailure"])") != std::string::npos, true) << bad;
  }
}

TEST_F(DateTest, UnixSecondsAndMillis) {
  const char* unix = "{match: [mydate, UNIX]}";
  EXPECT_EQ(stamp(unix, str("1478207457")), "2016-11-03T21:10:57.000Z");
  EXPECT_EQ(stamp(unix, Value::integer(1000000000)), "2001-09-09T01:46:40.000Z");
  EXPECT_EQ(stamp(unix, str("1350414944.123456")), "2012-10-16T19:15:44.123Z");
  EXPECT_EQ(stamp(unix, Value::number(1350414944.123456)), "2012-10-16T19:15:44.123Z");
  EXPECT_EQ(stamp(unix, Value::decimal("1350414944.123456")), "2012-10-16T19:15:44.123Z");
  // "Invalid value should not be evaluated to zero (String#to_i madness)"
  EXPECT_EQ(run(unix, str("%{bad_value}")), R"({"mydate":"%{bad_value}","tags":["_dateparsefailure"]})");
  const char* ms = "{match: [mydate, UNIX_MS]}";
  EXPECT_EQ(stamp(ms, str("456")), "1970-01-01T00:00:00.456Z");
  EXPECT_EQ(stamp(ms, Value::integer(1000000000123)), "2001-09-09T01:46:40.123Z");
}

TEST_F(DateTest, UnixAboveInt32FallsThroughToUnixMs) {
  const char* both = "{match: [mydate, UNIX, UNIX_MS]}";
  EXPECT_EQ(stamp(both, str("1000000000123")), "2001-09-09T01:46:40.123Z");
  EXPECT_EQ(stamp(both, Value::integer(1000000000123)), "2001-09-09T01:46:40.123Z");
  EXPECT_EQ(stamp(both, str("1478207457.456")), "2016-11-03T21:10:57.456Z");
  EXPECT_EQ(stamp(both, Value::number(1478207457.456)), "2016-11-03T21:10:57.456Z");
  EXPECT_EQ(stamp(both, Value::decimal("1478207457.456")), "2016-11-03T21:10:57.456Z");
  EXPECT_EQ(stamp(both, Value::integer(1478207457)), "2016-11-03T21:10:57.000Z");
}

TEST_F(DateTest, Tai64n) {
  EXPECT_EQ(stamp("{match: [mydate, TAI64N]}", str("4000000050d506482dbdf024")), "2012-12-22T01:00:46.767Z");
  EXPECT_EQ(stamp("{match: [mydate, TAI64N]}", str("@4000000050d506482dbdf024")), "2012-12-22T01:00:46.767Z");
}

TEST_F(DateTest, JodaPatterns) {
  EXPECT_EQ(stamp(R"({match: [mydate, "MMM dd HH:mm:ss Z"], locale: en})", str("Nov 24 01:29:01 -0800")),
            "2016-11-24T09:29:01.000Z");
  EXPECT_EQ(stamp(R"({match: [mydate, "dd/MMM/yyyy:HH:mm:ss Z"]})", str("25/Mar/2013:20:33:56 +0000")),
            "2013-03-25T20:33:56.000Z");
  EXPECT_EQ(stamp(R"({match: [mydate, "dd MMMM yyyy"], timezone: UTC})", str("01 September 2014")),
            "2014-09-01T00:00:00.000Z");
  EXPECT_EQ(stamp(R"({match: [mydate, "yyyyMMdd'T'HHmmss.SSS"], timezone: UTC})", str("20130421T010203.456")),
            "2013-04-21T01:02:03.456Z");
  EXPECT_EQ(stamp(R"({match: [mydate, "EEE MMM d hh:mm:ss a yyyy"], timezone: UTC})",
                  str("Sun Jun 2 08:38:03 pm 2013")),
            "2013-06-02T20:38:03.000Z");
  EXPECT_EQ(stamp(R"({match: [mydate, "yyyy-MM-dd HH:mm:ss ZZZ"]})", str("2016-07-01 12:00:00 Europe/Paris")),
            "2016-07-01T10:00:00.000Z");
  EXPECT_EQ(stamp(R"({match: [mydate, "yy-MM-dd"], timezone: UTC})", str("99-12-31")), "1999-12-31T00:00:00.000Z");
  // "yyyy/MM/dd" does not read "2013/Apr/21"; the first format that matches wins
  EXPECT_EQ(run(R"({match: [mydate, "yyyy/MM/dd"], timezone: UTC, tag_on_failure: [date_failed]})",
                str("2013/Apr/21")),
            R"({"mydate":"2013/Apr/21","tags":["date_failed"]})");
  EXPECT_EQ(stamp(R"({match: [mydate, "yyyy/MM/dd", "yyyy/MMM/dd"], timezone: UTC})", str("2013/Apr/21")),
            "2013-04-21T00:00:00.000Z");
}

TEST_F(DateTest, TimezonesUseHistoricalRules) {
  const char* la = R"({match: [mydate, "yyyy MMM dd HH:mm:ss"], locale: en, timezone: America/Los_Angeles})";
  EXPECT_EQ(stamp(la, str("2013 Nov 24 01:29:01")), "2013-11-24T09:29:01.000Z");
  EXPECT_EQ(stamp(la, str("2013 Jun 24 01:29:01")), "2013-06-24T08:29:01.000Z");
  // America/Caracas moved from -04:00 to -04:30 on 2007-12-09 03:00 and back in 2016.
  extra = {{"mytz", "America/Caracas"}};
  const char* dynamic = R"({match: [mydate, ISO8601], timezone: "%{mytz}"})";
  EXPECT_EQ(stamp(dynamic, str("2007-12-09T01:00:00")), "2007-12-09T05:00:00.000Z");
  EXPECT_EQ(stamp(dynamic, str("2007-12-09T10:00:00")), "2007-12-09T14:30:00.000Z");
  EXPECT_EQ(stamp(dynamic, str("2016-05-01T08:18:18.123")), "2016-05-01T12:18:18.123Z");
  extra = {{"mytz", "Not/AZone"}};
  EXPECT_NE(run(dynamic, str("2016-05-01T08:18:18")).find("_dateparsefailure"), std::string::npos);
  extra = {};
  EXPECT_NE(run(dynamic, str("2016-05-01T08:18:18")).find("_dateparsefailure"), std::string::npos);
}

TEST_F(DateTest, DstGapFailsAndYearIsGuessed) {
  clock.set(Timestamp{1'459'295'990'000'000'000});  // 2016-03-29T23:59:50Z
  const char* cet = R"({match: [message, "MMM dd HH:mm:ss"], locale: en, timezone: CET})";
  auto at = [&](const char* text) {
    std::string out = run(cet, str(text), "message");
    const Value* ts = batch.events()[0].find(FieldPath::parse("@timestamp"));
    if (ts == nullptr) return out;
    std::string s;
    append_iso8601_millis(s, ts->as_timestamp());
    return s;
  };
  EXPECT_EQ(at("Mar 27 01:59:59"), "2016-03-27T00:59:59.000Z");
  EXPECT_EQ(at("Mar 27 02:00:01"), R"({"message":"Mar 27 02:00:01","tags":["_dateparsefailure"]})");
  EXPECT_EQ(at("Mar 27 03:00:01"), "2016-03-27T01:00:01.000Z");
  EXPECT_EQ(stamp(R"({match: [mydate, "yyyy MMM dd HH:mm:ss"], timezone: CET})", str("2016 Mar 26 02:00:37")),
            "2016-03-26T01:00:37.000Z");
  const char* utc = R"({match: [mydate, "MMM dd HH:mm:ss"], timezone: UTC})";
  clock.set(Timestamp{1'388'534'400'000'000'000});  // 2014-01-01: a December event is last year's
  EXPECT_EQ(stamp(utc, str("Dec 31 23:59:00")), "2013-12-31T23:59:00.000Z");
  clock.set(Timestamp{1'387'929'600'000'000'000});  // 2013-12-25: a January event is next year's
  EXPECT_EQ(stamp(utc, str("Jan 01 01:00:00")), "2014-01-01T01:00:00.000Z");
}

TEST_F(DateTest, TargetTagsAndCommonOptions) {
  EXPECT_EQ(run(R"({match: [mydate, ISO8601], target: parsed, add_tag: [dated], remove_field: [mydate]})",
                str("2013-01-01T00:00:00.000Z")),
            R"({"parsed":"2013-01-01T00:00:00.000Z","tags":["dated"]})");
  // a failure applies no common option; a missing field gets no tag at all
  EXPECT_EQ(run(R"({match: [mydate, ISO8601], add_tag: [dated]})", str("nope")),
            R"({"mydate":"nope","tags":["_dateparsefailure"]})");
  EXPECT_EQ(run(R"({match: [absent, ISO8601], add_tag: [dated]})", str("x")), R"({"mydate":"x"})");
  EXPECT_EQ(metrics.value("logferry_date_failures_total", {{"component", "d"}}), 1);
}

TEST_F(DateTest, ValidateErrors) {
  EXPECT_NE(option_problems<DateTransform>("match: [onlyfield]").find("at least one format"), std::string::npos);
  EXPECT_NE(option_problems<DateTransform>("match: [f, 'yyyy-qq']").find("unknown letter 'q'"), std::string::npos);
  EXPECT_NE(option_problems<DateTransform>("match: [f, 'HH:mm zzz']").find("unsupported letter 'z'"),
            std::string::npos);
  EXPECT_NE(option_problems<DateTransform>("{match: [f, ISO8601], timezone: Mars/Base}").find("unknown time zone"),
            std::string::npos);
  EXPECT_NE(option_problems<DateTransform>("{match: [f, MMMM], locale: fr}").find("only English"),
            std::string::npos);
  EXPECT_EQ(option_problems<DateTransform>("{match: [f, MMMM], locale: en_US, timezone: '+05:30'}"), "");
}

TEST(DateNumericTest, Limits) {
  EXPECT_FALSE(parse_unix(Value::integer(2147483648)));
  EXPECT_TRUE(parse_unix(Value::integer(2147483647)));
  EXPECT_FALSE(parse_unix(Value::string("12abc")));
  EXPECT_FALSE(parse_unix_ms(Value::decimal("2147483648000.5")));
  EXPECT_FALSE(parse_tai64n("4000000050d5064"));
  EXPECT_FALSE(parse_tai64n("zz00000050d506482dbdf024"));
}

}  // namespace
}  // namespace logferry::transforms

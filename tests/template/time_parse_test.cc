#include "template/time_parse.h"

#include <gtest/gtest.h>

#include "core/time_util.h"
#include "template/time_format.h"

namespace logferry {
namespace {

std::string iso(std::optional<Timestamp> t) {
  if (!t) return "none";
  std::string s;
  append_iso8601_millis(s, *t);
  return s;
}

const Timestamp kNow{1'463'097'600'000'000'000};  // 2016-05-13

std::string parse(std::string_view pattern, std::string_view text, std::string_view zone = "UTC") {
  auto p = TimeParser::compile(pattern);
  if (!p) return p.error().message;
  return iso(p->parse(text, *load_time_zone(zone), kNow));
}

TEST(TimeZoneTest, NamesOffsetsAndRefusals) {
  EXPECT_TRUE(load_time_zone("UTC"));
  EXPECT_TRUE(load_time_zone("America/New_York"));
  EXPECT_TRUE(load_time_zone("+05:30"));
  EXPECT_TRUE(load_time_zone("-0800"));
  EXPECT_FALSE(load_time_zone("Mars/Base"));
  EXPECT_FALSE(load_time_zone("../../etc/passwd"));
  EXPECT_FALSE(load_time_zone("/etc/localtime"));
  EXPECT_FALSE(load_time_zone("+25:00"));
  EXPECT_FALSE(load_time_zone(""));
}

TEST(TimeZoneTest, RepeatedLocalTimeTakesTheEarlierInstant) {
  // 2016-10-30 02:30 happens twice in Paris; Joda picks the first (summer time, +02:00).
  EXPECT_EQ(parse("yyyy-MM-dd HH:mm", "2016-10-30 02:30", "Europe/Paris"), "2016-10-30T00:30:00.000Z");
  EXPECT_EQ(parse("yyyy-MM-dd HH:mm", "2016-03-27 02:30", "Europe/Paris"), "none");  // the gap
}

TEST(TimeParserTest, JodaFieldRules) {
  EXPECT_EQ(parse("yyyy-MM-dd", "2016-02-29"), "2016-02-29T00:00:00.000Z");
  EXPECT_EQ(parse("yyyy-MM-dd", "2015-02-29"), "none");
  EXPECT_EQ(parse("yyyy-M-d H:m:s", "2016-2-3 4:5:6"), "2016-02-03T04:05:06.000Z");
  EXPECT_EQ(parse("yyyy-MM-dd HH:mm:ss.S", "2016-02-03 04:05:06.5"), "2016-02-03T04:05:06.500Z");
  EXPECT_EQ(parse("yyyy-MM-dd HH:mm:ss.SSSSSS", "2016-02-03 04:05:06.123456"), "2016-02-03T04:05:06.123Z");
  EXPECT_EQ(parse("yyyy-MM-dd HH:mm:ss.SSS", "2016-02-03 04:05:06.1234"), "none");  // SSS: 3 digits
  EXPECT_EQ(parse("yyyy DDD", "2016 366"), "2016-12-31T00:00:00.000Z");
  EXPECT_EQ(parse("MMM dd yyyy", "SEPTEMBER 01 2014"), "2014-09-01T00:00:00.000Z");  // case, long form
  EXPECT_EQ(parse("hh:mm a", "12:15 AM"), "2016-01-01T00:15:00.000Z");
  EXPECT_EQ(parse("hh:mm a", "12:15 PM"), "2016-01-01T12:15:00.000Z");
  // Joda sets the day of week last, within the Monday-based week: 2013-06-05 is a Wednesday.
  EXPECT_EQ(parse("EEE yyyy-MM-dd", "Mon 2013-06-05"), "2013-06-03T00:00:00.000Z");
  EXPECT_EQ(parse("yyyy-MM-dd'T'HH:mm:ssZZ", "2013-06-05T10:00:00+02:00"), "2013-06-05T08:00:00.000Z");
  EXPECT_EQ(parse("yyyy-MM-dd'T'HH:mm:ssZ", "2013-06-05T10:00:00Z"), "2013-06-05T10:00:00.000Z");
  EXPECT_EQ(parse("yyyy-MM-dd", "2016-02-03 trailing"), "none");
  EXPECT_EQ(parse("yyyy-MM-dd 'at' HH", "2016-02-03 AT 07"), "2016-02-03T07:00:00.000Z");
  // More fraction digits than an int64 holds (found by tests/fuzz/date_fuzz.cc): read, not overflowed.
  EXPECT_EQ(parse("yyyy-MM-dd HH:mm:ss.SSSSSSSSSSSSSSSSSSSSSSSSS", "2016-02-03 04:05:06.1234567890123456789012345"),
            "2016-02-03T04:05:06.123Z");
}

TEST(TimeParserTest, SharesTheFormatterLetterTable) {
  // What the formatter writes, the parser reads back.
  auto f = TimeFormat::compile("EEE, dd MMM yyyy HH:mm:ss.SSS Z");
  ASSERT_TRUE(f);
  std::string text;
  f->append(text, Timestamp{1'370'426'400'123'000'000});
  EXPECT_EQ(parse("EEE, dd MMM yyyy HH:mm:ss.SSS Z", text), "2013-06-05T10:00:00.123Z") << text;
  EXPECT_NE(TimeParser::compile("yyyy G").error().message.find("unsupported letter 'G'"), std::string::npos);
}

}  // namespace
}  // namespace logferry

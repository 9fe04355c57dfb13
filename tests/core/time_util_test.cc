#include "core/time_util.h"

#include <gtest/gtest.h>

namespace logferry {
namespace {

TEST(TimeUtilTest, ParsesRfc3339NanoAndOffsets) {
  auto t = parse_rfc3339("2016-10-06T00:17:09.669794202Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->ns, 1475713029669794202);
  auto o = parse_rfc3339("2016-10-06T02:17:09.669794202+02:00");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->ns, t->ns);
  EXPECT_FALSE(parse_rfc3339("2016-10-06 garbage"));
  EXPECT_FALSE(parse_rfc3339("2016-13-06T00:17:09Z"));
  EXPECT_FALSE(parse_rfc3339("2016-10-06T00:17:09"));
}

TEST(TimeUtilTest, FormatsIsoMillis) {
  std::string s;
  append_iso8601_millis(s, Timestamp{1519829734706000000});
  EXPECT_EQ(s, "2018-02-28T14:55:34.706Z");
}

TEST(TimeUtilTest, CivilRoundTripAcrossCenturies) {
  // int64 nanoseconds span +-292 years around 1970.
  for (int64_t days : {-100000LL, -1LL, 0LL, 1LL, 11016LL, 20000LL, 100000LL}) {
    Timestamp t{days * 86400LL * 1'000'000'000LL};
    CivilTime c = to_civil(t);
    EXPECT_EQ(from_civil(c.year, c.month, c.day, 0, 0, 0, 0).ns, t.ns) << days;
  }
  EXPECT_EQ(to_civil(Timestamp{0}).weekday, 4);  // Thursday
}

}  // namespace
}  // namespace logferry

#include "sources/syslog/syslog_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "core/event_batch.h"
#include "core/json.h"
#include "core/time_util.h"

namespace logferry::sources::syslog {
namespace {

// 2026-11-25T12:00:00Z: "now" for messages without a year.
const Timestamp kNow = from_civil(2026, 11, 25, 12, 0, 0, 0);

class Parsed {
 public:
  explicit Parsed(std::string_view text, Timestamp now = kNow)
      : text_(text), event_(batch_.add()) {
    format_ = parse_syslog(text_, event_, now);
  }
  SyslogFormat format() const { return format_; }
  std::string str(std::string_view key) const {
    const Value* v = event_.root().get(key);
    if (v == nullptr) return "<absent>";
    if (!v->is_string()) return "<not a string>";
    return std::string(v->as_string());
  }
  int64_t integer(std::string_view key) const {
    const Value* v = event_.root().get(key);
    return v && v->kind() == Value::Kind::kInt ? v->as_int() : -1;
  }
  Timestamp timestamp() const {
    const Value* v = event_.root().get("@timestamp");
    EXPECT_TRUE(v && v->kind() == Value::Kind::kTimestamp);
    return v ? v->as_timestamp() : Timestamp{};
  }
  std::string sd_json() const {
    const Value* v = event_.root().get("structured_data");
    if (v == nullptr) return "<absent>";
    std::string out;
    append_json(out, *v);
    return out;
  }

 private:
  std::string text_;
  EventBatch batch_;
  Event& event_;
  SyslogFormat format_;
};

Timestamp ts(std::string_view rfc3339) { return parse_rfc3339(rfc3339).value(); }

// RFC 5424 §6.5, example 1 (BOM before MSG).
TEST(Rfc5424Test, Example1) {
  Parsed p("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
           "\xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc5424);
  EXPECT_EQ(p.integer("facility"), 4);
  EXPECT_EQ(p.integer("severity"), 2);
  EXPECT_EQ(p.str("facility_label"), "auth");
  EXPECT_EQ(p.str("severity_label"), "crit");
  EXPECT_EQ(p.timestamp(), ts("2003-10-11T22:14:15.003Z"));
  EXPECT_EQ(p.str("host"), "mymachine.example.com");
  EXPECT_EQ(p.str("appname"), "su");
  EXPECT_EQ(p.str("procid"), "<absent>");
  EXPECT_EQ(p.str("msgid"), "ID47");
  EXPECT_EQ(p.sd_json(), "<absent>");
  EXPECT_EQ(p.str("message"), "'su root' failed for lonvick on /dev/pts/8");
}

// Example 2: microseconds and a negative offset, no MSGID, no SD.
TEST(Rfc5424Test, Example2) {
  Parsed p("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - "
           "%% It's time to make the do-nuts.");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc5424);
  EXPECT_EQ(p.integer("facility"), 20);
  EXPECT_EQ(p.integer("severity"), 5);
  EXPECT_EQ(p.str("facility_label"), "local4");
  EXPECT_EQ(p.timestamp(), ts("2003-08-24T12:14:15.000003Z"));
  EXPECT_EQ(p.str("host"), "192.0.2.1");
  EXPECT_EQ(p.str("appname"), "myproc");
  EXPECT_EQ(p.str("procid"), "8710");
  EXPECT_EQ(p.str("msgid"), "<absent>");
  EXPECT_EQ(p.str("message"), "%% It's time to make the do-nuts.");
}

// Example 3: structured data and a message.
TEST(Rfc5424Test, Example3) {
  Parsed p("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
           "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
           "\xEF\xBB\xBF" "An application event log entry...");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc5424);
  EXPECT_EQ(p.str("appname"), "evntslog");
  EXPECT_EQ(p.sd_json(),
            R"({"exampleSDID@32473":{"iut":"3","eventSource":"Application","eventID":"1011"}})");
  EXPECT_EQ(p.str("message"), "An application event log entry...");
}

// Example 4: two SD elements and no MSG.
TEST(Rfc5424Test, Example4) {
  Parsed p("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
           "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
           "[examplePriority@32473 class=\"high\"]");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc5424);
  EXPECT_EQ(p.sd_json(),
            R"({"exampleSDID@32473":{"iut":"3","eventSource":"Application","eventID":"1011"},)"
            R"("examplePriority@32473":{"class":"high"}})");
  EXPECT_EQ(p.str("message"), "");
}

TEST(Rfc5424Test, StructuredDataEscapes) {
  Parsed p(R"(<14>1 2024-01-02T03:04:05+02:00 h a p m [x@1 q="say \"hi\"" b="back\\slash" c="br\]ack" d="keep\n"] msg)");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc5424);
  EXPECT_EQ(p.sd_json(), R"({"x@1":{"q":"say \"hi\"","b":"back\\slash","c":"br]ack","d":"keep\\n"}})");
  EXPECT_EQ(p.timestamp(), ts("2024-01-02T01:04:05Z"));
  EXPECT_EQ(p.str("message"), "msg");
}

TEST(Rfc5424Test, NilTimestampUsesReceiveTime) {
  Parsed p("<13>1 - - - - - - hello");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc5424);
  EXPECT_EQ(p.timestamp(), kNow);
  EXPECT_EQ(p.str("host"), "<absent>");
  EXPECT_EQ(p.str("message"), "hello");
}

TEST(Rfc5424Test, TrailingNewlineAndNulRemoved) {
  static constexpr char kText[] = "<13>1 2024-01-01T00:00:00Z h a - - - text\r\n\0";
  Parsed p(std::string(kText, sizeof(kText) - 1));
  EXPECT_EQ(p.str("message"), "text");
}

TEST(Rfc5424Test, MalformedKeepsWholeText) {
  for (std::string_view bad : {
           "<13>1 2024-13-45T99:00:00Z host app - - - bad time",
           "<13>1 2024-01-01T00:00:00Z host app - - [unterminated x=\"1\" msg",
           "<13>1 2024-01-01T00:00:00Z host app - - [id x=unquoted] msg",
           "<13>1 2024-01-01T00:00:00Z host app - - [] msg",
       }) {
    Parsed p(bad);
    EXPECT_EQ(p.format(), SyslogFormat::kMalformed) << bad;
    EXPECT_EQ(p.str("message"), bad);
    EXPECT_EQ(p.integer("severity"), 5);
    EXPECT_EQ(p.timestamp(), kNow);
  }
}

// RFC 3164 §5.4 example 1.
TEST(Rfc3164Test, Example1) {
  Parsed p("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc3164);
  EXPECT_EQ(p.integer("facility"), 4);
  EXPECT_EQ(p.integer("severity"), 2);
  EXPECT_EQ(p.timestamp(), ts("2026-10-11T22:14:15Z"));
  EXPECT_EQ(p.str("host"), "mymachine");
  EXPECT_EQ(p.str("appname"), "su");
  EXPECT_EQ(p.str("procid"), "<absent>");
  EXPECT_EQ(p.str("message"), "'su root' failed for lonvick on /dev/pts/8");
}

// Example 2: no PRI, no header at all: user.notice (<13>), all text is the message.
TEST(Rfc3164Test, Example2NoPri) {
  Parsed p("Use the BFG!");
  EXPECT_EQ(p.format(), SyslogFormat::kMalformed);
  EXPECT_EQ(p.integer("facility"), 1);
  EXPECT_EQ(p.integer("severity"), 5);
  EXPECT_EQ(p.str("message"), "Use the BFG!");
  EXPECT_EQ(p.timestamp(), kNow);
}

// Example 3: a zone name and a year after the time.
TEST(Rfc3164Test, Example3ZoneAndYear) {
  Parsed p("<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the "
           "do-nuts.  %%  Ingredients: Mix=OK, Jumbo=OK");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc3164);
  EXPECT_EQ(p.timestamp(), ts("1987-08-24T05:34:00-06:00"));
  EXPECT_EQ(p.str("host"), "mymachine");
  EXPECT_EQ(p.str("appname"), "myproc");
  EXPECT_EQ(p.str("procid"), "10");
  EXPECT_EQ(p.str("message"), "%% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jumbo=OK");
}

// Example 4: year first and a "TZ-6" zone; the IP after the host is message text.
TEST(Rfc3164Test, Example4YearFirst) {
  Parsed p("<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc3164);
  EXPECT_EQ(p.integer("facility"), 0);
  EXPECT_EQ(p.integer("severity"), 0);
  EXPECT_EQ(p.timestamp(), ts("1990-10-22T10:52:01-06:00"));
  EXPECT_EQ(p.str("host"), "scapegoat.dmz.example.org");
  EXPECT_EQ(p.str("message"), "10.1.2.3 sched[0]: That's All Folks!");
}

// The relay example of §5.4: an IP as hostname, no TAG.
TEST(Rfc3164Test, IpHostNoTag) {
  Parsed p("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!");
  EXPECT_EQ(p.timestamp(), ts("2026-02-05T17:32:18Z"));
  EXPECT_EQ(p.str("host"), "10.0.0.99");
  EXPECT_EQ(p.str("appname"), "<absent>");
  EXPECT_EQ(p.str("message"), "Use the BFG!");
}

TEST(Rfc3164Test, MissingHostname) {
  Parsed p("<13>Oct  1 22:14:15 sshd[1234]: Accepted publickey");
  EXPECT_EQ(p.str("host"), "<absent>");
  EXPECT_EQ(p.str("appname"), "sshd");
  EXPECT_EQ(p.str("procid"), "1234");
  EXPECT_EQ(p.str("message"), "Accepted publickey");
  EXPECT_EQ(p.timestamp(), ts("2026-10-01T22:14:15Z"));
}

TEST(Rfc3164Test, NoPriWithTimestamp) {
  Parsed p("Oct 11 22:14:15 web1 nginx: GET /");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc3164);
  EXPECT_EQ(p.integer("facility"), 1);
  EXPECT_EQ(p.integer("severity"), 5);
  EXPECT_EQ(p.str("host"), "web1");
  EXPECT_EQ(p.str("appname"), "nginx");
  EXPECT_EQ(p.str("message"), "GET /");
}

TEST(Rfc3164Test, IsoTimestamp) {
  Parsed p("<30>2024-03-01T10:20:30.123456+01:00 db1 postgres[77]: checkpoint");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc3164);
  EXPECT_EQ(p.timestamp(), ts("2024-03-01T09:20:30.123456Z"));
  EXPECT_EQ(p.str("host"), "db1");
  EXPECT_EQ(p.str("appname"), "postgres");
  EXPECT_EQ(p.str("procid"), "77");
  EXPECT_EQ(p.str("message"), "checkpoint");
}

TEST(Rfc3164Test, IsoTimestampWithoutZoneIsUtc) {
  Parsed p("<30>2024-03-01T10:20:30 db1 app: x");
  EXPECT_EQ(p.timestamp(), ts("2024-03-01T10:20:30Z"));
  EXPECT_EQ(p.str("host"), "db1");
}

TEST(Rfc3164Test, CiscoSequenceAndStar) {
  Parsed p("<189>123: *Mar  1 18:46:11.123: %SYS-5-CONFIG_I: Configured from console by vty0");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc3164);
  EXPECT_EQ(p.integer("facility"), 23);
  EXPECT_EQ(p.integer("severity"), 5);
  EXPECT_EQ(p.timestamp(), ts("2026-03-01T18:46:11.123Z"));
  EXPECT_EQ(p.str("host"), "<absent>");
  EXPECT_EQ(p.str("appname"), "%SYS-5-CONFIG_I");
  EXPECT_EQ(p.str("message"), "Configured from console by vty0");
}

TEST(Rfc3164Test, CiscoDotAndZone) {
  Parsed p("<187>45: .Nov 20 09:00:01.5 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down");
  EXPECT_EQ(p.timestamp(), ts("2026-11-20T09:00:01.5Z"));
  EXPECT_EQ(p.str("appname"), "%LINK-3-UPDOWN");
  EXPECT_EQ(p.str("message"), "Interface Gi0/1, changed state to down");
}

TEST(Rfc3164Test, CiscoYearBeforeTime) {
  Parsed p("<189>Mar  1 2024 18:46:11: %SYS-5-RESTART: System restarted");
  EXPECT_EQ(p.timestamp(), ts("2024-03-01T18:46:11Z"));
  EXPECT_EQ(p.str("appname"), "%SYS-5-RESTART");
}

TEST(Rfc3164Test, SingleDigitDayAndTrailingLf) {
  Parsed p("<13>Jan 5 01:02:03 host tag: text\n");
  EXPECT_EQ(p.timestamp(), ts("2026-01-05T01:02:03Z"));
  EXPECT_EQ(p.str("message"), "text");
}

TEST(Rfc3164Test, TrailingNul) {
  static constexpr char kText[] = "<13>Jan  5 01:02:03 host tag: text\0\0";
  Parsed p(std::string(kText, sizeof(kText) - 1));
  EXPECT_EQ(p.str("message"), "text");
}

TEST(Rfc3164Test, YearRollsBackForDecemberReceivedInJanuary) {
  Parsed p("<13>Dec 31 23:59:59 host tag: late", from_civil(2027, 1, 1, 0, 0, 5, 0));
  EXPECT_EQ(p.timestamp(), ts("2026-12-31T23:59:59Z"));
}

TEST(Rfc3164Test, TagWithoutSpaceAfterColonIsText) {
  Parsed p("<13>Oct 11 22:14:15 host http://example/path is text");
  EXPECT_EQ(p.str("appname"), "<absent>");
  EXPECT_EQ(p.str("message"), "http://example/path is text");
}

TEST(Rfc3164Test, PriOnly) {
  Parsed p("<13>");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc3164);
  EXPECT_EQ(p.str("message"), "");
}

TEST(Rfc3164Test, NoTimestampButTag) {
  Parsed p("<14>myapp[9]: started");
  EXPECT_EQ(p.format(), SyslogFormat::kRfc3164);
  EXPECT_EQ(p.str("appname"), "myapp");
  EXPECT_EQ(p.str("procid"), "9");
  EXPECT_EQ(p.str("message"), "started");
  EXPECT_EQ(p.timestamp(), kNow);
}

TEST(SyslogParserTest, GarbageIsAnEvent) {
  static constexpr char kGarbage[] = "\x01\x02\xff\xfe binary <999> junk";
  std::string garbage(kGarbage, sizeof(kGarbage) - 1);
  Parsed p(garbage);
  EXPECT_EQ(p.format(), SyslogFormat::kMalformed);
  EXPECT_EQ(p.str("message"), garbage);
  Parsed bad_pri("<999>Oct 11 22:14:15 host x: y");  // PRI over 191
  EXPECT_EQ(bad_pri.format(), SyslogFormat::kMalformed);
  EXPECT_EQ(bad_pri.str("message"), "<999>Oct 11 22:14:15 host x: y");
  EXPECT_EQ(bad_pri.integer("severity"), 5);
}

TEST(SyslogParserTest, DetectsFormat) {
  EXPECT_TRUE(looks_like_rfc5424("<13>1 - - - - - -"));
  EXPECT_TRUE(looks_like_rfc5424("<13>1 2024-01-01T00:00:00Z"));
  EXPECT_FALSE(looks_like_rfc5424("<13>Oct 11 22:14:15 host"));
  EXPECT_FALSE(looks_like_rfc5424("<189>123: *Mar  1 18:46:11"));
  EXPECT_FALSE(looks_like_rfc5424("<0>1990 Oct 22 10:52:01"));
  EXPECT_FALSE(looks_like_rfc5424("<13>0 - - -"));
}

}  // namespace
}  // namespace logferry::sources::syslog

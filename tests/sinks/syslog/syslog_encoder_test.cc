#include "sinks/syslog/syslog_encoder.h"

#include <gtest/gtest.h>

#include "core/event_batch.h"
#include "core/time_util.h"
#include "net/framing.h"

namespace logferry::sinks::syslog {
namespace {

Template T(std::string_view text) { return Template::compile(text).value(); }

// The logstash spec's defaults: facility user-level, severity notice, ...
EncoderConfig logstash_defaults(Rfc rfc = Rfc::k3164) {
  EncoderConfig c;
  c.rfc = rfc;
  c.facility = T("user-level");
  c.severity = T("notice");
  c.priority = T("%{syslog_pri}");
  c.sourcehost = T("%{host}");
  c.appname = T("LOGSTASH");
  c.procid = T("-");
  c.msgid = T("-");
  c.message = T("%{message}");
  return c;
}

// 2018-02-28T14:55:34.706Z, the timestamp quoted in logstash-output-syslog issue #46.
const Timestamp kTs = from_civil(2018, 2, 28, 14, 55, 34, 706'000'000);

class EncoderTest : public ::testing::Test {
 protected:
  Event& event(std::string_view message, std::string_view host = "baz", Timestamp ts = kTs) {
    Event& e = batch_.add();
    e.append("message", e.string_value(message));
    e.append("host", e.string_value(host));
    e.append("@timestamp", Value::timestamp(ts));
    return e;
  }
  // One frame with the sink's default newline framing (what Logstash writes).
  std::string frame(EncoderConfig config, const Event& e) {
    SyslogEncoder enc(std::move(config), clock_);
    std::string out;
    enc.encode(e, out);
    out += '\n';
    return out;
  }
  EventBatch batch_;
  FakeClock clock_{kTs};
};

// --- logstash-output-syslog spec expectations (spec/outputs/syslog_spec.rb) ---

TEST_F(EncoderTest, KernelEmergencyIsPri0) {
  auto c = logstash_defaults();
  c.facility = T("kernel");
  c.severity = T("emergency");
  EXPECT_EQ(frame(c, event("bar")), "<0>Feb 28 14:55:34 baz LOGSTASH[-]: bar\n");
}

TEST_F(EncoderTest, MailCriticalIsPri18) {
  auto c = logstash_defaults();
  c.facility = T("mail");
  c.severity = T("critical");
  EXPECT_EQ(frame(c, event("bar")), "<18>Feb 28 14:55:34 baz LOGSTASH[-]: bar\n");
}

TEST_F(EncoderTest, UseLabelsFalseWithoutSyslogPriIs13) {
  auto c = logstash_defaults();
  c.use_labels = false;
  EXPECT_EQ(frame(c, event("bar")), "<13>Feb 28 14:55:34 baz LOGSTASH[-]: bar\n");
}

TEST_F(EncoderTest, UseLabelsFalseTakesPriorityField) {
  auto c = logstash_defaults();
  c.use_labels = false;
  Event& e = event("bar");
  e.append("syslog_pri", Value::string("191"));
  EXPECT_EQ(frame(c, e), "<191>Feb 28 14:55:34 baz LOGSTASH[-]: bar\n");
  Event& out_of_range = event("bar");
  out_of_range.append("syslog_pri", Value::string("192"));
  SyslogEncoder enc(c, clock_);
  std::string out;
  enc.encode(out_of_range, out);
  EXPECT_EQ(out.substr(0, 4), "<13>");
  EXPECT_EQ(enc.stats().invalid_priority, 1u);
}

TEST_F(EncoderTest, Rfc5424FrameAsLogstash) {
  auto c = logstash_defaults(Rfc::k5424);
  c.facility = T("kernel");
  c.severity = T("emergency");
  EXPECT_EQ(frame(c, event("bar")), "<0>1 2018-02-28T14:55:34.706+00:00 baz LOGSTASH - - - bar\n");
}

TEST_F(EncoderTest, CrLfAndNewlinesEscapedAndTrailingWhitespaceStripped) {
  auto c = logstash_defaults();
  EXPECT_EQ(frame(c, event("foo\r\nbar\nbaz")), "<13>Feb 28 14:55:34 baz LOGSTASH[-]: foo\\nbar\\nbaz\n");
  EXPECT_EQ(frame(c, event("tail \t\r\n\n")), "<13>Feb 28 14:55:34 baz LOGSTASH[-]: tail\n");
  // A lone CR is not a line break for the plugin: kept.
  EXPECT_EQ(frame(c, event("a\rb")), "<13>Feb 28 14:55:34 baz LOGSTASH[-]: a\rb\n");
}

TEST_F(EncoderTest, Rfc3164DayIsZeroPaddedAsLogstash) {
  auto c = logstash_defaults();
  EXPECT_EQ(frame(c, event("x", "h", from_civil(2018, 4, 7, 1, 2, 3, 0))),
            "<13>Apr 07 01:02:03 h LOGSTASH[-]: x\n");
}

TEST_F(EncoderTest, TimestampTracksEachEventAcrossTheSecondCache) {
  auto c = logstash_defaults(Rfc::k5424);
  SyslogEncoder enc(c, clock_);
  std::string a, b, d;
  enc.encode(event("x", "h", from_civil(2020, 12, 31, 23, 59, 59, 999'000'000)), a);
  enc.encode(event("x", "h", from_civil(2021, 1, 1, 0, 0, 0, 5'000'000)), b);
  enc.encode(event("x", "h", from_civil(2021, 1, 1, 0, 0, 0, 6'000'000)), d);
  EXPECT_EQ(a, "<13>1 2020-12-31T23:59:59.999+00:00 h LOGSTASH - - - x");
  EXPECT_EQ(b, "<13>1 2021-01-01T00:00:00.005+00:00 h LOGSTASH - - - x");
  EXPECT_EQ(d, "<13>1 2021-01-01T00:00:00.006+00:00 h LOGSTASH - - - x");
}

TEST_F(EncoderTest, MissingTimestampUsesTheClock) {
  auto c = logstash_defaults(Rfc::k5424);
  Event& e = batch_.add();
  e.append("message", Value::string("m"));
  e.append("host", Value::string("h"));
  clock_.set(from_civil(2026, 11, 25, 10, 0, 0, 123'000'000));
  EXPECT_EQ(frame(c, e), "<13>1 2026-11-25T10:00:00.123+00:00 h LOGSTASH - - - m\n");
}

// --- RFC 5424 §6.5 examples (we print +00:00 for Z and send no BOM, as Logstash) ---

TEST_F(EncoderTest, Rfc5424Example1) {
  auto c = logstash_defaults(Rfc::k5424);
  c.facility = T("auth");
  c.severity = T("crit");
  c.appname = T("su");
  c.msgid = T("ID47");
  Event& e = event("'su root' failed for lonvick on /dev/pts/8", "mymachine.example.com",
                   from_civil(2003, 10, 11, 22, 14, 15, 3'000'000));
  EXPECT_EQ(frame(c, e),
            "<34>1 2003-10-11T22:14:15.003+00:00 mymachine.example.com su - ID47 - 'su root' failed "
            "for lonvick on /dev/pts/8\n");
}

TEST_F(EncoderTest, Rfc5424Example3WithStructuredData) {
  auto c = logstash_defaults(Rfc::k5424);
  c.facility = T("local4");
  c.severity = T("notice");
  c.appname = T("evntslog");
  c.msgid = T("ID47");
  c.structured_data = T(R"([exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"])");
  Event& e = event("An application event log entry...", "mymachine.example.com",
                   from_civil(2003, 10, 11, 22, 14, 15, 3'000'000));
  EXPECT_EQ(frame(c, e),
            "<165>1 2003-10-11T22:14:15.003+00:00 mymachine.example.com evntslog - ID47 "
            "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
            "An application event log entry...\n");
}

// --- facility and severity tables ---

TEST(FacilityTest, RfcCodesForRfcNamesAndLogstashLabels) {
  EXPECT_EQ(facility_code("kernel"), 0);
  EXPECT_EQ(facility_code("user-level"), 1);
  EXPECT_EQ(facility_code("mail"), 2);
  EXPECT_EQ(facility_code("daemon"), 3);
  EXPECT_EQ(facility_code("security/authorization"), 4);
  EXPECT_EQ(facility_code("syslogd"), 5);
  EXPECT_EQ(facility_code("line printer"), 6);
  EXPECT_EQ(facility_code("network news"), 7);
  EXPECT_EQ(facility_code("uucp"), 8);
  EXPECT_EQ(facility_code("clock"), 9);
  EXPECT_EQ(facility_code("cron"), 9);
  EXPECT_EQ(facility_code("authpriv"), 10);
  // The plugin sends these one or two lower (its table lacks authpriv and cron).
  EXPECT_EQ(facility_code("ftp"), 11);
  EXPECT_EQ(facility_code("ntp"), 12);
  EXPECT_EQ(facility_code("log audit"), 13);
  EXPECT_EQ(facility_code("log alert"), 14);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(facility_code("local" + std::to_string(i)), 16 + i);
  EXPECT_EQ(facility_code("LOCAL3"), 19);
  EXPECT_EQ(facility_code("23"), 23);
  EXPECT_EQ(facility_code("24"), -1);
  EXPECT_EQ(facility_code("bogus"), -1);
  EXPECT_EQ(facility_code(""), -1);
}

TEST(SeverityTest, LabelsAndCodes) {
  const char* labels[] = {"emergency", "alert", "critical", "error", "warning", "notice",
                          "informational", "debug"};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(severity_code(labels[i]), i) << labels[i];
  EXPECT_EQ(severity_code("warn"), 4);
  EXPECT_EQ(severity_code("info"), 6);
  EXPECT_EQ(severity_code("7"), 7);
  EXPECT_EQ(severity_code("8"), -1);
  EXPECT_EQ(severity_code("loud"), -1);
}

TEST_F(EncoderTest, UnknownLabelsFallBackAsLogstashAndAreCounted) {
  auto c = logstash_defaults();
  c.facility = T("%{fac}");
  c.severity = T("%{sev}");
  Event& e = event("m");
  e.append("fac", Value::string("nonsense"));
  e.append("sev", Value::string("loud"));
  SyslogEncoder enc(c, clock_);
  std::string out;
  enc.encode(e, out);
  EXPECT_EQ(out.substr(0, 4), "<13>");  // user-level (1) * 8 + notice (5)
  EXPECT_EQ(enc.stats().unknown_facility, 1u);
  EXPECT_EQ(enc.stats().unknown_severity, 1u);
  Event& l7 = event("m");
  l7.append("fac", Value::string("local7"));
  l7.append("sev", Value::string("debug"));
  out.clear();
  enc.encode(l7, out);
  EXPECT_EQ(out.substr(0, 5), "<191>");
}

// --- header sanitisation ---

TEST_F(EncoderTest, Rfc3164HostnameKeepsKubernetesNamesUnambiguous) {
  auto c = logstash_defaults();
  c.sourcehost = T("%{ns}/%{pod}");
  Event& e = event("m");
  e.append("ns", Value::string("kube-system"));
  e.append("pod", Value::string("coredns-5d78c9869d-abcde"));
  EXPECT_EQ(frame(c, e), "<13>Feb 28 14:55:34 kube-system_coredns-5d78c9869d-abcde LOGSTASH[-]: m\n");
}

TEST(SanitizeTest, Rules) {
  std::string out;
  EXPECT_TRUE(append_sanitized(out, "my host\x01", FieldRule::k3164Host, 255));
  EXPECT_EQ(out, "my_host");  // trailing '_' dropped: rsyslog wants an alnum last
  out.clear();
  EXPECT_TRUE(append_sanitized(out, "node.example.com.", FieldRule::k3164Host, 255));
  EXPECT_EQ(out, "node.example.com");
  out.clear();
  EXPECT_FALSE(append_sanitized(out, "node-1.example.com", FieldRule::k3164Host, 255));
  EXPECT_EQ(out, "node-1.example.com");
  out.clear();
  // A multi-byte character becomes one '_'.
  EXPECT_TRUE(append_sanitized(out, "h\xC3\xA9llo\xE2\x82\xAC", FieldRule::k5424, 255));
  EXPECT_EQ(out, "h_llo_");
  out.clear();
  EXPECT_FALSE(append_sanitized(out, "ns/pod[0]:x", FieldRule::k5424, 255));
  EXPECT_EQ(out, "ns/pod[0]:x");
  out.clear();
  EXPECT_TRUE(append_sanitized(out, "ns/pod[0]: x", FieldRule::k3164Tag, 32));
  EXPECT_EQ(out, "ns_pod_0___x");
  out.clear();
  EXPECT_TRUE(append_sanitized(out, "12[3] 4", FieldRule::k3164Procid, 128));
  EXPECT_EQ(out, "12_3__4");
  out.clear();
  EXPECT_TRUE(append_sanitized(out, std::string(300, 'a'), FieldRule::k5424, 255));
  EXPECT_EQ(out, std::string(255, 'a'));
}

TEST_F(EncoderTest, Rfc5424FieldLengthsAndEmptyFields) {
  auto c = logstash_defaults(Rfc::k5424);
  c.appname = T("%{app}");
  c.procid = T("%{pid}");
  c.msgid = T("%{mid}");
  Event& e = event("m", std::string(300, 'h'));
  e.append("app", e.string_value(std::string(60, 'a')));
  e.append("pid", e.string_value(std::string(200, '9')));
  e.append("mid", e.string_value(std::string(40, 'M')));
  SyslogEncoder enc(c, clock_);
  std::string out;
  enc.encode(e, out);
  EXPECT_EQ(out, "<13>1 2018-02-28T14:55:34.706+00:00 " + std::string(255, 'h') + " " +
                     std::string(48, 'a') + " " + std::string(128, '9') + " " + std::string(32, 'M') +
                     " - m");
  EXPECT_EQ(enc.stats().sanitized_fields, 4u);

  Event& empty = event("m", "");
  empty.append("app", Value::string(""));
  empty.append("pid", Value::string(""));
  empty.append("mid", Value::string(" "));
  out.clear();
  enc.encode(empty, out);
  EXPECT_EQ(out, "<13>1 2018-02-28T14:55:34.706+00:00 - - - _ - m");
}

TEST_F(EncoderTest, Rfc3164TagCutTo32AndEmptyHostGetsDefault) {
  auto c = logstash_defaults();
  c.appname = T("%{app}");
  c.default_hostname = "node-7";
  Event& e = event("m", "");
  e.append("app", e.string_value(std::string(40, 't')));
  EXPECT_EQ(frame(c, e), "<13>Feb 28 14:55:34 node-7 " + std::string(32, 't') + "[-]: m\n");
}

TEST_F(EncoderTest, MissingFieldRendersLiterallyAsLogstashButSanitized) {
  auto c = logstash_defaults(Rfc::k5424);
  c.sourcehost = T("%{kubernetes.namespace}/%{kubernetes.pod}");
  Event& e = batch_.add();
  e.append("message", Value::string("m"));
  e.append("@timestamp", Value::timestamp(kTs));
  EXPECT_EQ(frame(c, e),
            "<13>1 2018-02-28T14:55:34.706+00:00 %{kubernetes.namespace}/%{kubernetes.pod} LOGSTASH - "
            "- - m\n");
}

// --- structured data ---

TEST(StructuredDataTest, Validation) {
  EXPECT_TRUE(is_valid_structured_data("-"));
  EXPECT_TRUE(is_valid_structured_data("[a]"));
  EXPECT_TRUE(is_valid_structured_data(R"([a@1 x="1" y=""][b z="q\"\]\\"])"));
  EXPECT_FALSE(is_valid_structured_data(""));
  EXPECT_FALSE(is_valid_structured_data("[a"));
  EXPECT_FALSE(is_valid_structured_data("[a x=1]"));
  EXPECT_FALSE(is_valid_structured_data("[a x=\"]\"]"));
  EXPECT_FALSE(is_valid_structured_data("[a] [b]"));
  EXPECT_FALSE(is_valid_structured_data("[%{sd}"));
  EXPECT_FALSE(is_valid_structured_data("[" + std::string(33, 'n') + "]"));
  EXPECT_FALSE(is_valid_structured_data("[a x=\"1\""));
  EXPECT_FALSE(is_valid_structured_data("[a x=\"line\nbreak\"]"));
}

TEST(StructuredDataTest, ParamValueEscaping) {
  std::string out;
  append_sd_param_value(out, "q\"b\\s]n\nend");
  EXPECT_EQ(out, R"(q\"b\\s\]n\nend)");
  EXPECT_TRUE(is_valid_structured_data("[a v=\"" + out + "\"]"));
}

TEST_F(EncoderTest, InvalidStructuredDataBecomesNilAndIsCounted) {
  auto c = logstash_defaults(Rfc::k5424);
  c.structured_data = T("%{sd}");
  SyslogEncoder enc(c, clock_);
  std::string out;
  enc.encode(event("m"), out);  // renders "%{sd}" literally: not SD
  EXPECT_EQ(out, "<13>1 2018-02-28T14:55:34.706+00:00 baz LOGSTASH - - - m");
  EXPECT_EQ(enc.stats().invalid_structured_data, 1u);
}

TEST_F(EncoderTest, StructuredDataParamsAreEscapedAndMissingOnesLeftOut) {
  auto c = logstash_defaults(Rfc::k5424);
  c.sd_id = "kubernetes@32473";
  c.sd_params = {{"container", T("%{c}")}, {"namespace", T("%{ns}")}, {"pod", T("%{pod}")}};
  Event& e = event("m");
  e.append("ns", Value::string("default"));
  e.append("pod", Value::string(R"(we"ird\pod])"));
  EXPECT_EQ(frame(c, e), "<13>1 2018-02-28T14:55:34.706+00:00 baz LOGSTASH - - "
                         R"([kubernetes@32473 namespace="default" pod="we\"ird\\pod\]"])"
                         " m\n");
  // Nothing to say: no element at all.
  EXPECT_EQ(frame(c, event("m")), "<13>1 2018-02-28T14:55:34.706+00:00 baz LOGSTASH - - - m\n");
}

// --- framing and truncation ---

TEST(FramingTest, OctetCountingAndNewline) {
  std::string out = "xx";
  std::size_t start = out.size();
  out += "<13>1 - - - - - - hello";
  net::frame_in_place(out, start, net::Framing::kOctetCounting);
  EXPECT_EQ(out, "xx23 <13>1 - - - - - - hello");
  std::string big(12345, 'a');
  out.clear();
  out += big;
  net::frame_in_place(out, 0, net::Framing::kOctetCounting);
  EXPECT_EQ(out, "12345 " + big);
  out = "a";
  net::frame_in_place(out, 0, net::Framing::kNewline);
  EXPECT_EQ(out, "a\n");
  out.clear();
  net::append_framed(out, "abc", net::Framing::kOctetCounting);
  net::append_framed(out, "", net::Framing::kOctetCounting);
  net::append_framed(out, "d", net::Framing::kNewline);
  EXPECT_EQ(out, "3 abc0 d\n");
  EXPECT_EQ(net::decimal_digits(0), 1u);
  EXPECT_EQ(net::decimal_digits(9), 1u);
  EXPECT_EQ(net::decimal_digits(10), 2u);
  EXPECT_EQ(net::decimal_digits(1000000), 7u);
}

TEST(TruncateTest, CutsAtUtf8Boundary) {
  std::string s = "ab\xE2\x82\xAC" "cd";  // a b € c d
  EXPECT_EQ(utf8_truncated_size(s, 100), s.size());
  EXPECT_EQ(utf8_truncated_size(s, 5), 5u);  // after the euro sign
  EXPECT_EQ(utf8_truncated_size(s, 4), 2u);  // inside it: back to its start
  EXPECT_EQ(utf8_truncated_size(s, 3), 2u);
  EXPECT_EQ(utf8_truncated_size(s, 2), 2u);
  std::string four = "\xF0\x9F\x98\x80\xF0\x9F\x98\x80";  // two emoji
  EXPECT_EQ(utf8_truncated_size(four, 7), 4u);
  EXPECT_EQ(utf8_truncated_size(four, 5), 4u);
  // Garbage continuation bytes: cut where asked rather than loop.
  std::string junk(10, '\x80');
  EXPECT_EQ(utf8_truncated_size(junk, 6), 6u);
}

// --- the header cache: the same bytes and counts as rendering each event ---

TEST_F(EncoderTest, HeadersOfManyContainersComeOutAsIfRenderedEachTime) {
  auto c = logstash_defaults(Rfc::k5424);
  c.sourcehost = T("%{host}");
  c.appname = T("%{app}");
  c.procid = T("%{ns}/%{pod}");
  c.sd_id = "kubernetes@32473";
  c.sd_params = {{"pod", T("%{pod}")}};
  SyslogEncoder enc(c, clock_);
  // 11 containers (more than the cache keeps), one with a name to sanitise, one without a pod.
  std::string out;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 11; ++i) {
      Event& e = event("line", "node-1");
      e.append("app", e.string_value(i == 3 ? "bad name" : "app-" + std::to_string(i)));
      e.append("ns", Value::string("ns"));
      if (i != 5) e.append("pod", e.string_value("pod-" + std::to_string(i)));
      out.clear();
      enc.encode(e, out);
      std::string app = i == 3 ? "bad_name" : "app-" + std::to_string(i);
      std::string pod = i == 5 ? "%{pod}" : "pod-" + std::to_string(i);
      std::string sd = i == 5 ? "-" : "[kubernetes@32473 pod=\"" + pod + "\"]";
      EXPECT_EQ(out, "<13>1 2018-02-28T14:55:34.706+00:00 node-1 " + app + " ns/" + pod + " - " +
                         sd + " line")
          << "round " << round << ", container " << i;
    }
  }
  EXPECT_EQ(enc.stats().sanitized_fields, 3u);  // "bad name" once per round, cached or not
}

TEST_F(EncoderTest, AHeaderThatFormatsTheTimeIsRenderedForEachEvent) {
  auto c = logstash_defaults(Rfc::k5424);
  c.msgid = T("%{+HH}");
  SyslogEncoder enc(c, clock_);
  std::string a, b;
  enc.encode(event("m", "h", kTs), a);
  enc.encode(event("m", "h", from_civil(2018, 2, 28, 15, 0, 0, 0)), b);
  EXPECT_NE(a.find(" 14 "), std::string::npos) << a;
  EXPECT_NE(b.find(" 15 "), std::string::npos) << b;
}

TEST_F(EncoderTest, AValueOfAnotherTypeIsPartOfTheHeaderKey) {
  auto c = logstash_defaults();
  c.procid = T("%{pid}");
  SyslogEncoder enc(c, clock_);
  std::string a, b;
  Event& e1 = event("m");
  e1.append("pid", Value::integer(7));
  enc.encode(e1, a);
  Event& e2 = event("m");
  e2.append("pid", Value::integer(8));
  enc.encode(e2, b);
  EXPECT_NE(a.find("[7]"), std::string::npos) << a;
  EXPECT_NE(b.find("[8]"), std::string::npos) << b;
}

}  // namespace
}  // namespace logferry::sinks::syslog

// Round trip: what the syslog sink encodes, the syslog source parses back to the same fields.
// Covers both RFCs, facility/severity, timestamps at each RFC's precision, multibyte text, and
// structured-data values that need escaping.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/time_util.h"
#include "sinks/syslog/syslog_encoder.h"
#include "sources/syslog/syslog_parser.h"

namespace logferry {
namespace {

using sinks::syslog::EncoderConfig;
using sinks::syslog::Rfc;
using sinks::syslog::SyslogEncoder;

Template tmpl(const std::string& s) { return Template::compile(s).value(); }

struct Decoded {
  std::string host, appname, procid, msgid, message;
  int64_t facility = -1, severity = -1;
  Timestamp ts;
  std::map<std::string, std::string> sd;
};

Decoded parse_back(const std::string& frame) {
  Arena arena;
  Event e(arena);
  auto fmt = sources::syslog::parse_syslog(frame, e, Timestamp{1'700'000'000'000'000'000});
  EXPECT_NE(fmt, sources::syslog::SyslogFormat::kMalformed) << frame;
  Decoded d;
  auto str = [&](const char* k) {
    const Value* v = e.root().get(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  d.host = str("host");
  d.appname = str("appname");
  d.procid = str("procid");
  d.msgid = str("msgid");
  d.message = str("message");
  if (const Value* v = e.root().get("facility")) d.facility = v->as_int();
  if (const Value* v = e.root().get("severity")) d.severity = v->as_int();
  if (const Value* v = e.root().get("@timestamp")) d.ts = v->as_timestamp();
  if (const Value* sd = e.root().get("structured_data"); sd && sd->is_object()) {
    for (const auto& element : sd->as_object()->fields)
      for (const auto& param : element.value.as_object()->fields)
        d.sd[std::string(element.key) + "." + std::string(param.key)] = std::string(param.value.as_string());
  }
  return d;
}

class RoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    event.set(FieldPath::parse("@timestamp"),
              Value::timestamp(*parse_rfc3339("2026-11-25T14:58:07.123456Z")));
    event.set(FieldPath::parse("host"), Value::string("node-7"));
    event.set(FieldPath::parse("kubernetes.namespace"), Value::string("shop"));
    event.set(FieldPath::parse("kubernetes.pod"), Value::string("cart-5c4b7f9d8-m8zrt"));
    event.set(FieldPath::parse("kubernetes.container"), Value::string("cart"));
    event.set(FieldPath::parse("stream"), Value::string("stderr"));
    event.set(FieldPath::parse("log"), Value::string("grüße \"quoted\" [brackets] back\\slash — 日本語"));
  }
  EncoderConfig config(Rfc rfc) {
    EncoderConfig c;
    c.rfc = rfc;
    c.facility = tmpl("local3");
    c.severity = tmpl("error");
    c.priority = tmpl("%{syslog_pri}");
    c.sourcehost = tmpl("%{host}");
    c.appname = tmpl("%{kubernetes.container}");
    c.procid = tmpl("%{kubernetes.namespace}/%{kubernetes.pod}");
    c.msgid = tmpl("%{stream}");
    c.message = tmpl("%{log}");
    c.structured_data = tmpl("");
    return c;
  }
  Arena arena;
  Event event{arena};
  FakeClock clock;
};

TEST_F(RoundTripTest, Rfc5424KeepsEveryHeaderFieldAndStructuredData) {
  EncoderConfig c = config(Rfc::k5424);
  c.sd_id = "kubernetes@32473";
  c.sd_params = {{"namespace", tmpl("%{kubernetes.namespace}")},
                 {"pod", tmpl("%{kubernetes.pod}")},
                 {"note", tmpl("%{log}")}};
  SyslogEncoder enc(std::move(c), clock);
  std::string frame;
  enc.encode(event, frame);
  Decoded d = parse_back(frame);
  EXPECT_EQ(d.host, "node-7");
  EXPECT_EQ(d.appname, "cart");
  EXPECT_EQ(d.procid, "shop/cart-5c4b7f9d8-m8zrt");
  EXPECT_EQ(d.msgid, "stderr");
  EXPECT_EQ(d.message, "grüße \"quoted\" [brackets] back\\slash — 日本語");
  EXPECT_EQ(d.facility, 19);  // local3, RFC 5424 numbering
  EXPECT_EQ(d.severity, 3);
  EXPECT_EQ(d.ts.ns, parse_rfc3339("2026-11-25T14:58:07.123Z")->ns);  // millisecond precision
  EXPECT_EQ(d.sd["kubernetes@32473.namespace"], "shop");
  EXPECT_EQ(d.sd["kubernetes@32473.pod"], "cart-5c4b7f9d8-m8zrt");
  EXPECT_EQ(d.sd["kubernetes@32473.note"], "grüße \"quoted\" [brackets] back\\slash — 日本語");
}

TEST_F(RoundTripTest, Rfc3164KeepsHostTagPidAndMessage) {
  EncoderConfig c = config(Rfc::k3164);
  c.procid = tmpl("%{kubernetes.pod}");
  SyslogEncoder enc(std::move(c), clock);
  std::string frame;
  enc.encode(event, frame);
  Decoded d = parse_back(frame);
  EXPECT_EQ(d.host, "node-7");
  EXPECT_EQ(d.appname, "cart");
  EXPECT_EQ(d.procid, "cart-5c4b7f9d8-m8zrt");
  EXPECT_EQ(d.message, "grüße \"quoted\" [brackets] back\\slash — 日本語");
  EXPECT_EQ(d.facility, 19);
  EXPECT_EQ(d.severity, 3);
  // RFC 3164 has no year and whole seconds: the parser picks the year nearest `now`.
  CivilTime ct = to_civil(d.ts);
  EXPECT_EQ(ct.month, 11);
  EXPECT_EQ(ct.day, 25);
  EXPECT_EQ(ct.hour, 14);
  EXPECT_EQ(ct.second, 7);
}

TEST_F(RoundTripTest, MultiLineMessageComesBackEscapedAsLogstashSendsIt) {
  event.set(FieldPath::parse("log"), Value::string("first\r\nsecond\nthird"));
  SyslogEncoder enc(config(Rfc::k5424), clock);
  std::string frame;
  enc.encode(event, frame);
  EXPECT_EQ(parse_back(frame).message, "first\\nsecond\\nthird");
}

}  // namespace
}  // namespace logferry

#include "sources/beats/beats_event.h"

#include <gtest/gtest.h>

#include <string>

#include "core/event_batch.h"
#include "core/json.h"
#include "core/time_util.h"

namespace logferry::sources::beats {
namespace {

const Timestamp kNow = from_civil(2026, 12, 1, 10, 0, 0, 0);

// What ICP's Filebeat 5.x sends for one Docker json-file line (REFERENCE.md §7).
constexpr std::string_view kIcpEvent =
    R"({"@timestamp":"2018-04-07T12:00:01.123Z","@metadata":{"beat":"filebeat","type":"kube-logs"},)"
    R"("log":"GET /healthz 200","stream":"stdout","time":"2018-04-07T12:00:01.100000001Z",)"
    R"("source":"/var/log/containers/web-1_default_nginx-0123.log","offset":1234,"type":"kube-logs",)"
    R"("beat":{"name":"node1","hostname":"node1","version":"5.6.3"},"input_type":"log"})";

class Mapped {
 public:
  explicit Mapped(std::string_view json, MappingOptions o = {}, std::string_view ip = "10.0.0.7")
      : mapper_(o), event_(batch_.add()) {
    result_ = mapper_.map_json(json, event_, kNow, ip);
  }
  Mapped(const std::vector<std::pair<std::string_view, std::string_view>>& pairs, MappingOptions o = {})
      : mapper_(o), event_(batch_.add()) {
    result_ = mapper_.map_pairs(pairs, event_, kNow, "");
  }
  const Value* get(std::string_view path) const { return event_.find(FieldPath::parse(path)); }
  std::string str(std::string_view path) const {
    const Value* v = get(path);
    if (!v) return "<absent>";
    std::string out;
    append_text(out, *v);
    return out;
  }
  std::string json() const {
    std::string out;
    append_json(out, event_);
    return out;
  }
  MapResult result() const { return result_; }

 private:
  EventBatch batch_;
  EventMapper mapper_;
  Event& event_;
  MapResult result_;
};

TEST(BeatsEventTest, IcpFilebeatEventKeepsItsKeysAndIsARawEvent) {
  Mapped m(kIcpEvent);
  EXPECT_EQ(m.str("log"), "GET /healthz 200");
  EXPECT_EQ(m.str("stream"), "stdout");
  EXPECT_EQ(m.str("[beat][hostname]"), "node1");
  EXPECT_EQ(m.str("[@metadata][type]"), "kube-logs");
  EXPECT_EQ(m.str("[@metadata][beat]"), "filebeat");
  EXPECT_EQ(m.str("[@metadata][ip_address]"), "10.0.0.7");
  EXPECT_EQ(m.str("@version"), "1");
  EXPECT_EQ(m.str("tags"), "beats_input_raw_event");  // no message field: the codec never ran
  ASSERT_EQ(m.get("@timestamp")->kind(), Value::Kind::kTimestamp);
  EXPECT_EQ(m.get("@timestamp")->as_timestamp(), from_civil(2018, 4, 7, 12, 0, 1, 123'000'000));
  EXPECT_EQ(m.get("offset")->as_int(), 1234);
  EXPECT_EQ(m.get("host"), nullptr) << "add_hostname is off by default (plugin 6.x+)";
  EXPECT_EQ(m.get("message"), nullptr);
}

TEST(BeatsEventTest, AddHostnameCopiesBeatHostnameOnlyWhenHostIsAbsent) {
  MappingOptions o;
  o.add_hostname = true;
  EXPECT_EQ(Mapped(kIcpEvent, o).str("host"), "node1");
  EXPECT_EQ(Mapped(R"({"host":"mine","beat":{"hostname":"node1"}})", o).str("host"), "mine");
  EXPECT_EQ(Mapped(R"({"host":null,"beat":{"hostname":"node1"}})", o).str("host"), "node1");
}

TEST(BeatsEventTest, MessageEventGoesThroughThePlainCodec) {
  Mapped m(R"({"message":"hello","@timestamp":"2018-04-07T12:00:00Z","tags":["a"]})");
  EXPECT_EQ(m.str("message"), "hello");
  EXPECT_EQ(m.str("tags"), "a,beats_input_codec_plain_applied");
  EXPECT_FALSE(m.result().bad_timestamp);
}

TEST(BeatsEventTest, IncludeCodecTagOffAddsNoTag) {
  MappingOptions o;
  o.include_codec_tag = false;
  EXPECT_EQ(Mapped(R"({"message":"x"})", o).get("tags"), nullptr);
}

TEST(BeatsEventTest, InvalidTimestampOnRawEventIsTaggedAndKept) {
  Mapped m(R"({"log":"x","@timestamp":"yesterday"})");
  EXPECT_TRUE(m.result().bad_timestamp);
  EXPECT_EQ(m.get("@timestamp")->as_timestamp(), kNow);
  EXPECT_EQ(m.str("_@timestamp"), "yesterday");
  EXPECT_EQ(m.str("tags"), "_timestampparsefailure,beats_input_raw_event");
}

TEST(BeatsEventTest, InvalidTimestampOnMessageEventBecomesNowWithoutTag) {
  Mapped m(R"({"message":"x","@timestamp":12})");
  EXPECT_TRUE(m.result().bad_timestamp);
  EXPECT_EQ(m.get("@timestamp")->as_timestamp(), kNow);
  EXPECT_EQ(m.get("_@timestamp"), nullptr);
  EXPECT_EQ(m.str("tags"), "beats_input_codec_plain_applied");
}

TEST(BeatsEventTest, MissingTimestampIsNowAndVersionIsKeptWhenSent) {
  Mapped m(R"({"message":"x","@version":"2"})");
  EXPECT_FALSE(m.result().bad_timestamp);
  EXPECT_EQ(m.get("@timestamp")->as_timestamp(), kNow);
  EXPECT_EQ(m.str("@version"), "2");
}

TEST(BeatsEventTest, NonStringMessageIsItsText) {
  EXPECT_EQ(Mapped(R"({"message":42})").str("message"), "42");
}

TEST(BeatsEventTest, InvalidJsonIsKeptInMessageAndTagged) {
  Mapped m("{not json");
  EXPECT_TRUE(m.result().bad_json);
  EXPECT_EQ(m.str("message"), "{not json");
  EXPECT_EQ(m.str("tags"), "_jsonparsefailure");
  EXPECT_TRUE(Mapped("[1,2]").result().bad_json);
}

TEST(BeatsEventTest, V1DataFrameLineBecomesMessage) {
  std::vector<std::pair<std::string_view, std::string_view>> pairs = {
      {"line", "from lsf"}, {"host", "h1"}, {"file", "/var/log/x"}};
  Mapped m(pairs);
  EXPECT_EQ(m.str("message"), "from lsf");
  EXPECT_EQ(m.get("line"), nullptr);
  EXPECT_EQ(m.str("host"), "h1");
  EXPECT_EQ(m.str("tags"), "beats_input_codec_plain_applied");
  EXPECT_EQ(m.get("[@metadata][ip_address]"), nullptr) << "no peer given";
}

TEST(BeatsEventTest, MessageWinsOverLine) {
  Mapped m(R"({"message":"m","line":"l"})");
  EXPECT_EQ(m.str("message"), "m");
  EXPECT_EQ(m.str("line"), "l");
}

TEST(BeatsEventTest, ScalarMetadataIsReplacedByAnObject) {
  Mapped m(R"({"message":"m","@metadata":"odd"})");
  EXPECT_EQ(m.str("[@metadata][ip_address]"), "10.0.0.7");
}

}  // namespace
}  // namespace logferry::sources::beats

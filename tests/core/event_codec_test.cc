// The disk buffer's event codec: every value kind survives the round trip with its kind, and
// any cut or damaged input is an error, never a crash.
#include "core/event_codec.h"

#include <gtest/gtest.h>

#include "core/json.h"

namespace logferry {
namespace {

BatchPtr sample_batch() {
  auto b = std::make_shared<EventBatch>();
  for (int i = 0; i < 3; ++i) {
    Event& e = b->add();
    e.append("message", e.string_value("line " + std::to_string(i) + " \xc3\xa9"));
    e.append("@timestamp", Value::timestamp({1700000000123456789 + i}));
    e.append("count", Value::integer(-42 - i));
    e.append("ratio", Value::number(0.25));
    e.append("exact", Value::decimal(e.arena().copy("12345678901234567890.5")));
    e.append("ok", Value::boolean(i % 2 == 0));
    e.append("nothing", Value());
    e.append("empty", Value::string({}));
    Object& k = e.append_object("kubernetes");
    k.fields.push_back({"pod", e.string_value("web-1")});
    Array* tags = e.new_array();
    tags->items.push_back(e.string_value("a"));
    tags->items.push_back(Value::integer(7));
    e.append("tags", Value::array(tags));
  }
  return b;
}

TEST(EventCodecTest, RoundTripKeepsEveryKindAndValue) {
  BatchPtr in = sample_batch();
  std::string bytes;
  encode_events(*in, bytes);
  EventBatch out;
  ASSERT_TRUE(decode_events(bytes, out));
  ASSERT_EQ(out.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    std::string a, b;
    append_json(a, in->events()[i]);
    append_json(b, out.events()[i]);
    EXPECT_EQ(a, b);
    EXPECT_EQ(out.events()[i].root().get("@timestamp")->kind(), Value::Kind::kTimestamp);
    EXPECT_EQ(out.events()[i].root().get("@timestamp")->as_timestamp().ns,
              1700000000123456789 + static_cast<int64_t>(i));
    EXPECT_EQ(out.events()[i].root().get("count")->kind(), Value::Kind::kInt);
    EXPECT_EQ(out.events()[i].root().get("exact")->kind(), Value::Kind::kDecimal);
    EXPECT_EQ(out.events()[i].root().get("exact")->as_string(), "12345678901234567890.5");
  }
}

TEST(EventCodecTest, EveryTruncationIsAnErrorNotACrash) {
  BatchPtr in = sample_batch();
  std::string bytes;
  encode_events(*in, bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EventBatch out;
    EXPECT_FALSE(decode_events(std::string_view(bytes).substr(0, n), out)) << n;
  }
}

TEST(EventCodecTest, DamagedLengthsAndKindsAreRefused) {
  BatchPtr in = sample_batch();
  std::string bytes;
  encode_events(*in, bytes);
  int refused = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(0xff);
    EventBatch out;
    if (!decode_events(bad, out)) ++refused;  // some bytes (string contents) decode fine
  }
  EXPECT_GT(refused, 0);
  std::string trailing = bytes + "x";
  EventBatch out;
  EXPECT_FALSE(decode_events(trailing, out));
}

}  // namespace
}  // namespace logferry

// JsonReader::read_object_into: an object's fields appended to an existing object (the beats
// source's event root) in order, nested objects built at their final size, and the target left
// as it was when the text is not one JSON object.
#include "core/json_reader.h"

#include <gtest/gtest.h>

#include <random>

#include "core/event_batch.h"
#include "core/json.h"
#include "core/utf8.h"

namespace logferry {
namespace {

TEST(JsonReaderTest, ReadObjectIntoAppendsTheFieldsInOrder) {
  EventBatch batch;
  Event& e = batch.add();
  e.append("first", Value::string("kept"));
  JsonReader reader;
  ASSERT_TRUE(reader.read_object_into(
      R"({"a":1,"b":{"c":[1,{"d":"e"}],"f":{}},"a":2.50,"s":"t\u00e9\n","n":null})", e, e.root(), 6));
  std::string out;
  append_json(out, e.root());
  // Repeated keys stay as they came (as read() keeps them); numbers keep their text.
  EXPECT_EQ(out, R"({"first":"kept","a":1,"b":{"c":[1,{"d":"e"}],"f":{}},"a":2.50,"s":"té\n","n":null})");
  EXPECT_GE(e.root().fields.capacity(), e.root().fields.size() + 6);
  const Object& b = *e.root().get("b")->as_object();
  EXPECT_EQ(b.fields.capacity(), b.fields.size());  // built once at its size, no 1,2,4.. growth
}

TEST(JsonReaderTest, ReadObjectIntoLeavesTheTargetAloneOnBadText) {
  EventBatch batch;
  Event& e = batch.add();
  e.append("first", Value::string("kept"));
  JsonReader reader;
  for (std::string_view bad : {R"({"a":1,"b":)", R"({"a":1} x)", R"([1,2])", R"("text")", "", R"({"a":1,})",
                               R"({"a":{"b":[1,}})"}) {
    EXPECT_FALSE(reader.read_object_into(bad, e, e.root(), 4)) << bad;
    ASSERT_EQ(e.root().fields.size(), 1u) << bad;
  }
  // And the reader is still good for the next text.
  ASSERT_TRUE(reader.read_object_into(R"({"x":{"y":1}})", e, e.root(), 0));
  std::string out;
  append_json(out, e.root());
  EXPECT_EQ(out, R"({"first":"kept","x":{"y":1}})");
}

TEST(JsonReaderTest, ReadBuildsNestedObjectsAfterAFailedRead) {
  EventBatch batch;
  Event& e = batch.add();
  JsonReader reader;
  EXPECT_FALSE(reader.read(R"({"a":{"b":{"c":)", e));
  auto v = reader.read(R"({"p":{"q":1,"r":{"s":2}},"t":3})", e);
  ASSERT_TRUE(v && v->is_object());
  std::string out;
  append_json(out, *v);
  EXPECT_EQ(out, R"({"p":{"q":1,"r":{"s":2}},"t":3})");
}

// Plain strings and keys view the text's copy in the arena, escaped ones are unescaped: both
// must stay right after the reader has moved on to other texts (its own buffers reused).
TEST(JsonReaderTest, StringsAndKeysWithAndWithoutEscapesOutliveTheNextRead) {
  EventBatch batch;
  Event& e = batch.add();
  JsonReader reader;
  auto v = reader.read(R"({"plain":"text here","a\"b":"x\\y","k\u00e9":"\u00e9\n","":"","sp" : "v" ,"q":"\""})", e);
  ASSERT_TRUE(v && v->is_object());
  for (int i = 0; i < 3; ++i)  // overwrite the reader's buffers with other text
    ASSERT_TRUE(reader.read(R"({"zzzzzzzzzzzz":"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy","w":"\u0041"})", e));
  const Object& o = *v->as_object();
  ASSERT_EQ(o.fields.size(), 6u);
  EXPECT_EQ(o.get("plain")->as_string(), "text here");
  EXPECT_EQ(o.get("a\"b")->as_string(), "x\\y");
  EXPECT_EQ(o.get("k\xC3\xA9")->as_string(), "\xC3\xA9\n");
  EXPECT_EQ(o.get("")->as_string(), "");
  EXPECT_EQ(o.get("sp")->as_string(), "v");
  EXPECT_EQ(o.get("q")->as_string(), "\"");
  std::string out;
  append_json(out, *v);
  EXPECT_EQ(out, R"({"plain":"text here","a\"b":"x\\y","ké":"é\n","":"","sp":"v","q":"\""})");
}

TEST(JsonReaderTest, InvalidEscapesAndUtf8AreStillRejected) {
  EventBatch batch;
  Event& e = batch.add();
  JsonReader reader;
  EXPECT_FALSE(reader.read(R"({"a":"bad \x escape"})", e));
  EXPECT_FALSE(reader.read("{\"a\":\"\xC0\x80\"}", e));  // overlong UTF-8
  EXPECT_FALSE(reader.read("{\"\xFF\":1}", e));
  EXPECT_FALSE(reader.read(R"({"a":"unterminated})", e));
}

// Writer and reader agree: any bytes written by append_json_string (as a value and as a key)
// read back as the same text, invalid UTF-8 bytes replaced by U+FFFD.
TEST(JsonReaderTest, AnyBytesRoundTripThroughTheWriter) {
  std::mt19937 rng(7);
  const std::string pool = std::string("ab \"\\/\n\r\t\x01\x1f\x7f") + std::string(1, '\0') + "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x80\xFF\xED\xA0";
  JsonReader reader;
  for (int n = 0; n < 5000; ++n) {
    EventBatch batch;
    Event& e = batch.add();
    std::string s(rng() % 40, ' ');
    for (char& c : s) c = pool[rng() % pool.size()];
    std::string sanitized;
    for (std::size_t i = 0; i < s.size();) {
      std::size_t len = utf8_sequence_length(s, i);
      sanitized += len == 0 ? std::string("\xEF\xBF\xBD") : s.substr(i, len);
      i += len == 0 ? 1 : len;
    }
    std::string json = "{";
    append_json_key(json, s, true);
    append_json_string(json, s);
    json += "}";
    ASSERT_TRUE(reader.read_object_into(json, e, e.root(), 0)) << json;
    ASSERT_EQ(e.root().fields.size(), 1u);
    ASSERT_EQ(e.root().fields[0].key, sanitized) << json;
    ASSERT_EQ(e.root().fields[0].value.as_string(), sanitized) << json;
  }
}

}  // namespace
}  // namespace logferry

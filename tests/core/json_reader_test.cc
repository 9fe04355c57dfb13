// JsonReader::read_object_into: an object's fields appended to an existing object (the beats
// source's event root) in order, nested objects built at their final size, and the target left
// as it was when the text is not one JSON object.
#include "core/json_reader.h"

#include <gtest/gtest.h>

#include "core/event_batch.h"
#include "core/json.h"

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

}  // namespace
}  // namespace logferry

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

}  // namespace
}  // namespace logferry

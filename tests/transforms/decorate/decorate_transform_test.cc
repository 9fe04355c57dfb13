#include "transforms/decorate/decorate_transform.h"

#include <gtest/gtest.h>

#include "transforms/transform_test_util.h"

namespace logferry::transforms {
namespace {

using testing::build_transform;
using testing::option_problems;
using testing::to_json;

// Logstash's inputs/base.rb decorate: type unless present, add_field, then tags.
TEST(DecorateTransformTest, TypeOnlyWhenAbsentFieldsAndTagsAppended) {
  Metrics metrics;
  auto d = build_transform<DecorateTransform>(
      R"({type: web, add_field: {env: "prod-%{host}", message: extra}, add_tag: [in, "%{host}"]})", metrics);
  EventBatch batch;
  Event& fresh = batch.add();
  fresh.append("message", fresh.string_value("hello"));
  fresh.append("host", fresh.string_value("h1"));
  Event& typed = batch.add();
  typed.append("type", typed.string_value("given"));
  typed.append("tags", Value::string("_jsonparsefailure"));
  d->apply(batch);
  ASSERT_EQ(batch.size(), 2u);
  // An existing field becomes an array (Logstash's add_field), tags form a set.
  EXPECT_EQ(to_json(batch.events()[0]),
            R"({"message":["hello","extra"],"host":"h1","type":"web","env":"prod-h1","tags":["in","h1"]})");
  EXPECT_EQ(to_json(batch.events()[1]),
            R"({"type":"given","tags":["_jsonparsefailure","in","%{host}"],"env":"prod-%{host}","message":"extra"})");
}

TEST(DecorateTransformTest, NothingGivenLeavesEventsAlone) {
  Metrics metrics;
  auto d = build_transform<DecorateTransform>("{}", metrics);
  EventBatch batch;
  batch.add().append("a", Value::integer(1));
  d->apply(batch);
  EXPECT_EQ(to_json(batch.events()[0]), R"({"a":1})");
}

TEST(DecorateTransformTest, BadTemplateIsAValidateError) {
  EXPECT_NE(option_problems<DecorateTransform>(R"({add_field: {x: "%{+YYYY.bbb}"}})"), "");
}

}  // namespace
}  // namespace logferry::transforms

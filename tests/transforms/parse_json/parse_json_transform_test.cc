#include "transforms/parse_json/parse_json_transform.h"

#include <gtest/gtest.h>

#include "transforms/transform_test_util.h"

namespace logferry::transforms {
namespace {

using testing::build_transform;
using testing::to_json;

class ParseJsonTest : public ::testing::Test {
 protected:
  std::string run(const std::string& yaml, std::string_view text) {
    auto t = build_transform<ParseJsonTransform>(yaml, metrics);
    if (!t) return "<build failed>";
    EventBatch batch;
    Event& e = batch.add();
    e.append("message", e.string_value(text));
    e.append("host", Value::string("node"));
    t->apply(batch);
    return to_json(batch.events().at(0));
  }
  int64_t failures() {
    return metrics.value("logferry_parse_json_failures_total", {{"component", "t"}});
  }
  Metrics metrics;
};

TEST_F(ParseJsonTest, IntoTargetField) {
  EXPECT_EQ(run("target: doc", R"({"level":"info","n":3,"ok":true,"x":null,"f":1.5,"a":[1,"b",{"c":[]}]})"),
            R"({"message":"{\"level\":\"info\",\"n\":3,\"ok\":true,\"x\":null,\"f\":1.5,\"a\":[1,\"b\",{\"c\":[]}]}",)"
            R"("host":"node","doc":{"level":"info","n":3,"ok":true,"x":null,"f":1.5,"a":[1,"b",{"c":[]}]}})");
  EXPECT_EQ(failures(), 0);
}

TEST_F(ParseJsonTest, NestedTargetAndScalarsAllowed) {
  EXPECT_EQ(run("{target: \"[parsed][value]\", remove_source: true}", "42"),
            R"({"host":"node","parsed":{"value":42}})");
  EXPECT_EQ(run("target: big", "18446744073709551615"),
            R"({"message":"18446744073709551615","host":"node","big":18446744073709551615})");
}

TEST_F(ParseJsonTest, MergesIntoRootReplacingFields) {
  EXPECT_EQ(run("{}", R"({"host":"from-json","msg":"hi","k8s":{"ns":"prod"}})"),
            R"({"message":"{\"host\":\"from-json\",\"msg\":\"hi\",\"k8s\":{\"ns\":\"prod\"}}",)"
            R"("host":"from-json","msg":"hi","k8s":{"ns":"prod"}})");
  // remove_source, and a JSON "message" key survives the removal of the source
  EXPECT_EQ(run("remove_source: true", R"({"message":"inner","level":"warn"})"),
            R"({"host":"node","message":"inner","level":"warn"})");
}

TEST_F(ParseJsonTest, InvalidJsonIsTaggedCountedAndKept) {
  EXPECT_EQ(run("target: doc", R"({"broken": )"),
            R"({"message":"{\"broken\": ","host":"node","tags":["_jsonparsefailure"]})");
  EXPECT_EQ(failures(), 1);
  // without a target only an object can be merged
  EXPECT_EQ(run("tag_on_failure: [bad_json, other]", R"([1, 2])"),
            R"({"message":"[1, 2]","host":"node","tags":["bad_json","other"]})");
  EXPECT_EQ(failures(), 2);
  EXPECT_EQ(run("tag_on_failure: []", "not json"), R"({"message":"not json","host":"node"})");
  EXPECT_EQ(failures(), 3);
}

TEST_F(ParseJsonTest, MissingSourceIsLeftAlone) {
  EXPECT_EQ(run("source: nothing", "{}"), R"({"message":"{}","host":"node"})");
  EXPECT_EQ(failures(), 0);
}

TEST_F(ParseJsonTest, ManyEventsReuseTheParser) {
  auto t = build_transform<ParseJsonTransform>("target: doc", metrics);
  EventBatch batch;
  for (int i = 0; i < 1000; ++i) {
    Event& e = batch.add();
    std::string text = R"({"i":)" + std::to_string(i) + R"(,"s":")" + std::string(static_cast<std::size_t>(i % 50), 'x') + R"("})";
    e.append("message", e.string_value(text));
  }
  t->apply(batch);
  for (int i = 0; i < 1000; ++i) {
    const Value* v = batch.events()[static_cast<std::size_t>(i)].find(FieldPath::parse("doc.i"));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->as_int(), i);
    EXPECT_EQ(batch.events()[static_cast<std::size_t>(i)].find(FieldPath::parse("doc.s"))->as_string().size(),
              static_cast<std::size_t>(i % 50));
  }
}

}  // namespace
}  // namespace logferry::transforms

namespace logferry::transforms {
namespace {

using testing::build_transform;
using testing::to_json;

class JsonFilterTest : public ::testing::Test {
 protected:
  std::string run(const std::string& yaml, std::string_view text) {
    auto t = build_transform<ParseJsonTransform>(yaml, metrics);
    if (!t) return "<build failed>";
    EventBatch batch;
    Event& e = batch.add();
    e.append("message", e.string_value(text));
    t->apply(batch);
    return to_json(batch.events().at(0));
  }
  Metrics metrics;
};

// json_spec: decimals are BigDecimal, so nothing is rounded on the way through.
TEST_F(JsonFilterTest, NumbersStayExact) {
  EXPECT_EQ(run("{target: d}", R"({"t":1478207457.456,"big":123456789012345678901,"e":1.5E+3,"i":-7})"),
            R"({"message":"{\"t\":1478207457.456,\"big\":123456789012345678901,\"e\":1.5E+3,\"i\":-7}",)"
            R"("d":{"t":1478207457.456,"big":123456789012345678901,"e":1.5E+3,"i":-7}})");
  EXPECT_EQ(run("{target: d}", "1.10"), R"({"message":"1.10","d":1.10})");
}

TEST_F(JsonFilterTest, RejectsMalformedNumbersAndTrailingText) {
  for (std::string_view bad : {"01", "1.", "-", "1e", "[1.2.3]", "{\"a\":1} x", "[1] [2]", "12 34",
                               "{\"a\":}", "[tru]", ""}) {
    std::string expected = R"({"message":)";
    append_json_string(expected, bad);
    EXPECT_EQ(run("{target: d}", bad), expected + R"(,"tags":["_jsonparsefailure"]})") << bad;
  }
}

TEST_F(JsonFilterTest, NonObjectWithoutTargetIsTaggedEvenWhenSkippingInvalidJson) {
  EXPECT_EQ(run("skip_on_invalid_json: true", "[1,2]"),
            R"({"message":"[1,2]","tags":["_jsonparsefailure"]})");
  EXPECT_EQ(run("skip_on_invalid_json: true", "not json"), R"({"message":"not json"})");
}

TEST_F(JsonFilterTest, TimestampInsideBecomesTheEventTimestamp) {
  EXPECT_EQ(run("{}", R"({"@timestamp":"2015-12-02T17:40:00.666Z","a":1})"),
            R"({"message":"{\"@timestamp\":\"2015-12-02T17:40:00.666Z\",\"a\":1}","a":1,)"
            R"("@timestamp":"2015-12-02T17:40:00.666Z"})");
}

TEST_F(JsonFilterTest, UnparsableTimestampIsKeptAndTagged) {
  FakeClock clock(Timestamp{1'700'000'000'123'000'000});
  config::Schema<ParseJsonTransform::Options> schema;
  ParseJsonTransform::describe(schema);
  ParseJsonTransform::Options o;
  BuildContext ctx{"t", metrics, {}, {}, "node", clock};
  auto t = ParseJsonTransform::build(o, ctx);
  ASSERT_TRUE(t);
  EventBatch batch;
  Event& e = batch.add();
  e.append("message", Value::string(R"({"@timestamp":"foobar","x":"y"})"));
  (*t)->apply(batch);
  EXPECT_EQ(to_json(batch.events()[0]),
            R"({"message":"{\"@timestamp\":\"foobar\",\"x\":\"y\"}","x":"y",)"
            R"("@timestamp":"2023-11-14T22:13:20.123Z","tags":["_timestampparsefailure"],)"
            R"("_@timestamp":"foobar"})");
}

// json_spec "parse mixture of json an non-json content": remove_field only on success.
TEST_F(JsonFilterTest, RemoveFieldOnlyOnSuccess) {
  EXPECT_EQ(run("{remove_field: [message]}", "invalid"),
            R"({"message":"invalid","tags":["_jsonparsefailure"]})");
  EXPECT_EQ(run("{remove_field: [message], skip_on_invalid_json: true}", "invalid"),
            R"({"message":"invalid"})");
  EXPECT_EQ(run("{remove_field: [message], add_tag: [ok]}", R"({"k":"v"})"),
            R"({"k":"v","tags":["ok"]})");
}

TEST_F(JsonFilterTest, MissingOrFalseSourceIsSkipped) {
  auto t = build_transform<ParseJsonTransform>("{add_tag: [ran]}", metrics);
  EventBatch batch;
  batch.add().append("message", Value::boolean(false));
  batch.add().append("other", Value::string("{}"));
  t->apply(batch);
  EXPECT_EQ(to_json(batch.events()[0]), R"({"message":false})");
  EXPECT_EQ(to_json(batch.events()[1]), R"({"other":"{}"})");
}

}  // namespace
}  // namespace logferry::transforms

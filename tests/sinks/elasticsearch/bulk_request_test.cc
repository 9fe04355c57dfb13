#include "sinks/elasticsearch/bulk_request.h"

#include <gtest/gtest.h>

#include "core/time_util.h"
#include "support/batch_builder.h"

namespace logferry::testing {
uint64_t heap_allocations();  // alloc_counter_test.cc
}

namespace logferry::sinks::elasticsearch {
namespace {

using testing::BatchBuilder;
Template T(std::string_view text) { return Template::compile(text).value(); }

ActionConfig defaults() {
  ActionConfig c;
  c.index = T("logstash-%{+YYYY.MM.dd}");
  c.action = T("index");
  return c;
}

std::string encode_one(BulkEncoder& enc, const Event& e) {
  std::string out;
  BulkItem item;
  auto err = enc.encode(e, out, item);
  EXPECT_FALSE(err) << err->reason;
  EXPECT_EQ(item.offset, 0u);
  EXPECT_EQ(item.size, out.size());
  return out;
}

TEST(BulkEncoderTest, ActionLineAndDocumentAsThePluginWritesThem) {
  BatchBuilder b;
  Event& e = b.add({{"message", "hi \"there\""}}, parse_rfc3339("2026-12-02T10:00:00.123456Z"));
  Object* meta = e.new_object();
  meta->set("beat", Value::string("filebeat"));
  e.append("@metadata", Value::object(meta));
  BulkEncoder enc(defaults());
  enc.set_server_major(7);
  EXPECT_EQ(encode_one(enc, e),
            "{\"index\":{\"_index\":\"logstash-2026.12.02\"}}\n"
            "{\"@timestamp\":\"2026-12-02T10:00:00.123Z\",\"message\":\"hi \\\"there\\\"\",\"@version\":\"1\"}\n");
}

TEST(BulkEncoderTest, TypeDependsOnTheServerVersion) {
  BatchBuilder b;
  Event& e = b.add({{"type", "kube-logs"}}, parse_rfc3339("2026-12-02T10:00:00Z"));
  BulkEncoder enc(defaults());
  auto line = [&](int major) {
    enc.set_server_major(major);
    std::string s = encode_one(enc, e);
    return s.substr(0, s.find('\n'));
  };
  EXPECT_EQ(line(5), R"({"index":{"_index":"logstash-2026.12.02","_type":"kube-logs"}})");
  EXPECT_EQ(line(6), R"({"index":{"_index":"logstash-2026.12.02","_type":"doc"}})");
  EXPECT_EQ(line(7), R"({"index":{"_index":"logstash-2026.12.02"}})");
  EXPECT_EQ(line(8), R"({"index":{"_index":"logstash-2026.12.02"}})");
  ActionConfig c = defaults();
  c.document_type = T("%{type}");
  BulkEncoder typed(c);
  typed.set_server_major(7);
  std::string s = encode_one(typed, e);
  EXPECT_EQ(s.substr(0, s.find('\n')), R"({"index":{"_index":"logstash-2026.12.02","_type":"kube-logs"}})");
  typed.set_server_major(8);
  s = encode_one(typed, e);
  EXPECT_EQ(s.substr(0, s.find('\n')), R"({"index":{"_index":"logstash-2026.12.02"}})");
}

TEST(BulkEncoderTest, CreateWithIdRoutingAndPipeline) {
  BatchBuilder b;
  Event& e = b.add({{"id", "a\"1"}, {"tenant", "t1"}, {"pipe", ""}}, parse_rfc3339("2026-12-02T10:00:00Z"));
  ActionConfig c = defaults();
  c.action = T("create");
  c.document_id = T("%{id}");
  c.routing = T("%{tenant}");
  c.pipeline = T("%{pipe}");
  BulkEncoder enc(c);
  std::string s = encode_one(enc, e);
  // An empty pipeline means none (the plugin's convention).
  EXPECT_EQ(s.substr(0, s.find('\n')),
            R"({"create":{"_index":"logstash-2026.12.02","_id":"a\"1","routing":"t1"}})");
  c.pipeline = T("geoip");
  BulkEncoder enc2(c);
  s = encode_one(enc2, e);
  EXPECT_NE(s.find(R"("pipeline":"geoip"}})"), std::string::npos) << s;
}

TEST(BulkEncoderTest, StringTimestampIsNormalisedAndVersionKept) {
  BatchBuilder b;
  Event& e = b.add({{"@timestamp", "2026-12-02T12:00:00.5+02:00"}, {"@version", "2"}});
  BulkEncoder enc(defaults());
  EXPECT_EQ(encode_one(enc, e),
            "{\"index\":{\"_index\":\"logstash-2026.12.02\"}}\n"
            "{\"@timestamp\":\"2026-12-02T10:00:00.500Z\",\"@version\":\"2\"}\n");
}

TEST(BulkEncoderTest, UnsupportedActionAndUnresolvedIndexAreMappingErrors) {
  BatchBuilder b;
  Event& e = b.add({{"op", "update"}}, parse_rfc3339("2026-12-02T10:00:00Z"));
  ActionConfig c = defaults();
  c.action = T("%{op}");
  BulkEncoder enc(c);
  std::string out = "keep";
  BulkItem item;
  auto err = enc.encode(e, out, item);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->reason, "Elasticsearch doesn't support [update] action");
  EXPECT_EQ(out, "keep");
  ActionConfig c2 = defaults();
  c2.index = T("logs-%{[kubernetes][namespace]}");
  BulkEncoder enc2(c2);
  err = enc2.encode(e, out, item);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->reason,
            "Badly formatted index, after interpolation still contains placeholder: [logs-%{[kubernetes][namespace]}]");
  EXPECT_EQ(out, "keep");
}

TEST(BulkEncoderTest, GatherCopiesTheChosenItems) {
  BatchBuilder b;
  std::string buffer;
  std::vector<BulkItem> items(3);
  BulkEncoder enc(defaults());
  for (int i = 0; i < 3; ++i) {
    Event& e = b.add({{"n", std::to_string(i)}}, parse_rfc3339("2026-12-02T10:00:00Z"));
    ASSERT_FALSE(enc.encode(e, buffer, items[static_cast<std::size_t>(i)]));
  }
  std::vector<uint32_t> which{0, 2};
  std::string out;
  gather_items(buffer, items, which, out);
  EXPECT_EQ(out, buffer.substr(items[0].offset, items[0].size) + buffer.substr(items[2].offset, items[2].size));
}

TEST(BulkEncoderTest, NoAllocationPerEventOnceBuffersHaveGrown) {
  BatchBuilder b;
  for (int i = 0; i < 100; ++i)
    b.add({{"message", "line " + std::to_string(i)}, {"id", std::to_string(i)}},
          parse_rfc3339("2026-12-02T10:00:00Z"));
  ActionConfig c = defaults();
  c.document_id = T("%{id}");
  BulkEncoder enc(c);
  std::string out;
  BulkItem item;
  auto run = [&] {
    out.clear();
    for (const Event& e : b.batch().events()) (void)enc.encode(e, out, item);
  };
  run();
  uint64_t before = testing::heap_allocations();
  run();
  EXPECT_EQ(testing::heap_allocations() - before, 0u);
}

}  // namespace
}  // namespace logferry::sinks::elasticsearch

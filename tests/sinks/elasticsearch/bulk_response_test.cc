#include "sinks/elasticsearch/bulk_response.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>

namespace logferry::testing {
uint64_t heap_allocations();  // alloc_counter_test.cc
}

namespace logferry::sinks::elasticsearch {
namespace {

BulkResponse parse_ok(std::string text) {
  // The items' views point into the body: keep every body alive while the tests look at them.
  static std::deque<std::string> bodies;
  std::string& body = bodies.emplace_back(std::move(text));
  BulkResponse r;
  auto ok = parse_bulk_response(body, r);
  EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);
  return r;
}

TEST(BulkResponseTest, FilteredResponse) {
  auto r = parse_ok(
      R"j({"errors":true,"items":[{"index":{"status":201}},{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"[1]: version conflict, document already exists (current version [1])","index_uuid":"u","shard":"0","index":"i"}}},{"index":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected"}}}]})j");
  EXPECT_TRUE(r.errors);
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_EQ(r.items[0].status, 201);
  EXPECT_EQ(r.items[0].action, "index");
  EXPECT_TRUE(r.items[0].error_json.empty());
  EXPECT_EQ(r.items[1].status, 409);
  EXPECT_EQ(r.items[1].action, "create");
  EXPECT_EQ(r.items[1].error_type, "version_conflict_engine_exception");
  EXPECT_TRUE(r.items[1].error_json.starts_with(R"({"type":"version_conflict_engine_exception")"));
  EXPECT_TRUE(r.items[1].error_json.ends_with(R"("index":"i"})"));
  EXPECT_EQ(r.items[2].error_type, "es_rejected_execution_exception");
}

TEST(BulkResponseTest, FullResponsesOfEs6And8) {
  auto r6 = parse_ok(
      R"({"took":30,"errors":false,"items":[{"index":{"_index":"logstash-2026.12.02","_type":"doc","_id":"Qd9","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":201}}]})");
  EXPECT_FALSE(r6.errors);
  ASSERT_EQ(r6.items.size(), 1u);
  EXPECT_EQ(r6.items[0].status, 201);
  auto r8 = parse_ok(
      R"({"took":2,"errors":true,"items":[{"index":{"_index":"x","_id":"1","status":400,"error":{"caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"x\""},"type":"mapper_parsing_exception","reason":"failed to parse field [level]"}}}]})");
  ASSERT_EQ(r8.items.size(), 1u);
  EXPECT_EQ(r8.items[0].status, 400);
  // The top-level type, not the nested caused_by's.
  EXPECT_EQ(r8.items[0].error_type, "mapper_parsing_exception");
}

TEST(BulkResponseTest, ErrorAsAString) {
  auto r = parse_ok(R"({"errors":true,"items":[{"index":{"status":500,"error":"NullPointerException[null]"}}]})");
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].error_type, "NullPointerException[null]");
}

TEST(BulkResponseTest, NotABulkResponse) {
  for (std::string bad : {"", "nope", "[]", R"({"errors":false})", R"({"errors":"no","items":[]})",
                          R"({"errors":false,"items":[{"index":{"_id":"1"}}]})",
                          R"({"errors":false,"items":[{"index":{"status":"201"}}]})",
                          R"({"errors":false,"items":[{"index":{"status":201}})",
                          R"({"error":{"type":"es_rejected_execution_exception"},"status":429})"}) {
    BulkResponse r;
    auto res = parse_bulk_response(bad, r);
    EXPECT_FALSE(res) << bad;
    if (!res) {
      EXPECT_EQ(res.error().code, ErrorCode::kDataLoss);
    }
  }
}

TEST(BulkResponseTest, NoAllocationOnceWarm) {
  std::string body = R"({"errors":false,"items":[)";
  for (int i = 0; i < 500; ++i) body += std::string(i ? "," : "") + R"({"index":{"status":201}})";
  body += "]}";
  BulkResponse r;
  ASSERT_TRUE(parse_bulk_response(body, r));
  uint64_t before = testing::heap_allocations();
  ASSERT_TRUE(parse_bulk_response(body, r));
  EXPECT_EQ(testing::heap_allocations() - before, 0u);
  EXPECT_EQ(r.items.size(), 500u);
}

}  // namespace
}  // namespace logferry::sinks::elasticsearch

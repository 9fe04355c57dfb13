#include "core/json.h"

#include <gtest/gtest.h>

#include "core/event_batch.h"

namespace logferry {
namespace {

TEST(JsonTest, EventJsonLeavesOutTopLevelMetadataOnly) {
  EventBatch batch;
  Event& e = batch.add();
  e.append("message", Value::string("hi"));
  e.append_object("@metadata").set("type", Value::string("kube-logs"));
  Object& nested = e.append_object("x");
  nested.set("@metadata", Value::string("kept"));
  std::string out;
  append_json(out, e);
  EXPECT_EQ(out, R"({"message":"hi","x":{"@metadata":"kept"}})");
  out.clear();
  append_json(out, e.root());
  EXPECT_EQ(out, R"({"message":"hi","@metadata":{"type":"kube-logs"},"x":{"@metadata":"kept"}})");
}

}  // namespace
}  // namespace logferry

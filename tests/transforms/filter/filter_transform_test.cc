#include "transforms/filter/filter_transform.h"

#include <gtest/gtest.h>

#include "transforms/transform_test_util.h"

namespace logferry::transforms {
namespace {

using testing::build_transform;
using testing::option_problems;

void add_event(EventBatch& batch, std::string_view message, std::string_view level, int id) {
  Event& e = batch.add();
  e.append("message", e.string_value(message));
  e.append("level", e.string_value(level));
  e.append("id", Value::integer(id));
}

TEST(FilterTransformTest, KeepsMatchingEventsInOrderAndCountsDropped) {
  Metrics metrics;
  auto filter = build_transform<FilterTransform>(
      R"(condition: '[level] == "error" and [message] =~ /timeout/')", metrics, "errors");
  ASSERT_TRUE(filter);
  EventBatch batch;
  add_event(batch, "db timeout", "error", 1);
  add_event(batch, "db timeout", "info", 2);
  add_event(batch, "disk full", "error", 3);
  add_event(batch, "upstream timeout", "error", 4);
  add_event(batch, "ok", "debug", 5);
  const Event* storage = batch.events().data();

  filter->apply(batch);

  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.events().data(), storage);  // compacted in place, same vector
  EXPECT_EQ(batch.events()[0].find(FieldPath::parse("id"))->as_int(), 1);
  EXPECT_EQ(batch.events()[1].find(FieldPath::parse("id"))->as_int(), 4);
  EXPECT_EQ(batch.events()[1].find(FieldPath::parse("message"))->as_string(), "upstream timeout");
  EXPECT_EQ(metrics.value("logferry_filter_events_dropped_total", {{"component", "errors"}}), 3);

  // A second batch adds to the same counter (registered once at build).
  EventBatch more;
  add_event(more, "x", "info", 6);
  filter->apply(more);
  EXPECT_TRUE(more.empty());
  EXPECT_EQ(metrics.value("logferry_filter_events_dropped_total", {{"component", "errors"}}), 4);
}

TEST(FilterTransformTest, AllKeptLeavesBatchUntouched) {
  Metrics metrics;
  auto filter = build_transform<FilterTransform>("condition: '[message]'", metrics);
  EventBatch batch;
  for (int i = 0; i < 100; ++i) add_event(batch, "m", "info", i);
  filter->apply(batch);
  ASSERT_EQ(batch.size(), 100u);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(batch.events()[static_cast<std::size_t>(i)].find(FieldPath::parse("id"))->as_int(), i);
  EXPECT_EQ(metrics.value("logferry_filter_events_dropped_total", {{"component", "t"}}), 0);
}

TEST(FilterTransformTest, BadConditionIsAValidateErrorWithLineAndColumn) {
  EXPECT_EQ(option_problems<FilterTransform>("condition: '[a] == '"),
            "t.yaml:1: condition: at column 8: expected a field or value after the operator, "
            "found end of condition\n");
  EXPECT_EQ(option_problems<FilterTransform>("{}"), "t.yaml:1: missing required key 'condition'\n");
}

}  // namespace
}  // namespace logferry::transforms

#include "transforms/drop/drop_transform.h"

#include <gtest/gtest.h>

#include "transforms/transform_test_util.h"

namespace logferry::transforms {
namespace {

using testing::build_transform;
using testing::option_problems;

TEST(DropTransformTest, DropsEverythingAndCounts) {
  Metrics metrics;
  auto drop = build_transform<DropTransform>("{}", metrics, "d");
  EventBatch batch;
  for (int i = 0; i < 10; ++i) batch.add().append("i", Value::integer(i));
  drop->apply(batch);
  EXPECT_EQ(batch.size(), 0u);
  EXPECT_EQ(metrics.value("logferry_drop_events_dropped_total", {{"component", "d"}}), 10);
}

TEST(DropTransformTest, PercentageDropsAboutThatShareAndLeavesTheRestUntouched) {
  Metrics metrics;
  auto drop = build_transform<DropTransform>("{percentage: 25, add_tag: [never]}", metrics, "d");
  EventBatch batch;
  for (int i = 0; i < 20000; ++i) batch.add().append("i", Value::integer(i));
  drop->apply(batch);
  EXPECT_GT(batch.size(), 14500u);  // 15000 expected; 6 standard deviations is about 370
  EXPECT_LT(batch.size(), 15500u);
  EXPECT_EQ(testing::to_json(batch.events()[0]).find("never"), std::string::npos);
  EXPECT_EQ(metrics.value("logferry_drop_events_dropped_total", {{"component", "d"}}),
            static_cast<int64_t>(20000 - batch.size()));
  auto none = build_transform<DropTransform>("percentage: 0", metrics, "none");
  none->apply(batch);
  EXPECT_EQ(metrics.value("logferry_drop_events_dropped_total", {{"component", "none"}}), 0);
}

TEST(DropTransformTest, PercentageOutOfRangeIsAValidateError) {
  EXPECT_NE(option_problems<DropTransform>("percentage: 150"), "");
}

}  // namespace
}  // namespace logferry::transforms

#include "core/ack_window.h"

#include <gtest/gtest.h>

namespace logferry {
namespace {

TEST(AckWindowTest, CommitsOnlyContiguousDeliveredPrefix) {
  auto w = std::make_shared<AckWindow<int>>();
  auto s1 = w->open(10), s2 = w->open(20), s3 = w->open(30);
  w->complete(s2, BatchStatus::kDelivered);
  EXPECT_FALSE(w->take_committed());
  w->complete(s1, BatchStatus::kDelivered);
  EXPECT_EQ(w->take_committed(), 20);
  w->complete(s3, BatchStatus::kDelivered);
  EXPECT_EQ(w->take_committed(), 30);
  EXPECT_EQ(w->in_flight(), 0u);
}

TEST(AckWindowTest, FailedSlotBlocksEverythingAfterIt) {
  auto w = std::make_shared<AckWindow<int>>();
  auto s1 = w->open(10), s2 = w->open(20);
  w->complete(s1, BatchStatus::kFailed);
  w->complete(s2, BatchStatus::kDelivered);
  EXPECT_FALSE(w->take_committed());
}

TEST(AckWindowTest, FinalizerCompletesSlot) {
  auto w = std::make_shared<AckWindow<int>>();
  { auto f = w->finalizer_for(w->open(7)); }
  EXPECT_EQ(w->take_committed(), 7);
}

}  // namespace
}  // namespace logferry

#include "transforms/multiline/multiline_transform.h"

#include <gtest/gtest.h>

#include "../transform_test_util.h"
#include "multiline_test_util.h"

namespace logferry::transforms {
namespace {

using logferry::testing::build_transform;
using testing::add_line;
using testing::texts;

TEST(Multiline, NegateFalseAfterJoinsIndentedLinesAndTimeoutFlushes) {
  Metrics m;
  auto t = build_transform<MultilineTransform>("pattern: '^\\s'\nmatch: after", m);
  EventBatch b;
  add_line(b, "start");
  add_line(b, "  more");
  add_line(b, "next");
  t->apply(b);
  EXPECT_EQ(texts(b), (std::vector<std::string>{"start\n  more"}));
  EventBatch out;
  EXPECT_TRUE(t->flush_due(std::chrono::steady_clock::now(), out));  // not due yet
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(t->flush_due(std::chrono::steady_clock::now() + std::chrono::seconds(2), out));
  EXPECT_EQ(texts(out), (std::vector<std::string>{"next"}));
  EXPECT_EQ(m.value("logferry_multiline_timeouts_total", {{"component", "t"}}), 1);
}

TEST(Multiline, InterleavedStreamsDoNotMix) {
  Metrics m;
  auto t = build_transform<MultilineTransform>("parser: java", m);
  EventBatch b;
  add_line(b, "Exception in thread \"main\" java.lang.IllegalStateException: x", "stderr");
  add_line(b, "hello", "stdout");
  add_line(b, "\tat Main.main(Main.java:3)", "stderr");
  add_line(b, "world", "stdout");
  t->apply(b);
  EXPECT_EQ(texts(b), (std::vector<std::string>{"hello"}));
  EventBatch out;
  t->flush_due(Transform::SteadyTime::max(), out);
  auto got = texts(out);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{
                     "Exception in thread \"main\" java.lang.IllegalStateException: x\n\tat "
                     "Main.main(Main.java:3)",
                     "world"}));
}

// A held line's batch must not be acknowledged before the joined event is delivered.
TEST(Multiline, HeldLineKeepsItsBatchUnacknowledged) {
  Metrics m;
  auto t = build_transform<MultilineTransform>("parser: java", m);
  bool acked = false;
  {
    EventBatch b;
    b.add_finalizer(std::make_shared<Finalizer>([&](BatchStatus s) { acked = s == BatchStatus::kDelivered; }));
    add_line(b, "java.lang.RuntimeException: boom");
    t->apply(b);
    EXPECT_TRUE(b.empty());
    b.clear();  // the batch is delivered and released downstream
  }
  EXPECT_FALSE(acked) << "position committed while the line is still held";
  auto out = std::make_unique<EventBatch>();
  t->flush_due(Transform::SteadyTime::max(), *out);
  ASSERT_EQ(out->size(), 1u);
  EXPECT_FALSE(acked);
  out.reset();  // the joined event delivered
  EXPECT_TRUE(acked);
}

TEST(Multiline, MaxLinesEndsTheEventAndIsCounted) {
  Metrics m;
  auto t = build_transform<MultilineTransform>("pattern: '^\\s'\nmax_lines: 2", m);
  EventBatch b;
  add_line(b, "a");
  add_line(b, " 1");
  add_line(b, " 2");
  t->apply(b);
  EXPECT_EQ(texts(b), (std::vector<std::string>{"a\n 1"}));
  EXPECT_EQ(m.value("logferry_multiline_max_lines_total", {{"component", "t"}}), 1);
}

}  // namespace
}  // namespace logferry::transforms

// What keeps a trace together or apart: the stream (stdout/stderr of one file), a rotation
// of the file (same `source`), and the timeout of a stream that went quiet.
#include <gtest/gtest.h>

#include <algorithm>

#include "transforms/multiline/multiline_transform.h"
#include "../transform_test_util.h"
#include "multiline_test_util.h"

namespace logferry::transforms {
namespace {

using logferry::testing::build_transform;
using testing::add_line;
using testing::texts;

// testdata/java_caused_by.txt (the JVM's own output), line by line.
const std::vector<std::string> kJavaTrace = {
    "Exception in thread \"main\" java.lang.RuntimeException: startup failed",
    "\tat CausedBy.main(CausedBy.java:19)",
    "Caused by: java.lang.IllegalStateException: could not load",
    "\tat CausedBy.load(CausedBy.java:11)",
    "\tat CausedBy.main(CausedBy.java:17)",
    "Caused by: java.lang.IllegalArgumentException: bad value in config",
    "\tat CausedBy.readConfig(CausedBy.java:4)",
    "\tat CausedBy.load(CausedBy.java:9)",
    "\t... 1 more"};

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Every stderr line of the trace has a stdout line between it and the next; the stdout
// lines look like Java continuations themselves, so mixing would show.
TEST(MultilineStreams, InterleavedStdoutAndStderrOfOneFileNeverMix) {
  Metrics m;
  auto t = build_transform<MultilineTransform>("parser: java", m);
  EventBatch b;
  add_line(b, "GET /a 200", "stdout");
  for (const auto& line : kJavaTrace) {
    add_line(b, line, "stderr");
    add_line(b, "\tat stdout.Looks.like(Frame.java:1)", "stdout");
  }
  add_line(b, "GET /b 200", "stdout");
  add_line(b, "INFO after the trace", "stderr");
  t->apply(b);
  t->flush_due(Transform::SteadyTime::max(), b);
  std::string stdout_frames;
  for (std::size_t i = 0; i < kJavaTrace.size(); ++i)
    stdout_frames += "\n\tat stdout.Looks.like(Frame.java:1)";
  EXPECT_EQ(sorted(texts(b)), sorted({"GET /a 200" + stdout_frames, joined(kJavaTrace),
                                      "GET /b 200", "INFO after the trace"}));
  EXPECT_EQ(static_cast<MultilineTransform&>(*t).streams(), 2u);
}

// Two files (two containers) with the same stream name are two streams too.
TEST(MultilineStreams, SameStreamOfTwoFilesNeverMix) {
  Metrics m;
  auto t = build_transform<MultilineTransform>("parser: java", m);
  EventBatch b;
  add_line(b, kJavaTrace[0], "stderr", "/var/log/pods/ns_a_1/app/0.log");
  add_line(b, "INFO b starts", "stderr", "/var/log/pods/ns_b_2/app/0.log");
  add_line(b, kJavaTrace[1], "stderr", "/var/log/pods/ns_a_1/app/0.log");
  add_line(b, "\tat B.main(B.java:1)", "stderr", "/var/log/pods/ns_b_2/app/0.log");
  t->apply(b);
  t->flush_due(Transform::SteadyTime::max(), b);
  EXPECT_EQ(sorted(texts(b)),
            sorted({kJavaTrace[0] + "\n" + kJavaTrace[1], "INFO b starts\n\tat B.main(B.java:1)"}));
}

// The file rotates in the middle of a trace: the rest comes from the new file under the same
// `source`, in a later batch. It joins, and the first batch stays unacknowledged until the
// joined event is delivered.
TEST(MultilineStreams, TraceCutByRotationStillJoins) {
  bool old_file_acked = false;  // outlives `t`: its destructor fails held lines
  Metrics m;
  auto t = build_transform<MultilineTransform>("parser: java", m);
  {
    EventBatch before_rotation;
    before_rotation.add_finalizer(std::make_shared<Finalizer>(
        [&](BatchStatus s) { old_file_acked = s == BatchStatus::kDelivered; }));
    add_line(before_rotation, "INFO request 1", "stderr");
    for (std::size_t i = 0; i < 4; ++i) add_line(before_rotation, kJavaTrace[i], "stderr");
    t->apply(before_rotation);
    EXPECT_EQ(texts(before_rotation), (std::vector<std::string>{"INFO request 1"}));
  }
  EXPECT_FALSE(old_file_acked) << "the trace's first lines were acknowledged while held";
  auto after_rotation = std::make_unique<EventBatch>();
  for (std::size_t i = 4; i < kJavaTrace.size(); ++i)
    add_line(*after_rotation, kJavaTrace[i], "stderr");
  add_line(*after_rotation, "INFO request 2", "stderr");
  t->apply(*after_rotation);
  EXPECT_EQ(texts(*after_rotation), (std::vector<std::string>{joined(kJavaTrace)}));
  EXPECT_FALSE(old_file_acked);
  after_rotation.reset();  // the joined event delivered
  EXPECT_TRUE(old_file_acked);
}

// A held trace leaves when its stream has been quiet for `timeout`, not before; a line
// arriving after that starts a new event.
TEST(MultilineStreams, TimeoutFlushesThePendingTrace) {
  Metrics m;
  auto t = build_transform<MultilineTransform>("parser: java\ntimeout: 500ms", m);
  EventBatch b;
  for (const auto& line : kJavaTrace) add_line(b, line, "stderr");
  auto fed = std::chrono::steady_clock::now();
  t->apply(b);
  EXPECT_TRUE(b.empty());
  EventBatch early;
  auto next = t->flush_due(fed, early);
  EXPECT_TRUE(early.empty()) << "flushed before its timeout";
  ASSERT_TRUE(next.has_value());
  EXPECT_GE(*next, fed + std::chrono::milliseconds(500));
  EventBatch due;
  EXPECT_FALSE(t->flush_due(*next, due).has_value());
  EXPECT_EQ(texts(due), (std::vector<std::string>{joined(kJavaTrace)}));
  EXPECT_EQ(m.value("logferry_multiline_timeouts_total", {{"component", "t"}}), 1);
  EventBatch late;
  add_line(late, "\tat Late.frame(Late.java:1)", "stderr");
  add_line(late, "INFO next", "stderr");
  t->apply(late);
  EXPECT_EQ(texts(late), (std::vector<std::string>{"\tat Late.frame(Late.java:1)"}));
}

// Busy stream: every batch ends with a held line. A batch's position must be acknowledged
// once the batch its held line left in is delivered; the finalizers handed to that batch
// must not be held again by its own last line (else nothing is acknowledged while the
// stream stays busy, and the held list grows with every batch).
TEST(MultilineStreams, BusyStreamStillAcknowledgesEachBatch) {
  constexpr int kBatches = 6;
  std::vector<bool> acked(kBatches, false);  // outlives `t`: its destructor fails held lines
  Metrics m;
  auto t = build_transform<MultilineTransform>("parser: java", m);
  for (int k = 0; k < kBatches; ++k) {
    EventBatch b;
    b.add_finalizer(std::make_shared<Finalizer>(
        [&acked, k](BatchStatus s) { acked[k] = s == BatchStatus::kDelivered; }));
    add_line(b, "INFO request " + std::to_string(k), "stderr");
    t->apply(b);
    b.clear();  // delivered: carries the line held from batch k - 1
    if (k >= 1) {
      EXPECT_TRUE(acked[k - 1]) << "batch " << k - 1 << " never acknowledged";
    }
    EXPECT_FALSE(acked[k]) << "batch " << k << " acknowledged while its line is held";
  }
}

}  // namespace
}  // namespace logferry::transforms

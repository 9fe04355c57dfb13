#include "net/frame_splitter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>


namespace logferry::net {
namespace {

struct Frames {
  std::vector<std::string> text;
  std::vector<bool> truncated;
};

// Feeds `input` in pieces of `chunk` bytes (0 = all at once), then finishes.
Frames split(Framing framing, std::string_view input, std::size_t chunk = 0,
             std::size_t max = 1024, FrameSplitter* keep = nullptr) {
  FrameSplitter local(framing, max);
  FrameSplitter& s = keep ? *keep : local;
  Frames f;
  auto on = [&](std::string_view frame, bool truncated) {
    f.text.emplace_back(frame);
    f.truncated.push_back(truncated);
  };
  if (chunk == 0) chunk = input.size() ? input.size() : 1;
  for (std::size_t i = 0; i < input.size(); i += chunk) s.feed(input.substr(i, chunk), on);
  s.finish(on);
  return f;
}

using Lines = std::vector<std::string>;

TEST(FrameSplitterTest, NewlineFraming) {
  EXPECT_EQ(split(Framing::kNewline, "a\nbb\r\n\nccc\n").text, (Lines{"a", "bb", "ccc"}));
}

TEST(FrameSplitterTest, LastLineWithoutLfIsDeliveredAtEof) {
  EXPECT_EQ(split(Framing::kAuto, "<13>one\n<13>two").text, (Lines{"<13>one", "<13>two"}));
}

TEST(FrameSplitterTest, OctetCounting) {
  std::string in = "11 <13>a b c d7 <13>xyz";
  EXPECT_EQ(split(Framing::kOctetCounting, in).text, (Lines{"<13>a b c d", "<13>xyz"}));
  EXPECT_EQ(split(Framing::kAuto, in).text, (Lines{"<13>a b c d", "<13>xyz"}));
}

TEST(FrameSplitterTest, OctetCountedMessageMayContainNewlines) {
  EXPECT_EQ(split(Framing::kAuto, "9 <13>a\nb\nc").text, (Lines{"<13>a\nb\nc"}));
}

TEST(FrameSplitterTest, EveryChunkSizeGivesTheSameFrames) {
  std::string in = "11 <13>a b c d\n<13>line two\n7 <13>xyz<13>three\n";
  Lines want{"<13>a b c d", "<13>line two", "<13>xyz", "<13>three"};
  for (std::size_t chunk = 1; chunk <= in.size(); ++chunk)
    EXPECT_EQ(split(Framing::kAuto, in, chunk).text, want) << "chunk " << chunk;
}

TEST(FrameSplitterTest, AutoTreatsDigitsWithoutSpaceAsLine) {
  EXPECT_EQ(split(Framing::kAuto, "2024-01-01T00:00:00Z host msg\n").text,
            (Lines{"2024-01-01T00:00:00Z host msg"}));
}

TEST(FrameSplitterTest, OversizeLineIsCutMarkedAndResyncs) {
  std::string big(5000, 'x');
  for (std::size_t chunk : {0, 1, 7, 1000}) {
    FrameSplitter s(Framing::kAuto, 100);
    Frames f = split(Framing::kAuto, "<13>" + big + "\n<13>next\n", chunk, 100, &s);
    ASSERT_EQ(f.text.size(), 2u) << chunk;
    EXPECT_EQ(f.text[0], ("<13>" + big).substr(0, 100));
    EXPECT_TRUE(f.truncated[0]);
    EXPECT_EQ(f.text[1], "<13>next");
    EXPECT_FALSE(f.truncated[1]);
    EXPECT_EQ(s.truncated(), 1u);
  }
}

TEST(FrameSplitterTest, OversizeOctetFrameIsCutAndSkipped) {
  std::string body = "<13>" + std::string(996, 'y');
  std::string in = "1000 " + body + "6 <13>ok";
  for (std::size_t chunk : {0, 3, 333}) {
    FrameSplitter s(Framing::kOctetCounting, 64);
    Frames f = split(Framing::kOctetCounting, in, chunk, 64, &s);
    ASSERT_EQ(f.text.size(), 2u);
    EXPECT_EQ(f.text[0], body.substr(0, 64));
    EXPECT_TRUE(f.truncated[0]);
    EXPECT_EQ(f.text[1], "<13>ok");
    EXPECT_EQ(s.truncated(), 1u);
  }
}

TEST(FrameSplitterTest, ExactlyMaxIsNotTruncated) {
  Frames f = split(Framing::kAuto, "abcd\nabcd", 1, 4);
  EXPECT_EQ(f.text, (Lines{"abcd", "abcd"}));
  EXPECT_EQ(f.truncated, (std::vector<bool>{false, false}));
}

TEST(FrameSplitterTest, GarbageInOctetModeIsSkippedToNextLine) {
  FrameSplitter s(Framing::kOctetCounting, 1024);
  Frames f = split(Framing::kOctetCounting, "\x01\x02garbage\n5 <13>a12x\n3 abc", 0, 1024, &s);
  EXPECT_EQ(f.text, (Lines{"<13>a", "abc"}));
  EXPECT_EQ(s.framing_errors(), 2u);
}

TEST(FrameSplitterTest, ConnectionClosedMidOctetFrameIsCounted) {
  FrameSplitter s(Framing::kAuto, 1024);
  Frames f = split(Framing::kAuto, "5 <13>a20 <13>cut sho", 0, 1024, &s);
  EXPECT_EQ(f.text, (Lines{"<13>a"}));
  EXPECT_EQ(s.incomplete(), 1u);
}

TEST(FrameSplitterTest, HugeLengthDoesNotAllocate) {
  FrameSplitter s(Framing::kAuto, 16);
  Frames f = split(Framing::kAuto, "9999999999 abc", 0, 16, &s);
  EXPECT_TRUE(f.text.empty());
  EXPECT_EQ(s.incomplete(), 1u);
  FrameSplitter s2(Framing::kOctetCounting, 16);
  split(Framing::kOctetCounting, "99999999999999 abc\n4 abcd", 0, 16, &s2);
  EXPECT_EQ(s2.framing_errors(), 1u);
}

}  // namespace
}  // namespace logferry::net

namespace logferry::sources::syslog {
namespace {

}  // namespace
}  // namespace logferry::sources::syslog

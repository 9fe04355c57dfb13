#include "net/lumberjack.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

namespace logferry::net::lumberjack {
namespace {

// Records every frame as text, e.g. "W2:3", "J1:{...}", "D1:line=x", "A2:5".
struct Recorder final : FrameHandler {
  std::vector<std::string> frames;
  std::size_t compressed = 0;
  bool refuse_json = false;
  bool on_window(char v, uint32_t n) override {
    frames.push_back(std::string("W") + v + ":" + std::to_string(n));
    return true;
  }
  bool on_json(uint32_t seq, std::string_view json) override {
    frames.push_back("J" + std::to_string(seq) + ":" + std::string(json));
    return !refuse_json;
  }
  bool on_data(uint32_t seq, const std::vector<std::pair<std::string_view, std::string_view>>& pairs) override {
    std::string s = "D" + std::to_string(seq) + ":";
    for (const auto& [k, v] : pairs) s += std::string(k) + "=" + std::string(v) + ";";
    frames.push_back(s);
    return true;
  }
  bool on_ack(char v, uint32_t seq) override {
    frames.push_back(std::string("A") + v + ":" + std::to_string(seq));
    return true;
  }
  void on_compressed(std::size_t, std::size_t) override { ++compressed; }
};

std::string sample_stream() {
  std::string s;
  append_window(s, 3);
  append_json(s, 1, R"({"message":"a"})");
  std::string inner;
  append_json(inner, 2, R"({"message":"b"})");
  std::string nested;
  append_json(nested, 3, R"({"message":"c"})");
  append_compressed(inner, nested, 6);  // C inside C
  append_compressed(s, inner, 3);
  append_window(s, 1, '1');
  append_data(s, 1, {{"line", "old"}, {"host", "h"}});
  append_ack(s, 7);
  return s;
}

const std::vector<std::string> kSampleFrames = {
    "W2:3", R"(J1:{"message":"a"})", R"(J2:{"message":"b"})", R"(J3:{"message":"c"})",
    "W1:1", "D1:line=old;host=h;", "A2:7"};

TEST(LumberjackParserTest, ParsesEveryFrameTypeIncludingNestedCompressed) {
  Parser p;
  Recorder r;
  ASSERT_TRUE(p.feed(sample_stream(), r));
  EXPECT_EQ(r.frames, kSampleFrames);
  EXPECT_EQ(r.compressed, 2u);
  EXPECT_EQ(p.buffered(), 0u);
}

TEST(LumberjackParserTest, SameFramesWhenSplitAtEveryByteBoundary) {
  std::string s = sample_stream();
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    Parser p;
    Recorder r;
    ASSERT_TRUE(p.feed(std::string_view(s).substr(0, cut), r)) << cut;
    ASSERT_TRUE(p.feed(std::string_view(s).substr(cut), r)) << cut;
    EXPECT_EQ(r.frames, kSampleFrames) << "cut at " << cut;
  }
}

TEST(LumberjackParserTest, SameFramesFedOneByteAtATime) {
  std::string s = sample_stream();
  Parser p;
  Recorder r;
  for (char c : s) ASSERT_TRUE(p.feed(std::string_view(&c, 1), r));
  EXPECT_EQ(r.frames, kSampleFrames);
}

TEST(LumberjackParserTest, WrongVersionByteIsRefused) {
  Parser p;
  Recorder r;
  EXPECT_FALSE(p.feed("3W\0\0\0\1", r));
  EXPECT_EQ(p.error(), ParseError::kBadVersion);
  EXPECT_EQ(error_name(p.error()), "bad_version");
  EXPECT_FALSE(p.feed("2W\0\0\0\1", r)) << "the stream stays broken";
}

TEST(LumberjackParserTest, GarbageIsRefused) {
  Parser p;
  Recorder r;
  EXPECT_FALSE(p.feed("GET / HTTP/1.1\r\n\r\n", r));
  EXPECT_EQ(p.error(), ParseError::kBadVersion);
  Parser q;
  EXPECT_FALSE(q.feed(std::string("2X\0\0\0\0", 6), r));
  EXPECT_EQ(q.error(), ParseError::kBadFrameType);
}

TEST(LumberjackParserTest, HugeLengthIsRefusedBeforeBuffering) {
  Limits l;
  l.max_frame_bytes = 1024;
  Parser p(l);
  Recorder r;
  std::string s("2J\0\0\0\1\xff\xff\xff\xff", 10);
  EXPECT_FALSE(p.feed(s, r));
  EXPECT_EQ(p.error(), ParseError::kFrameTooLarge);
  EXPECT_EQ(p.buffered(), 0u);
  Parser q(l);
  EXPECT_FALSE(q.feed(std::string("2C\x7f\0\0\0", 6), r));
  EXPECT_EQ(q.error(), ParseError::kFrameTooLarge);
}

TEST(LumberjackParserTest, ZeroLengthJsonAndZeroPairsAreRefused) {
  Parser p;
  Recorder r;
  EXPECT_FALSE(p.feed(std::string("2J\0\0\0\1\0\0\0\0", 10), r));
  EXPECT_EQ(p.error(), ParseError::kBadLength);
  Parser q;
  EXPECT_FALSE(q.feed(std::string("1D\0\0\0\1\0\0\0\0", 10), r));
  EXPECT_EQ(q.error(), ParseError::kBadLength);
}

TEST(LumberjackParserTest, ZlibBombStopsAtTheInflateCap) {
  Limits l;
  l.max_inflated_bytes = 1 << 20;
  std::string zeros(64 << 20, '\0');  // 64 MiB of zeros deflates to ~64 KiB
  std::string s;
  ASSERT_TRUE(append_compressed(s, zeros, 9));
  EXPECT_LT(s.size(), 200u * 1024);
  Parser p(l);
  Recorder r;
  EXPECT_FALSE(p.feed(s, r));
  EXPECT_EQ(p.error(), ParseError::kInflateTooLarge);
  EXPECT_EQ(error_name(p.error()), "zlib_bomb");
  EXPECT_TRUE(r.frames.empty());
}

TEST(LumberjackParserTest, CorruptCompressedPayloadIsRefused) {
  Parser p;
  Recorder r;
  std::string s("2C\0\0\0\4abcd", 10);
  EXPECT_FALSE(p.feed(s, r));
  EXPECT_EQ(p.error(), ParseError::kInflateFailed);
}

TEST(LumberjackParserTest, CompressedPayloadEndingInsideAFrameIsRefused) {
  std::string inner;
  append_json(inner, 1, R"({"a":1})");
  inner.resize(inner.size() - 2);
  std::string s;
  append_compressed(s, inner, 3);
  Parser p;
  Recorder r;
  EXPECT_FALSE(p.feed(s, r));
  EXPECT_EQ(p.error(), ParseError::kTruncatedCompressed);
}

TEST(LumberjackParserTest, NestingDeeperThanTheLimitIsRefused) {
  std::string s;
  append_json(s, 1, "{}");
  for (int i = 0; i < 3; ++i) {
    std::string outer;
    append_compressed(outer, s, 1);
    s = outer;
  }
  Limits l;
  l.max_nesting = 2;
  Parser p(l);
  Recorder r;
  EXPECT_FALSE(p.feed(s, r));
  EXPECT_EQ(p.error(), ParseError::kNestingTooDeep);
  l.max_nesting = 3;
  Parser q(l);
  Recorder r2;
  EXPECT_TRUE(q.feed(s, r2));
  EXPECT_EQ(r2.frames.size(), 1u);
}

TEST(LumberjackParserTest, HandlerRefusalStopsParsing) {
  Parser p;
  Recorder r;
  r.refuse_json = true;
  std::string s;
  append_json(s, 1, "{}");
  append_json(s, 2, "{}");
  EXPECT_FALSE(p.feed(s, r));
  EXPECT_EQ(p.error(), ParseError::kRejected);
  EXPECT_EQ(r.frames.size(), 1u);
}

TEST(LumberjackParserTest, DataFrameWithHugeFieldIsRefused) {
  Limits l;
  l.max_frame_bytes = 100;
  Parser p(l);
  Recorder r;
  std::string s("1D\0\0\0\1\0\0\0\1\0\0\0\3key\0\1\0\0", 21);
  EXPECT_FALSE(p.feed(s, r));
  EXPECT_EQ(p.error(), ParseError::kFrameTooLarge);
}

TEST(LumberjackEncoderTest, AckAndWindowBytes) {
  std::string s;
  append_ack(s, 0x01020304);
  append_window(s, 2048);
  EXPECT_EQ(s, std::string("2A\1\2\3\4" "2W\0\0\x08\0", 12));
}

TEST(LumberjackEncoderTest, CompressedFrameIsZlibOfTheFrames) {
  std::string frames;
  append_json(frames, 1, R"({"x":"y"})");
  std::string s;
  ASSERT_TRUE(append_compressed(s, frames, 3));
  ASSERT_EQ(s.substr(0, 2), "2C");
  uLongf out_len = 1024;
  std::string out(out_len, '\0');
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(out.data()), &out_len,
                       reinterpret_cast<const Bytef*>(s.data() + 6), s.size() - 6), Z_OK);
  out.resize(out_len);
  EXPECT_EQ(out, frames);
}

TEST(LumberjackAckReaderTest, ReadsSplitAcksAndRefusesOtherFrames) {
  std::string s;
  append_ack(s, 0);
  append_ack(s, 2048);
  AckReader reader;
  std::vector<uint32_t> seqs;
  for (char c : s) ASSERT_TRUE(reader.feed(std::string_view(&c, 1), [&](uint32_t q) { seqs.push_back(q); }));
  EXPECT_EQ(seqs, (std::vector<uint32_t>{0, 2048}));
  EXPECT_FALSE(reader.feed(std::string("2W\0\0\0\1", 6), [](uint32_t) {}));
}

}  // namespace
}  // namespace logferry::net::lumberjack

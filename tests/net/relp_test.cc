// The one RELP codec (net/relp.h): frames across any read split, limits, encoding.
#include "net/relp.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace logferry::net::relp {
namespace {

struct Got {
  uint32_t txnr;
  std::string command, data;
  bool truncated;
  bool operator==(const Got&) const = default;
};

std::vector<Got> feed_all(FrameReader& r, std::string_view in, bool& ok) {
  std::vector<Got> got;
  ok = r.feed(in, [&](const Frame& f) {
    got.push_back({f.txnr, std::string(f.command), std::string(f.data), f.truncated});
  });
  return got;
}

TEST(RelpFrameReaderTest, ParsesFramesAcrossReads) {
  std::string in =
      "1 open 86 relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog\n"
      "2 syslog 5 <13>a\n3 close 0\n12 rsp 6 200 OK\n0 serverclose 0\n";
  for (std::size_t chunk = 1; chunk <= in.size(); ++chunk) {
    FrameReader r(1024);
    std::vector<Got> got;
    for (std::size_t i = 0; i < in.size(); i += chunk) {
      bool ok = false;
      auto part = feed_all(r, std::string_view(in).substr(i, chunk), ok);
      ASSERT_TRUE(ok) << chunk;
      got.insert(got.end(), part.begin(), part.end());
    }
    ASSERT_EQ(got.size(), 5u) << chunk;
    EXPECT_EQ(got[0].command, "open");
    EXPECT_EQ(got[1], (Got{2, "syslog", "<13>a", false}));
    EXPECT_EQ(got[2], (Got{3, "close", "", false}));
    EXPECT_EQ(got[3], (Got{12, "rsp", "200 OK", false}));
    EXPECT_EQ(got[4], (Got{0, "serverclose", "", false}));
    EXPECT_FALSE(r.mid_frame());
  }
}

TEST(RelpFrameReaderTest, PartialFrameWaitsForMore) {
  for (std::string_view partial : {"1", "12 ", "12 rsp", "12 rsp 6", "12 rsp 6 200", "12 rsp 6 200 OK"}) {
    FrameReader r(64);
    bool ok = false;
    EXPECT_TRUE(feed_all(r, partial, ok).empty()) << partial;
    EXPECT_TRUE(ok) << partial;
    EXPECT_TRUE(r.mid_frame()) << partial;
  }
}

TEST(RelpFrameReaderTest, OversizeDataIsCutAndTheRestSkipped) {
  FrameReader r(4);
  bool ok = false;
  auto got = feed_all(r, "7 syslog 10 0123456789\n8 syslog 2 ab\n", ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (Got{7, "syslog", "0123", true}));
  EXPECT_EQ(got[1], (Got{8, "syslog", "ab", false}));
}

TEST(RelpFrameReaderTest, GarbageAndLimitsAreProtocolErrors) {
  for (std::string_view bad : {"GET / HTTP/1.1\r\n", "1 syslog 3 abcX", "1 SYSLOG 3 abc\n", "x rsp 0\n",
                               "1 rsp x\n", "1234567890 rsp 0\n", "1 rsp 1234567890 a\n",
                               "1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 0\n", " 1 rsp 0\n", "1  rsp 0\n"}) {
    FrameReader r(64);
    bool ok = true;
    feed_all(r, bad, ok);
    EXPECT_FALSE(ok) << bad;
    // Once broken, it stays broken: RELP cannot resynchronise.
    feed_all(r, "1 rsp 0\n", ok);
    EXPECT_FALSE(ok) << bad;
  }
}

TEST(RelpFrameReaderTest, EmptyFrameWithSpaceBeforeTrailer) {
  FrameReader r(64);
  bool ok = false;
  auto got = feed_all(r, "3 close 0 \n", ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (Got{3, "close", "", false}));
}

TEST(RelpCodecTest, EncodesFramesAndResponses) {
  EXPECT_EQ(response(5, "200 OK"), "5 rsp 6 200 OK\n");
  EXPECT_EQ(response(9, ""), "9 rsp 0\n");
  std::string out = "x";
  std::size_t start = out.size();
  out += "<13>1 - - - - - - \xE2\x82\xAC";
  frame_in_place(out, start, 999'999'999, "syslog");
  EXPECT_EQ(out, "x999999999 syslog 21 <13>1 - - - - - - \xE2\x82\xAC\n");
  out.clear();
  append_frame(out, 1, "open", "a\nb");
  EXPECT_EQ(out, "1 open 3 a\nb\n");
  // What we encode, we parse.
  FrameReader r(64);
  bool ok = false;
  auto got = feed_all(r, out, ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (Got{1, "open", "a\nb", false}));
}

TEST(RelpCodecTest, TxnrWrapsToOne) {
  EXPECT_EQ(next_txnr(1), 2u);
  EXPECT_EQ(next_txnr(kMaxTxnr), 1u);
}

TEST(RelpCodecTest, ResponseCode) {
  EXPECT_EQ(response_code("200 OK"), 200);
  EXPECT_EQ(response_code("200"), 200);
  EXPECT_EQ(response_code("500 unknown command"), 500);
  EXPECT_EQ(response_code("200OK"), -1);
  EXPECT_EQ(response_code("20"), -1);
  EXPECT_EQ(response_code(""), -1);
}

}  // namespace
}  // namespace logferry::net::relp

#include "net/http_request.h"

#include <gtest/gtest.h>

#include <string>

namespace logferry::net {
namespace {

TEST(HttpRequestTest, FindsTheEndOfTheHeadWithCrlfOrLf) {
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nHost: x\r\n\r\nbody"), 27u);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\n\nrest"), 16u);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nHost: x\r\n"), std::string::npos);
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nHost: x\r\n\r"), std::string::npos);
  EXPECT_EQ(find_head_end(""), std::string::npos);
}

TEST(HttpRequestTest, ParsesMethodPathQueryAndLength) {
  auto h = parse_request_head("GET /metrics?a=1 HTTP/1.1\r\nHost: x\r\ncontent-LENGTH:  12 \r\n\r\n");
  EXPECT_EQ(h.error, 0);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.target, "/metrics?a=1");
  EXPECT_EQ(h.path, "/metrics");
  EXPECT_EQ(h.query, "a=1");
  EXPECT_EQ(h.content_length, 12u);
  // One empty line before the request line is ignored (RFC 9112 §2.2); HTTP/1.0 is accepted.
  h = parse_request_head("\r\nHEAD /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(h.error, 0);
  EXPECT_EQ(h.method, "HEAD");
  EXPECT_EQ(h.path, "/healthz");
  EXPECT_EQ(h.content_length, 0u);
}

TEST(HttpRequestTest, RefusesWhatItCannotServeSafely) {
  EXPECT_EQ(parse_request_head("GET /\r\n\r\n").error, 400);                       // no version
  EXPECT_EQ(parse_request_head("GET  / HTTP/1.1\r\n\r\n").error, 400);            // double space
  EXPECT_EQ(parse_request_head("G(T / HTTP/1.1\r\n\r\n").error, 400);             // not a token
  EXPECT_EQ(parse_request_head("GET / HTTP/2.0\r\n\r\n").error, 505);
  EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\nNoColon\r\n\r\n").error, 400);
  EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\nName : v\r\n\r\n").error, 400);  // RFC 9112 §5.1
  EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\n folded\r\n\r\n").error, 400);
  EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").error, 400);
  EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n").error, 400);
  EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").error, 400);
  EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n").error, 0);
  EXPECT_EQ(parse_request_head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").error, 501);
  EXPECT_EQ(parse_request_head("GET /a\x01 HTTP/1.1\r\n\r\n").error, 400);
}

}  // namespace
}  // namespace logferry::net

#include "net/http_client.h"

#include <gtest/gtest.h>

#include "support/http_recorder.h"
#include "support/net_util.h"

namespace logferry::net {
namespace {

TEST(HttpClientTest, PostsBodyAndHeadersAndReportsStatus) {
  testing::HttpRecorder server;
  server.script({201, 503});
  HttpClient client;
  HttpRequest req;
  req.url = server.url("/bulk?x=1");
  req.body = R"({"a":1})";
  req.headers.push_back("Content-Type: application/json");
  auto first = client.send(req);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->status, 201);
  EXPECT_EQ(first->body, "ok");
  auto second = client.send(req);  // same connection (keep-alive)
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 503);
  EXPECT_TRUE(http_status_retryable(second->status));
  EXPECT_FALSE(http_status_retryable(400));
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].path, "/bulk?x=1");
  EXPECT_EQ(requests[0].body, R"({"a":1})");
}

TEST(HttpClientTest, ConnectionErrorsAreUnavailableAndBadUrlsInvalid) {
  HttpClient client;
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(testing::free_tcp_port()) + "/";
  auto refused = client.send(req);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  req.url = "gopher://127.0.0.1/";
  auto bad = client.send(req);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument) << bad.error().message;
}

}  // namespace
}  // namespace logferry::net

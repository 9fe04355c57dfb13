// The API server's limits, against real sockets on loopback with small limits so the timeouts
// take a fraction of a second.
#include "net/http_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/net_util.h"
#include "support/wait.h"

namespace logferry::net {
namespace {

using namespace std::chrono_literals;
using testing::http_exchange;
using testing::read_until_closed;
using testing::send_all;
using testing::tcp_connect;
using SteadyClock = std::chrono::steady_clock;

struct Server {
  Metrics metrics;
  std::unique_ptr<HttpServer> server;
  explicit Server(HttpServerLimits limits) {
    auto s = HttpServer::start("127.0.0.1:0",
                               {{"/healthz", [] { return HttpResponse{200, "text/plain", "ok\n"}; }}},
                               limits, &metrics);
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    server = std::move(*s);
  }
  uint16_t port() const { return server->port(); }
  int64_t metric(const std::string& name) { return metrics.value(name); }
};

HttpServerLimits small_limits() {
  HttpServerLimits l;
  l.max_header_bytes = 1024;
  l.max_body_bytes = 4096;
  l.request_timeout = 600ms;
  l.idle_timeout = 300ms;
  l.write_timeout = 600ms;
  l.max_connections = 8;
  return l;
}

TEST(HttpServerTest, AnswersRoutesNotFoundAndOnlyGet) {
  Server s(small_limits());
  std::string r = http_exchange(s.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("\r\n\r\nok\n"), std::string::npos) << r;
  EXPECT_EQ(http_exchange(s.port(), "GET /nope HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(http_exchange(s.port(), "DELETE /healthz HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
  r = http_exchange(s.port(), "HEAD /healthz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(r.find("ok\n"), std::string::npos) << "HEAD has no body";
  EXPECT_EQ(s.metric("logferry_api_requests_total"), 3);
}

TEST(HttpServerTest, HeadOverTheLimitIs431AndMalformedIs400) {
  Server s(small_limits());
  std::string big = "GET /healthz HTTP/1.1\r\nX: " + std::string(4000, 'a') + "\r\n\r\n";
  EXPECT_EQ(http_exchange(s.port(), big).rfind("HTTP/1.1 431", 0), 0u);
  EXPECT_EQ(http_exchange(s.port(), "garbage\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(s.metric("logferry_api_requests_refused_total"), 2);
}

TEST(HttpServerTest, SmallBodiesAreReadAndDiscardedLargeOnesAre413) {
  Server s(small_limits());
  std::string body(4096, 'b');
  std::string r = http_exchange(s.port(), "GET /healthz HTTP/1.1\r\nContent-Length: 4096\r\n\r\n" + body);
  EXPECT_EQ(r.rfind("HTTP/1.1 200", 0), 0u) << r;
  r = http_exchange(s.port(), "GET /healthz HTTP/1.1\r\nContent-Length: 4097\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 413", 0), 0u) << r;
  r = http_exchange(s.port(), "POST /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 501", 0), 0u) << r;
}

TEST(HttpServerTest, SilentAndTrickleConnectionsTimeOut) {
  Server s(small_limits());
  int silent = tcp_connect(s.port());
  auto t0 = SteadyClock::now();
  EXPECT_EQ(read_until_closed(silent), "");  // closed by the idle timeout (300 ms)
  auto waited = SteadyClock::now() - t0;
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 2s);
  ::close(silent);

  // One byte every 100 ms never trips the idle timeout; the request timeout (600 ms) closes it.
  int trickle = tcp_connect(s.port());
  t0 = SteadyClock::now();
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    closed = !send_all(trickle, "X");
    std::this_thread::sleep_for(100ms);
    char c;
    closed = closed || ::recv(trickle, &c, 1, MSG_DONTWAIT) == 0;
  }
  waited = SteadyClock::now() - t0;
  EXPECT_TRUE(closed);
  EXPECT_LT(waited, 2s);
  EXPECT_GE(waited, 500ms);
  ::close(trickle);
  EXPECT_EQ(s.metric("logferry_api_connections_timed_out_total"), 2);
}

TEST(HttpServerTest, AtTheCapTheOldestConnectionMakesRoom) {
  auto limits = small_limits();
  limits.idle_timeout = 30s;  // only the cap frees slots here
  limits.request_timeout = 30s;
  Server s(limits);
  std::vector<int> silent;
  for (int i = 0; i < 50; ++i) silent.push_back(tcp_connect(s.port()));
  auto t0 = SteadyClock::now();
  std::string r = http_exchange(s.port(), "GET /healthz HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200", 0), 0u) << r;
  EXPECT_LT(SteadyClock::now() - t0, 2s);
  EXPECT_TRUE(testing::wait_until([&] { return s.metric("logferry_api_connections_evicted_total") >= 43; }, 5s));
  EXPECT_LE(s.metric("logferry_api_connections"), 8);
  for (int fd : silent) ::close(fd);
}

}  // namespace
}  // namespace logferry::net

// net::Resolver and the clients that resolve on every (re)connect, with injected resolvers:
// slow (stop and deadline must win), failing (counted as DNS errors) and changing address.
#include "net/resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "net/tcp_client.h"
#include "net/udp_client.h"

namespace logferry::net {
namespace {

using namespace std::chrono_literals;

// Answers with what `answer` returns; counts the lookups.
class FakeResolver final : public Resolver {
 public:
  using Answer = std::function<Result<std::vector<SocketAddress>>(Clock::time_point, const std::stop_token&)>;
  explicit FakeResolver(Answer answer) : answer_(std::move(answer)) {}
  Result<std::vector<SocketAddress>> resolve(const std::string&, uint16_t, int, Clock::time_point deadline,
                                             const std::stop_token& stop) override {
    ++lookups;
    return answer_(deadline, stop);
  }
  std::atomic<int> lookups{0};

 private:
  Answer answer_;
};

SocketAddress loopback(uint16_t port) {
  SocketAddress a;
  EXPECT_TRUE(parse_ip_literal("127.0.0.1", port, a));
  return a;
}

// A listening TCP socket on 127.0.0.1; accepted() takes one queued connection if there is one.
struct Listener {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  uint16_t port = 0;
  Listener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(fd, 4);
    socklen_t len = sizeof(a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd); }
  bool accepted() {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) <= 0) return false;
    int c = ::accept(fd, nullptr, nullptr);
    if (c >= 0) ::close(c);
    return c >= 0;
  }
};

TEST(ResolverTest, SystemResolverTakesLiteralsAndNames) {
  auto r = Resolver::system()->resolve("127.0.0.1", 514, SOCK_STREAM, Resolver::Clock::now() + 5s, {});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].to_string(), "127.0.0.1:514");
  r = Resolver::system()->resolve("::1", 6514, SOCK_STREAM, Resolver::Clock::now() + 5s, {});
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0].to_string(), "[::1]:6514");
  r = Resolver::system()->resolve("localhost", 80, SOCK_STREAM, Resolver::Clock::now() + 5s, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->empty());
  // RFC 6761: .invalid never resolves.
  r = Resolver::system()->resolve("no-such-host.invalid", 80, SOCK_STREAM, Resolver::Clock::now() + 5s, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no-such-host.invalid"), std::string::npos);
}

// getaddrinfo cannot be interrupted: a lookup that hangs (here 3 s) must not hold the caller
// past its deadline or a stop request; its late answer is discarded.
TEST(ResolverTest, ThreadedResolverGivesUpAtTheDeadlineAndOnStop) {
  auto hanging = Resolver::threaded([](const std::string&, uint16_t port, int, std::vector<SocketAddress>& out) {
    std::this_thread::sleep_for(3s);
    out.push_back(loopback(port));
    return 0;
  });
  auto start = std::chrono::steady_clock::now();
  auto r = hanging->resolve("slow.example", 80, SOCK_STREAM, Resolver::Clock::now() + 200ms, {});
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos) << r.error().message;
  EXPECT_GE(waited, 190ms);
  EXPECT_LT(waited, 1500ms);

  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(200ms);
    stop.request_stop();
  });
  start = std::chrono::steady_clock::now();
  r = hanging->resolve("slow.example", 80, SOCK_STREAM, Resolver::Clock::now() + 30s, stop.get_token());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("stopping"), std::string::npos) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);

  auto failing = Resolver::threaded([](const std::string&, uint16_t, int, std::vector<SocketAddress>&) {
    return EAI_AGAIN;
  });
  r = failing->resolve("flaky.example", 80, SOCK_STREAM, Resolver::Clock::now() + 5s, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, std::string("resolve flaky.example: ") + gai_strerror(EAI_AGAIN));
}

// A lookup that never answers: connect returns soon after stop, not after the lookup.
TEST(ResolverTest, TcpConnectStopsDuringASlowLookup) {
  auto slow = std::make_shared<FakeResolver>([](Resolver::Clock::time_point deadline, const std::stop_token& stop)
                                                 -> Result<std::vector<SocketAddress>> {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait_until(lock, stop, deadline, [] { return false; });
    return unexpected(ErrorCode::kUnavailable, "resolve slow.example: timed out");
  });
  TcpClient c;
  TcpClient::Options o;
  o.host = "slow.example";
  o.port = 1;
  o.connect_timeout = 30s;
  o.resolver = slow;
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(200ms);
    stop.request_stop();
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(c.connect(o, stop.get_token()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_FALSE(c.dns_failed());  // stopping is not a DNS failure
  // And the deadline: connect_timeout bounds the lookup too.
  o.connect_timeout = 300ms;
  start = std::chrono::steady_clock::now();
  EXPECT_FALSE(c.connect(o, {}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(c.dns_failed());
}

TEST(ResolverTest, TcpAndUdpReportAFailedLookup) {
  auto failing = std::make_shared<FakeResolver>([](auto, const auto&) -> Result<std::vector<SocketAddress>> {
    return unexpected(ErrorCode::kUnavailable, "resolve gone.example: Name or service not known");
  });
  TcpClient c;
  TcpClient::Options o;
  o.host = "gone.example";
  o.port = 1;
  o.resolver = failing;
  auto r = c.connect(o, {});
  ASSERT_FALSE(r);
  EXPECT_TRUE(c.dns_failed());
  EXPECT_NE(r.error().message.find("gone.example"), std::string::npos);
  UdpClient u;
  EXPECT_FALSE(u.open("gone.example", 514, {}, 1s, failing.get()));
  EXPECT_TRUE(u.dns_failed());
  EXPECT_EQ(failing->lookups, 2);
}

// The name moves (a Kubernetes Service, a DNS failover): the next connect follows it.
TEST(ResolverTest, EveryConnectResolvesAgainAndFollowsAChangedAddress) {
  Listener first, second;
  std::atomic<uint16_t> current{first.port};
  auto moving = std::make_shared<FakeResolver>([&](auto, const auto&) -> Result<std::vector<SocketAddress>> {
    return std::vector<SocketAddress>{loopback(current)};
  });
  TcpClient c;
  TcpClient::Options o;
  o.host = "logs.example";
  o.port = 514;
  o.resolver = moving;
  ASSERT_TRUE(c.connect(o, {}));
  EXPECT_TRUE(first.accepted());
  c.close();
  current = second.port;
  ASSERT_TRUE(c.connect(o, {}));
  EXPECT_TRUE(second.accepted());
  EXPECT_EQ(moving->lookups, 2);
}

}  // namespace
}  // namespace logferry::net

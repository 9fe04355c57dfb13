// The syslog sink's RELP client against a RELP server of this test that misbehaves on purpose
// (wrong, repeated or out-of-order txnr, refusals, serverclose). It stands in for a faulty
// receiver: rsyslog's imrelp cannot be made to answer wrongly. The happy paths and TLS run
// against the real imrelp in tests/integration/syslog_sink_rsyslog_test.cc.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <functional>
#include <mutex>
#include <thread>

#include <yaml-cpp/yaml.h>

#include "core/time_util.h"
#include "net/relp.h"
#include "sinks/syslog/syslog_sink.h"
#include "support/wait.h"

namespace logferry::sinks {
namespace {

namespace relp = net::relp;

// One RELP session as the test server sees it.
struct Session {
  int index = 0;                  // 0 for the first connection
  std::vector<uint32_t> unacked;  // syslog txnrs received and not answered yet
  bool close = false;             // set by a policy: close after writing its answer
};
// Decides what to answer to a syslog frame (the open is always answered 200).
using Policy = std::function<std::string(Session&, const relp::Frame&)>;

class FakeRelpServer {
 public:
  explicit FakeRelpServer(Policy policy) : policy_(std::move(policy)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(listen_fd_, 8);
    socklen_t len = sizeof(a);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  }
  ~FakeRelpServer() {
    thread_.request_stop();
    thread_.join();
    ::close(listen_fd_);
  }
  uint16_t port() const { return port_; }
  // Messages (syslog DATA) received per session.
  std::vector<std::vector<std::string>> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }
  std::size_t max_unacked() const { return max_unacked_; }

 private:
  void run(const std::stop_token& stop) {
    for (int index = 0; !stop.stop_requested();) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      {
        std::lock_guard lock(mu_);
        messages_.emplace_back();
      }
      Session s;
      s.index = index++;
      serve(fd, s, stop);
      ::close(fd);
    }
  }

  void serve(int fd, Session& s, const std::stop_token& stop) {
    relp::FrameReader reader(64 * 1024);
    char buf[16384];
    while (!stop.stop_requested() && !s.close) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return;
      std::string out;
      bool ok = reader.feed(std::string_view(buf, static_cast<std::size_t>(n)), [&](const relp::Frame& f) {
        if (f.command == "open") {
          out += relp::response(f.txnr, "200 OK\nrelp_version=0\ncommands=syslog");
        } else if (f.command == "syslog") {
          {
            std::lock_guard lock(mu_);
            messages_.back().emplace_back(f.data);
          }
          s.unacked.push_back(f.txnr);
          max_unacked_ = std::max(max_unacked_.load(), s.unacked.size());
          out += policy_(s, f);
        }
      });
      if (!ok) return;
      if (!out.empty()) ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    }
  }

  Policy policy_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::vector<std::vector<std::string>> messages_;
  std::atomic<std::size_t> max_unacked_{0};
  std::jthread thread_;
};

std::string ack(Session& s, uint32_t txnr, std::string_view status = "200 OK") {
  s.unacked.erase(std::remove(s.unacked.begin(), s.unacked.end(), txnr), s.unacked.end());
  return relp::response(txnr, status);
}
std::string ack_in_order(Session& s, const relp::Frame& f) { return ack(s, f.txnr); }

class SyslogSinkRelpTest : public ::testing::Test {
 protected:
  void SetUp() override { std::signal(SIGPIPE, SIG_IGN); }
  std::unique_ptr<SyslogSink> make(uint16_t port, int64_t window = 128) {
    SyslogSink::Options o;
    o.address = "127.0.0.1:" + std::to_string(port);
    o.mode = "relp";
    o.message = Template::compile("%{message}").value();
    o.reconnect_interval = std::chrono::milliseconds(0);
    o.write_timeout = std::chrono::seconds(5);
    o.window_size = window;
    BuildContext ctx{.name = "out", .metrics = metrics_, .data_dir = {}, .config_dir = {}, .node_name = "node1", .clock = clock_};
    auto built = SyslogSink::build(o, ctx);
    EXPECT_TRUE(built) << (built ? "" : built.error().message);
    return std::unique_ptr<SyslogSink>(static_cast<SyslogSink*>(built->release()));
  }
  static void fill(EventBatch& b, int n, const std::string& prefix = "m") {
    for (int i = 0; i < n; ++i) {
      Event& e = b.add();
      e.append("message", e.string_value(prefix + std::to_string(i)));
    }
  }
  int64_t metric(const std::string& name) { return metrics_.value(name, {{"component", "out"}}); }
  // Each of the n messages exactly once in `session`'s messages.
  static void expect_each_once(const std::vector<std::string>& got, int n, const std::string& prefix = "m") {
    ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      std::string want = " " + prefix + std::to_string(i);
      EXPECT_EQ(std::count_if(got.begin(), got.end(), [&](const std::string& m) { return m.ends_with(want); }), 1)
          << want;
    }
  }

  Metrics metrics_;
  FakeClock clock_;
};

// The server answers only when `window` frames are outstanding, newest first: the client must
// fill the window (no stop-and-wait), never exceed it, and accept the answers in any order.
TEST_F(SyslogSinkRelpTest, WindowBoundsUnackedFramesAndAcksMayComeInAnyOrder) {
  constexpr std::size_t kWindow = 10;
  FakeRelpServer server([&](Session& s, const relp::Frame&) {
    std::string out;
    if (s.unacked.size() < kWindow) return out;
    auto pending = s.unacked;
    for (auto it = pending.rbegin(); it != pending.rend(); ++it) out += ack(s, *it);
    return out;
  });
  auto sink = make(server.port(), kWindow);
  EventBatch b;
  fill(b, 50);
  ASSERT_EQ(sink->send(b, {}), Delivery::kDelivered);
  EXPECT_EQ(server.max_unacked(), kWindow);
  auto got = server.messages();
  ASSERT_EQ(got.size(), 1u);
  expect_each_once(got[0], 50);
  EXPECT_EQ(metric("logferry_syslog_sink_relp_protocol_errors_total"), 0);
}

TEST_F(SyslogSinkRelpTest, WindowSizeAliasAndRange) {
  config::Schema<SyslogSink::Options> schema;
  SyslogSink::describe(schema);
  SyslogSink::Options o;
  config::Diagnostics d("t.yaml");
  schema.bind(YAML::Load("{address: 'a:1', mode: relp, windowSize: 64}"), o, d);
  EXPECT_EQ(d.format(), "");
  EXPECT_EQ(o.window_size, 64);
  config::Diagnostics bad("t.yaml");
  schema.bind(YAML::Load("{address: 'a:1', mode: relp, window_size: 0}"), o, bad);
  EXPECT_NE(bad.format(), "");
  config::Diagnostics tls("t.yaml");
  schema.bind(YAML::Load("{address: 'a:1', mode: tcp, tls: {enabled: true}}"), o, tls);
  EXPECT_NE(tls.format().find("enabled applies to mode relp"), std::string::npos) << tls.format();
  config::Diagnostics plain("t.yaml");
  SyslogSink::Options fresh;
  schema.bind(YAML::Load("{address: 'a:1', mode: relp, tls: {ca_file: ca.pem, verify: true}}"), fresh, plain);
  EXPECT_NE(plain.format().find("need tls.enabled: true"), std::string::npos) << plain.format();
}

// An rsp for a txnr that was never sent: protocol error, counted, session dropped, the whole
// batch resent on the next session and only then delivered.
TEST_F(SyslogSinkRelpTest, UnknownTxnrIsAProtocolErrorAndTheBatchIsResent) {
  FakeRelpServer server([&](Session& s, const relp::Frame& f) {
    if (s.index == 0) return relp::response(f.txnr + 1000, "200 OK");
    return ack_in_order(s, f);
  });
  auto sink = make(server.port());
  EventBatch b;
  fill(b, 5);
  EXPECT_EQ(sink->send(b, {}), Delivery::kRetry);
  EXPECT_EQ(metric("logferry_syslog_sink_relp_protocol_errors_total"), 1);
  ASSERT_EQ(sink->send(b, {}), Delivery::kDelivered);
  auto got = server.messages();
  ASSERT_EQ(got.size(), 2u);
  expect_each_once(got[1], 5);
}

// The old client counted any rsp in the batch's range: a repeated ack for frame 2 stood in for
// the missing ack of frame 3 and the batch was "delivered" early. Now it is a protocol error.
TEST_F(SyslogSinkRelpTest, RepeatedRspDoesNotStandInForAMissingOne) {
  FakeRelpServer server([&](Session& s, const relp::Frame& f) {
    if (s.index == 0) return relp::response(2, "200 OK");  // frames 2 and 3 both "answered" as 2
    return ack_in_order(s, f);
  });
  auto sink = make(server.port());
  EventBatch b;
  fill(b, 2);
  EXPECT_EQ(sink->send(b, {}), Delivery::kRetry);
  EXPECT_EQ(metric("logferry_syslog_sink_relp_protocol_errors_total"), 1);
  ASSERT_EQ(sink->send(b, {}), Delivery::kDelivered);
  auto got = server.messages();
  ASSERT_EQ(got.size(), 2u);
  expect_each_once(got[1], 2);
}

// A status other than 200 is not an ack: counted, and the batch is resent on a new session.
TEST_F(SyslogSinkRelpTest, RefusedMessageIsResent) {
  FakeRelpServer server([&](Session& s, const relp::Frame& f) {
    return ack(s, f.txnr, s.index == 0 && f.txnr == 3 ? "500 busy" : "200 OK");
  });
  auto sink = make(server.port());
  EventBatch b;
  fill(b, 3);
  EXPECT_EQ(sink->send(b, {}), Delivery::kRetry);
  EXPECT_EQ(metric("logferry_syslog_sink_relp_refused_total"), 1);
  ASSERT_EQ(sink->send(b, {}), Delivery::kDelivered);
  auto got = server.messages();
  ASSERT_EQ(got.size(), 2u);
  expect_each_once(got[1], 3);
}

// serverclose while frames are unacknowledged: nothing is taken as delivered; resent on a new
// session. serverclose between batches: the next batch opens a new session.
TEST_F(SyslogSinkRelpTest, ServerCloseResendsWhatIsUnacknowledged) {
  FakeRelpServer server([&](Session& s, const relp::Frame& f) {
    if (s.index == 0 && f.txnr == 3) {
      s.close = true;
      return std::string("0 serverclose 0\n");  // txnr 2 was answered, 3 is not
    }
    if (s.index == 1 && f.txnr == 5) {  // last of batch 2 on session 1: ack, then go away
      s.close = true;
      return ack(s, f.txnr) + "0 serverclose 0\n";
    }
    return ack_in_order(s, f);
  });
  auto sink = make(server.port());
  EventBatch b1;
  fill(b1, 4, "a");
  EXPECT_EQ(sink->send(b1, {}), Delivery::kRetry);  // only txnr 2 of 2..5 was answered
  ASSERT_EQ(sink->send(b1, {}), Delivery::kDelivered) << sink->retry_reason();
  EventBatch b2;
  fill(b2, 1, "b");
  ASSERT_EQ(sink->send(b2, {}), Delivery::kDelivered);
  auto got = server.messages();
  ASSERT_EQ(got.size(), 3u);
  expect_each_once(got[1], 4, "a");
  expect_each_once(got[2], 1, "b");
  EXPECT_EQ(metric("logferry_syslog_sink_relp_protocol_errors_total"), 0);
}

// Injected resolver: a failing lookup is a DNS error (counted apart from connect errors) and
// retried; every reconnect resolves again.
class CountingResolver final : public net::Resolver {
 public:
  explicit CountingResolver(uint16_t port) : port_(port) {}
  Result<std::vector<net::SocketAddress>> resolve(const std::string& host, uint16_t, int, Clock::time_point,
                                                  const std::stop_token&) override {
    ++lookups;
    if (failing) return unexpected(ErrorCode::kUnavailable, "resolve " + host + ": Temporary failure in name resolution");
    net::SocketAddress a;
    net::parse_ip_literal("127.0.0.1", port_, a);
    return std::vector<net::SocketAddress>{a};
  }
  std::atomic<bool> failing{true};
  std::atomic<int> lookups{0};

 private:
  uint16_t port_;
};

TEST_F(SyslogSinkRelpTest, DnsFailuresAreCountedRetriedAndEveryReconnectResolves) {
  FakeRelpServer server([&](Session& s, const relp::Frame& f) {
    if (s.index == 0) {  // answer, then drop the session: the next batch must reconnect
      s.close = true;
    }
    return ack_in_order(s, f);
  });
  auto sink = make(server.port());
  auto resolver = std::make_shared<CountingResolver>(server.port());
  sink->set_resolver(resolver);
  EventBatch b;
  fill(b, 3);
  EXPECT_EQ(sink->send(b, {}), Delivery::kRetry);
  EXPECT_EQ(metric("logferry_syslog_sink_dns_errors_total"), 1);
  EXPECT_EQ(metric("logferry_syslog_sink_connect_errors_total"), 1);
  EXPECT_NE(sink->retry_reason().find("name resolution"), std::string::npos) << sink->retry_reason();
  resolver->failing = false;
  ASSERT_EQ(sink->send(b, {}), Delivery::kDelivered);
  ASSERT_TRUE(testing::wait_until([&] { return server.messages().size() == 1; }));
  EventBatch b2;
  fill(b2, 1, "again");
  // Session 0 was closed by the server after its answers; the send may meet it closed
  // (kRetry) once before it reconnects.
  Delivery d = sink->send(b2, {});
  if (d == Delivery::kRetry) d = sink->send(b2, {});
  ASSERT_EQ(d, Delivery::kDelivered) << sink->retry_reason();
  EXPECT_EQ(resolver->lookups, 3);
  EXPECT_EQ(metric("logferry_syslog_sink_dns_errors_total"), 1);
}

TEST_F(SyslogSinkRelpTest, UdpCountsDnsFailures) {
  SyslogSink::Options o;
  o.address = "logs.example:514";
  o.mode = "udp";
  o.reconnect_interval = std::chrono::milliseconds(0);
  BuildContext ctx{.name = "out", .metrics = metrics_, .data_dir = {}, .config_dir = {}, .node_name = "node1", .clock = clock_};
  auto built = SyslogSink::build(o, ctx);
  ASSERT_TRUE(built);
  auto* sink = static_cast<SyslogSink*>(built->get());
  auto resolver = std::make_shared<CountingResolver>(1);
  sink->set_resolver(resolver);
  EventBatch b;
  fill(b, 1);
  EXPECT_EQ(sink->send(b, {}), Delivery::kRetry);
  EXPECT_EQ(sink->send(b, {}), Delivery::kRetry);
  EXPECT_EQ(metric("logferry_syslog_sink_dns_errors_total"), 2);
  EXPECT_EQ(resolver->lookups, 2);
}

}  // namespace
}  // namespace logferry::sinks

#include "sinks/syslog/syslog_sink.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>

#include "core/time_util.h"
#include "support/wait.h"

namespace logferry::testing {
uint64_t heap_allocations();  // alloc_counter_test.cc
}

namespace logferry::sinks {
namespace {

using Options = SyslogSink::Options;
Template T(std::string_view text) { return Template::compile(text).value(); }

std::string bind_problems(const std::string& yaml) {
  config::Schema<Options> schema;
  SyslogSink::describe(schema);
  Options o;
  config::Diagnostics d("t.yaml");
  schema.bind(YAML::Load(yaml), o, d);
  return d.format();
}

TEST(SyslogSinkConfigTest, LogstashOptionsAndChecks) {
  EXPECT_EQ(bind_problems("{host: a, port: 514}"), "");
  EXPECT_EQ(bind_problems("{address: 'a:514', protocol: ssl-tcp, ssl_verify: true, "
                          "ssl_certificate_authorities: [ca.pem], framing: octet_counting}"), "");
  EXPECT_EQ(bind_problems("{address: 'a:514', mode: tls, tls: {ca_file: ca.pem, verify: true}}"), "");
  EXPECT_NE(bind_problems("{host: a}").find("port: missing"), std::string::npos);
  EXPECT_NE(bind_problems("{port: 5}").find("host: missing"), std::string::npos);
  EXPECT_NE(bind_problems("{address: a}").find("HOST:PORT"), std::string::npos);
  EXPECT_NE(bind_problems("{address: 'a:1', host: b}").find("either address or host"), std::string::npos);
  EXPECT_EQ(bind_problems("{address: 'a:1', mode: relp}"), "");
  EXPECT_NE(bind_problems("{address: 'a:1', mode: relp, framing: octet_counting}").find("RELP frames itself"),
            std::string::npos);
  EXPECT_NE(bind_problems("{address: 'a:1', mode: sctp}").find("'sctp' is not one of"), std::string::npos);
  EXPECT_NE(bind_problems("{address: 'a:1', mode: tcp, protocol: tcp}").find("either mode or protocol"),
            std::string::npos);
  EXPECT_NE(bind_problems("{address: 'a:1', structured_data: '[x]'}").find("needs rfc: rfc5424"),
            std::string::npos);
  EXPECT_EQ(bind_problems("{address: 'a:1', rfc: rfc5424, structured_data: '[x]'}"), "");
  EXPECT_NE(bind_problems("{address: 'a:1', framing: octet_counting}").find("applies to tcp and tls"),
            std::string::npos);
  EXPECT_NE(bind_problems("{address: 'a:1', rfc: rfc5424, structured_data_id: 'bad id'}")
                .find("structured_data_id"), std::string::npos);
  EXPECT_NE(bind_problems("{address: 'a:1', mode: tls, ssl_certificate: c.pem}").find("ssl_key"),
            std::string::npos);
  EXPECT_NE(bind_problems("{address: 'a:1', max_datagram_bytes: 70000}").find("outside"), std::string::npos);
}

TEST(RelpFrameTest, SyslogFramesCarryLengthAndIncreasingTxnr) {
  net::RelpClient c;
  std::string out = "<13>1 - - - - - - a";
  c.frame_syslog_in_place(out, 0);
  std::size_t second = out.size();
  out += "<13>1 - - - - - - \xE2\x82\xAC";
  c.frame_syslog_in_place(out, second);
  EXPECT_EQ(out, "1 syslog 19 <13>1 - - - - - - a\n2 syslog 21 <13>1 - - - - - - \xE2\x82\xAC\n");
  EXPECT_EQ(c.next_txnr(), 3u);
}

class SinkTest : public ::testing::Test {
 protected:
  void SetUp() override { std::signal(SIGPIPE, SIG_IGN); }
  std::unique_ptr<SyslogSink> make(Options o) {
    BuildContext ctx{.name = "out", .metrics = metrics_, .data_dir = {}, .config_dir = {}, .node_name = "node1", .clock = clock_};
    auto built = SyslogSink::build(o, ctx);
    EXPECT_TRUE(built) << (built ? "" : built.error().message);
    return std::unique_ptr<SyslogSink>(static_cast<SyslogSink*>(built->release()));
  }
  Event& add(EventBatch& b, std::string_view message, std::string_view host = "baz") {
    Event& e = b.add();
    e.append("message", e.string_value(message));
    e.append("host", e.string_value(host));
    e.append("@timestamp", Value::timestamp(from_civil(2018, 2, 28, 14, 55, 34, 706'000'000)));
    return e;
  }
  int64_t metric(const std::string& name) { return metrics_.value(name, {{"component", "out"}}); }

  Metrics metrics_;
  FakeClock clock_;
};

TEST_F(SinkTest, NewlineAndOctetCountingFraming) {
  Options o;
  o.address = "127.0.0.1:1";
  o.mode = "tcp";
  o.rfc = "rfc5424";
  EventBatch b;
  add(b, "bar");
  add(b, "two\nlines");
  auto sink = make(o);
  EXPECT_EQ(sink->encode_batch(b),
            "<13>1 2018-02-28T14:55:34.706+00:00 baz LOGSTASH - - - bar\n"
            "<13>1 2018-02-28T14:55:34.706+00:00 baz LOGSTASH - - - two\\nlines\n");
  o.framing = "octet_counting";
  sink = make(o);
  EXPECT_EQ(sink->encode_batch(b),
            "58 <13>1 2018-02-28T14:55:34.706+00:00 baz LOGSTASH - - - bar"
            "65 <13>1 2018-02-28T14:55:34.706+00:00 baz LOGSTASH - - - two\\nlines");
}

TEST_F(SinkTest, ProtocolAliasAndLocalFacilities) {
  Options o;
  o.host = "127.0.0.1";
  o.port = 1;
  o.protocol = "tcp";
  o.facility = T("local0");
  o.severity = T("informational");
  EventBatch b;
  add(b, "x");
  auto sink = make(o);
  // local0 is 16 (RFC 5424), not the plugin's 14: PRI 16*8+6.
  EXPECT_EQ(sink->encode_batch(b), "<134>Feb 28 14:55:34 baz LOGSTASH[-]: x\n");
}

TEST_F(SinkTest, UdpTruncatesAtUtf8BoundaryAndCounts) {
  // A UDP receiver on loopback to read the datagrams back.
  int rx = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(rx, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  ::getsockname(rx, reinterpret_cast<sockaddr*>(&a), &len);

  Options o;
  o.address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  o.max_datagram_bytes = 480;
  auto sink = make(o);
  EventBatch b;
  std::string euros;
  for (int i = 0; i < 300; ++i) euros += "\xE2\x82\xAC";  // 900 bytes of 3-byte characters
  add(b, "short");
  add(b, euros);
  ASSERT_EQ(sink->send(b, std::stop_token{}), Delivery::kDelivered);
  EXPECT_EQ(metric("logferry_syslog_sink_truncated_total"), 1);

  char buf[70000];
  ssize_t n = ::recv(rx, buf, sizeof(buf), 0);
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)), "<13>Feb 28 14:55:34 baz LOGSTASH[-]: short");
  n = ::recv(rx, buf, sizeof(buf), 0);
  std::string second(buf, static_cast<std::size_t>(n));
  std::string header = "<13>Feb 28 14:55:34 baz LOGSTASH[-]: ";
  ASSERT_LE(second.size(), 480u);
  EXPECT_GT(second.size(), 477u);
  EXPECT_EQ(second.substr(0, header.size()), header);
  EXPECT_EQ((second.size() - header.size()) % 3, 0u) << "cut inside a character";
  EXPECT_EQ(second.substr(header.size()), euros.substr(0, second.size() - header.size()));
  ::close(rx);
}

// A minimal TCP receiver: accepts connections one after another and collects the bytes.
class TcpReceiver {
 public:
  TcpReceiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(fd_, 8);
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TcpReceiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  std::string data() {
    std::lock_guard lock(mu_);
    return data_;
  }
  int accepted() const { return accepted_; }
  // Closes the current connection from our side (the sink must notice before its next write).
  void drop_connection() { drop_ = true; }

 private:
  void run() {
    int conn = -1;
    while (!stop_) {
      if (conn >= 0 && drop_) {
        ::close(conn);
        conn = -1;
        drop_ = false;
      }
      pollfd p{conn >= 0 ? conn : fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      if (conn < 0) {
        conn = ::accept(fd_, nullptr, nullptr);
        ++accepted_;
        continue;
      }
      char buf[65536];
      ssize_t n = ::recv(conn, buf, sizeof(buf), 0);
      if (n <= 0) {
        ::close(conn);
        conn = -1;
        continue;
      }
      std::lock_guard lock(mu_);
      data_.append(buf, static_cast<std::size_t>(n));
    }
    if (conn >= 0) ::close(conn);
  }
  int fd_;
  uint16_t port_;
  std::thread thread_;
  std::atomic<bool> stop_{false}, drop_{false};
  std::atomic<int> accepted_{0};
  std::mutex mu_;
  std::string data_;
};

TEST_F(SinkTest, TcpDeliversReconnectsAfterPeerCloseAndRetriesWhileDown) {
  auto receiver = std::make_unique<TcpReceiver>();
  uint16_t port = receiver->port();
  Options o;
  o.address = "127.0.0.1:" + std::to_string(port);
  o.mode = "tcp";
  o.reconnect_interval = std::chrono::milliseconds(0);
  auto sink = make(o);

  EventBatch b1;
  add(b1, "one");
  ASSERT_EQ(sink->send(b1, std::stop_token{}), Delivery::kDelivered);
  ASSERT_TRUE(testing::wait_until([&] { return receiver->data().find("one\n") != std::string::npos; }));

  receiver->drop_connection();
  ASSERT_TRUE(testing::wait_until([&] { return metric("logferry_syslog_sink_connects_total") == 1 &&
                                                receiver->accepted() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the FIN arrive
  EventBatch b2;
  add(b2, "two");
  ASSERT_EQ(sink->send(b2, std::stop_token{}), Delivery::kDelivered);
  ASSERT_TRUE(testing::wait_until([&] { return receiver->data().find("two\n") != std::string::npos; }));
  EXPECT_EQ(metric("logferry_syslog_sink_connects_total"), 2);

  // Receiver gone: the batch is not delivered and waits (kRetry), nothing counted as sent.
  receiver.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EventBatch b3;
  add(b3, "three");
  Delivery d = sink->send(b3, std::stop_token{});
  if (d == Delivery::kDelivered) d = sink->send(b3, std::stop_token{});  // a write may beat the RST once
  EXPECT_EQ(d, Delivery::kRetry);
  EXPECT_GE(metric("logferry_syslog_sink_connect_errors_total") + metric("logferry_syslog_sink_send_errors_total"), 1);
  EXPECT_EQ(metrics_.value("logferry_syslog_sink_connected", {{"component", "out"}}), 0);
}

TEST_F(SinkTest, StopInterruptsATlsHandshakeThatNeverAnswers) {
  TcpReceiver silent;  // accepts and reads, never answers the ClientHello
  Options o;
  o.address = "127.0.0.1:" + std::to_string(silent.port());
  o.mode = "tls";
  o.connect_timeout = std::chrono::seconds(30);
  auto sink = make(o);
  EventBatch b;
  add(b, "x");
  std::stop_source stop;
  auto start = std::chrono::steady_clock::now();
  std::jthread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.request_stop();
  });
  EXPECT_EQ(sink->send(b, stop.get_token()), Delivery::kRetry);
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(3));
  EXPECT_EQ(metric("logferry_syslog_sink_connect_errors_total"), 1);
}

// The hot path of the brief: a 4k batch renders into one reused buffer without a heap
// allocation per event. Also prints the encode throughput (a quick measurement, not a gate).
TEST_F(SinkTest, EncodesA4kBatchWithoutAllocatingAndReportsThroughput) {
  for (const char* rfc : {"rfc3164", "rfc5424"}) {
    Options o;
    o.address = "127.0.0.1:1";
    o.mode = "tcp";
    o.rfc = rfc;
    o.sourcehost = T("%{kubernetes.namespace}/%{kubernetes.pod}");
    o.appname = T("%{kubernetes.container}");
    if (std::string(rfc) == "rfc5424") {
      o.structured_data_id = "kubernetes@32473";
      o.structured_data_params = {{"namespace", "%{kubernetes.namespace}"}, {"pod", "%{kubernetes.pod}"}};
    }
    o.message = T("%{log}");
    auto sink = make(o);
    EventBatch b;
    for (int i = 0; i < 4096; ++i) {
      Event& e = b.add();
      e.append("log", e.string_value("2026-11-25 10:00:00 INFO GET /api/v1/items/" + std::to_string(i) +
                                     " 200 12ms user=alice trace=4bf92f3577b34da6a3ce929d0e0e4736"));
      Object& k = e.append_object("kubernetes");
      k.set("namespace", Value::string("shop"));
      k.set("pod", Value::string("frontend-7d4b9c8f6-x2x9z"));
      k.set("container", Value::string("nginx"));
      e.append("@timestamp", Value::timestamp(from_civil(2026, 11, 25, 10, 0, i / 1000, i % 1000 * 1'000'000)));
    }
    std::size_t bytes = sink->encode_batch(b).size();  // warm-up grows the buffers
    uint64_t before = testing::heap_allocations();
    const int rounds = 50;
    auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < rounds; ++r) bytes = sink->encode_batch(b).size();
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    uint64_t allocations = testing::heap_allocations() - before;
    EXPECT_EQ(allocations, 0u) << rfc;
    std::printf("[ measure  ] %s encode: %.0f events/s, %.0f MB/s (4096-event batch, %zu bytes)\n", rfc,
                rounds * 4096 / secs, rounds * static_cast<double>(bytes) / secs / 1e6, bytes);
  }
}

}  // namespace
}  // namespace logferry::sinks

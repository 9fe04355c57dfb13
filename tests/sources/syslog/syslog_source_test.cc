// The syslog source in-process: real sockets on 127.0.0.1, a recording SourceOutput.
#include "sources/syslog/syslog_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/json.h"
#include "runtime/listener_registry.h"
#include "support/recording_output.h"
#include "support/wait.h"

namespace logferry::sources {
namespace {

using namespace std::chrono_literals;
using testing::wait_until;

using RecordingOutput = testing::JsonRecordingOutput;

using Running = testing::NetworkSourceRunner<SyslogSource>;

int connect_tcp(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  return fd;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void send_udp(uint16_t port, std::string_view data) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  ::close(fd);
}

// Reads what is available within `timeout`.
std::string read_some(int fd, std::chrono::milliseconds timeout) {
  timeval tv{0, static_cast<suseconds_t>(std::chrono::microseconds(timeout).count())};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  char buf[4096];
  ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

SyslogSource::Options tcp_options() {
  SyslogSource::Options o;
  o.mode = "tcp";
  return o;
}

TEST(SyslogSourceTest, TcpMixedFramingFromTwoConnections) {
  Running r(tcp_options());
  int a = connect_tcp(r.port());
  int b = connect_tcp(r.port());
  send_all(a, "<34>Oct 11 22:14:15 mymachine su: first\n");
  send_all(b, "72 <165>1 2003-10-11T22:14:15.003Z host2 app 77 ID1 [x@1 k=\"v\"] from octets");
  send_all(a, "<13>1 2024-01-01T00:00:00Z h3 a - - - third\n");
  ASSERT_TRUE(wait_until([&] { return r.out().count() == 3; }, 5s, "3 events"));
  auto ev = r.out().events();
  std::string all = ev[0] + ev[1] + ev[2];
  EXPECT_TRUE(contains(all, R"("host":"mymachine","appname":"su","facility":4,"severity":2)")) << all;
  EXPECT_TRUE(contains(all, R"("message":"first","source_ip":"127.0.0.1")")) << all;
  EXPECT_TRUE(contains(all, R"("host":"host2","appname":"app","procid":"77","msgid":"ID1")")) << all;
  EXPECT_TRUE(contains(all, R"("structured_data":{"x@1":{"k":"v"}},"message":"from octets")")) << all;
  EXPECT_TRUE(contains(all, R"("message":"third")")) << all;
  ::close(a);
  ::close(b);
}

TEST(SyslogSourceTest, HostFallsBackToSourceIp) {
  Running r(tcp_options());
  int a = connect_tcp(r.port());
  send_all(a, "<13>Oct 11 22:14:15 sshd[5]: no host here\n");
  ASSERT_TRUE(wait_until([&] { return r.out().count() == 1; }, 5s, "event"));
  EXPECT_TRUE(contains(r.out().events()[0], R"("host":"127.0.0.1","appname":"sshd","procid":"5")"))
      << r.out().events()[0];
  ::close(a);
}

// proxy_protocol (HAProxy in front, as with Logstash's syslog input): the client a PROXY
// header names is source_ip, and host when the message has none. A connection without a
// header is closed and counted.
TEST(SyslogSourceTest, ProxyProtocolClientIsTheSourceIp) {
  auto o = tcp_options();
  o.proxy_protocol = true;
  Running r(o);
  int v1 = connect_tcp(r.port());
  send_all(v1, "PROXY TCP4 203.0.113.9 198.51.100.2 40001 514\r\n<13>Oct 11 22:14:15 sshd[5]: no host here\n");
  ASSERT_TRUE(wait_until([&] { return r.out().count() == 1; }, 5s, "v1 event"));
  int v2 = connect_tcp(r.port());
  send_all(v2, std::string("\r\n\r\n\0\r\nQUIT\n", 12) + std::string("\x21\x11\x00\x0c", 4) +
                   std::string("\xc0\x00\x02\x0a\xc6\x33\x64\x07\x9c\x40\x17\x70", 12) +
                   "<13>1 2024-01-01T00:00:00Z h5 app - - - with host\n");
  ASSERT_TRUE(wait_until([&] { return r.out().count() == 2; }, 5s, "v2 event"));
  auto ev = r.out().events();
  EXPECT_TRUE(contains(ev[0], R"("host":"203.0.113.9","appname":"sshd")")) << ev[0];
  EXPECT_TRUE(contains(ev[0], R"("source_ip":"203.0.113.9")")) << ev[0];
  EXPECT_TRUE(contains(ev[1], R"("host":"h5","appname":"app")")) << ev[1];
  EXPECT_TRUE(contains(ev[1], R"("source_ip":"192.0.2.10")")) << ev[1];
  int bare = connect_tcp(r.port());
  send_all(bare, "<13>Oct 11 22:14:15 h app: no header\n");
  EXPECT_EQ(read_some(bare, 5000ms), "");  // closed
  EXPECT_EQ(r.metric("logferry_syslog_proxy_header_failures_total"), 1);
  EXPECT_EQ(r.out().count(), 2u);
  for (int fd : {v1, v2, bare}) ::close(fd);
}

TEST(SyslogSourceTest, ManyMessagesAreBatched) {
  Running r(tcp_options());
  int a = connect_tcp(r.port());
  std::string burst;
  for (int i = 0; i < 20000; ++i) burst += "<13>Oct 11 22:14:15 h app: message " + std::to_string(i) + "\n";
  send_all(a, burst);
  ASSERT_TRUE(wait_until([&] { return r.out().count() == 20000; }, 10s, "20000 events"));
  EXPECT_LT(r.out().batches(), 2000u);  // not one batch per message
  auto ev = r.out().events();
  EXPECT_TRUE(contains(ev.front(), "message 0\"")) << ev.front();
  EXPECT_TRUE(contains(ev.back(), "message 19999\"")) << ev.back();
  ::close(a);
}

TEST(SyslogSourceTest, Udp) {
  SyslogSource::Options o;
  o.mode = "udp";
  Running r(o);
  for (int i = 0; i < 50; ++i)
    send_udp(r.port(), "<14>1 2024-05-06T07:08:09Z h app - - - udp " + std::to_string(i) + "\n");
  ASSERT_TRUE(wait_until([&] { return r.out().count() == 50; }, 5s, "50 datagrams"));
  auto ev = r.out().events();
  EXPECT_TRUE(contains(ev[0], R"("message":"udp 0","source_ip":"127.0.0.1")")) << ev[0];
  EXPECT_TRUE(contains(ev[0], R"("@timestamp":"2024-05-06T07:08:09.000Z")")) << ev[0];
}

TEST(SyslogSourceTest, UdpOversizeDatagramIsCutAndMarked) {
  SyslogSource::Options o;
  o.mode = "udp";
  o.max_frame_bytes.bytes = 100;
  Running r(o);
  send_udp(r.port(), "<13>Oct 11 22:14:15 h app: " + std::string(1000, 'z'));
  ASSERT_TRUE(wait_until([&] { return r.out().count() == 1; }, 5s, "event"));
  EXPECT_TRUE(contains(r.out().events()[0], R"("truncated":true)"));
  EXPECT_EQ(r.metric("logferry_syslog_truncated_total"), 1);
}

TEST(SyslogSourceTest, BadInputIsCountedAndOthersKeepDelivering) {
  SyslogSource::Options o = tcp_options();
  o.max_frame_bytes.bytes = 64 * 1024;
  Running r(o);
  int good = connect_tcp(r.port());
  send_all(good, "<13>Oct 11 22:14:15 h app: before\n");
  // Garbage, a 10 MiB frame, a connection closed mid-frame.
  int garbage = connect_tcp(r.port());
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 131) & 0xff);
  send_all(garbage, junk);
  int huge = connect_tcp(r.port());
  std::string big = "<13>Oct 11 22:14:15 h app: " + std::string(10 * 1024 * 1024, 'B') + "\n<13>Oct 11 22:14:15 h app: after huge\n";
  std::thread sender([&] { send_all(huge, big); });
  int cut = connect_tcp(r.port());
  send_all(cut, "500 <13>1 2024-01-01T00:00:00Z h a - - - this frame never ends");
  ::close(cut);
  sender.join();
  send_all(good, "<13>Oct 11 22:14:15 h app: after\n");
  ASSERT_TRUE(wait_until([&] {
    auto ev = r.out().events();
    bool after = false, after_huge = false;
    for (auto& e : ev) {
      after = after || contains(e, "\"message\":\"after\"");
      after_huge = after_huge || contains(e, "\"message\":\"after huge\"");
    }
    return after && after_huge;
  }, 10s, "good messages"));
  EXPECT_TRUE(wait_until([&] { return r.metric("logferry_syslog_incomplete_frames_total") == 1; }, 5s, "incomplete"));
  EXPECT_EQ(r.metric("logferry_syslog_truncated_total"), 1);
  EXPECT_GE(r.metric("logferry_syslog_malformed_total"), 1);
  bool marked = false;
  for (auto& e : r.out().events()) {
    if (contains(e, "\"truncated\":true")) {
      marked = true;
      EXPECT_LT(e.size(), 70u * 1024);
    }
  }
  EXPECT_TRUE(marked);
  ::close(good);
  ::close(garbage);
  ::close(huge);
}

TEST(SyslogSourceTest, ConnectionLimit) {
  SyslogSource::Options o = tcp_options();
  o.max_connections = 3;
  Running r(o);
  std::vector<int> fds;
  for (int i = 0; i < 3; ++i) fds.push_back(connect_tcp(r.port()));
  ASSERT_TRUE(wait_until([&] { return r.metric("logferry_syslog_connections") == 3; }, 5s, "3 open"));
  int extra = connect_tcp(r.port());
  ASSERT_TRUE(wait_until([&] { return r.metric("logferry_syslog_connections_rejected_total") == 1; }, 5s, "rejected"));
  EXPECT_EQ(read_some(extra, 2000ms), "");  // closed by the server
  send_all(fds[0], "<13>Oct 11 22:14:15 h app: still served\n");
  ASSERT_TRUE(wait_until([&] { return r.out().count() == 1; }, 5s, "event"));
  for (int fd : fds) ::close(fd);
  ::close(extra);
  ASSERT_TRUE(wait_until([&] { return r.metric("logferry_syslog_connections") == 0; }, 5s, "all closed"));
}

TEST(SyslogSourceTest, IdleConnectionsTimeOut) {
  SyslogSource::Options o = tcp_options();
  o.idle_timeout = 300ms;
  Running r(o);
  int fd = connect_tcp(r.port());
  send_all(fd, "<13>Oct 11 22:14:15 h app: then silence\n");
  ASSERT_TRUE(wait_until([&] { return r.metric("logferry_syslog_connections_timed_out_total") == 1; }, 5s, "timeout"));
  EXPECT_EQ(r.metric("logferry_syslog_connections"), 0);
  EXPECT_EQ(r.out().count(), 1u);
  ::close(fd);
}

TEST(SyslogSourceTest, RelpAcksOnlyAfterDelivery) {
  SyslogSource::Options o;
  o.mode = "relp";
  Running r(o);
  r.out().hold(true);
  int fd = connect_tcp(r.port());
  send_all(fd, "1 open 30 relp_version=0\ncommands=syslog\n");
  std::string open_rsp = read_some(fd, 2000ms);
  EXPECT_TRUE(contains(open_rsp, "1 rsp ")) << open_rsp;
  EXPECT_TRUE(contains(open_rsp, "200 OK")) << open_rsp;
  EXPECT_TRUE(contains(open_rsp, "commands=syslog")) << open_rsp;
  send_all(fd, "2 syslog 30 <13>Oct 11 22:14:15 h app: one\n3 syslog 30 <13>Oct 11 22:14:15 h app: two\n");
  ASSERT_TRUE(wait_until([&] { return r.out().count() == 2; }, 5s, "2 events"));
  EXPECT_EQ(read_some(fd, 300ms), "");  // not delivered yet: no ack
  r.out().release_held();
  std::string acks;
  ASSERT_TRUE(wait_until([&] {
    acks += read_some(fd, 100ms);
    return contains(acks, "3 rsp 6 200 OK\n");
  }, 5s, "acks"));
  EXPECT_TRUE(contains(acks, "2 rsp 6 200 OK\n")) << acks;
  r.out().hold(false);
  send_all(fd, "4 close 0\n");
  std::string close_rsp;
  ASSERT_TRUE(wait_until([&] {
    close_rsp += read_some(fd, 100ms);
    return contains(close_rsp, "4 rsp 0\n");
  }, 5s, "close response"));
  ::close(fd);
}

TEST(SyslogSourceTest, RelpGarbageClosesOnlyThatSession) {
  SyslogSource::Options o;
  o.mode = "relp";
  Running r(o);
  int good = connect_tcp(r.port());
  send_all(good, "1 open 0\n");
  read_some(good, 1000ms);
  int bad = connect_tcp(r.port());
  send_all(bad, "GET / HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(wait_until([&] { return r.metric("logferry_syslog_framing_errors_total") == 1; }, 5s, "error"));
  send_all(good, "2 syslog 3 abc\n");
  std::string ack;
  ASSERT_TRUE(wait_until([&] {
    ack += read_some(good, 100ms);
    return contains(ack, "2 rsp 6 200 OK");
  }, 5s, "ack"));
  ::close(good);
  ::close(bad);
}

// RELP behind a PROXY v2 header: the session is RELP as ever, its messages from the client the
// header names, acked.
TEST(SyslogSourceTest, RelpBehindAProxyHeader) {
  SyslogSource::Options o;
  o.mode = "relp";
  o.proxy_protocol = true;
  Running r(o);
  int fd = connect_tcp(r.port());
  send_all(fd, std::string("\r\n\r\n\0\r\nQUIT\n", 12) + std::string("\x21\x11\x00\x0c", 4) +
                   std::string("\xc0\x00\x02\x0a\xc6\x33\x64\x07\x9c\x40\x17\x70", 12) + "1 open 0\n");
  std::string got;
  ASSERT_TRUE(wait_until([&] {
    got += read_some(fd, 100ms);
    return contains(got, "1 rsp ");
  }, 5s, "open answered"));
  send_all(fd, "2 syslog 41 <13>1 2024-01-01T00:00:00Z h app - - - hi\n");
  ASSERT_TRUE(wait_until([&] {
    got += read_some(fd, 100ms);
    return contains(got, "2 rsp 6 200 OK");
  }, 5s, "ack")) << got;
  ASSERT_EQ(r.out().count(), 1u);
  EXPECT_TRUE(contains(r.out().events()[0], R"("message":"hi","source_ip":"192.0.2.10")")) << r.out().events()[0];
  ::close(fd);
}

// While send() blocks, the source reads no socket: the sender's writes stall on the full TCP
// window instead of piling up in our memory. Released, everything arrives.
TEST(SyslogSourceTest, TcpBackpressureStopsReading) {
  SyslogSource::Options o = tcp_options();
  o.batch_max_events = 100;
  Running r(o);
  int fd = connect_tcp(r.port());
  send_all(fd, "<13>Oct 11 22:14:15 h app: first\n");
  ASSERT_TRUE(wait_until([&] { return r.out().count() == 1; }, 5s, "first"));
  r.out().block(true);
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  std::string line = "<13>Oct 11 22:14:15 h app: " + std::string(200, 'p') + "\n";
  std::size_t sent = 0, lines = 0;
  bool stalled = false;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  std::string pending;
  while (std::chrono::steady_clock::now() < deadline && sent < (256u << 20)) {
    if (pending.empty()) {
      pending = line;
      ++lines;
    }
    ssize_t n = ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // Kernel buffers full: give the source a moment to (not) read, then check again.
      std::this_thread::sleep_for(50ms);
      ssize_t again = ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL);
      if (again < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        stalled = true;
        break;
      }
      ASSERT_GT(again, 0);
      sent += static_cast<std::size_t>(again);  // what went out must not be sent twice
      pending.erase(0, static_cast<std::size_t>(again));
      continue;
    }
    ASSERT_GT(n, 0);
    sent += static_cast<std::size_t>(n);
    pending.erase(0, static_cast<std::size_t>(n));
  }
  EXPECT_TRUE(stalled) << "sent " << sent << " bytes without being pushed back";
  EXPECT_LT(sent, 64u << 20);
  r.out().block(false);
  ::fcntl(fd, F_SETFL, flags);
  if (!pending.empty()) send_all(fd, pending);
  ASSERT_TRUE(wait_until([&] { return r.out().count() == lines + 1; }, 20s, "all lines"))
      << r.out().count() << " of " << lines + 1;
  ::close(fd);
}

// UDP cannot push back: while the pipeline is full the kernel drops datagrams, and the source
// counts them (SO_RXQ_OVFL) once it reads again.
TEST(SyslogSourceTest, UdpDropsAreCounted) {
  SyslogSource::Options o;
  o.mode = "udp";
  o.receive_buffer_bytes.bytes = 8192;
  o.batch_max_events = 1;
  Running r(o);
  send_udp(r.port(), "<13>Oct 11 22:14:15 h app: first");
  ASSERT_TRUE(wait_until([&] { return r.out().count() == 1; }, 5s, "first"));
  r.out().block(true);
  send_udp(r.port(), "<13>Oct 11 22:14:15 h app: blocks the source");
  std::this_thread::sleep_for(100ms);  // let the source take it and block in send()
  for (int i = 0; i < 2000; ++i) send_udp(r.port(), "<13>Oct 11 22:14:15 h app: flood " + std::to_string(i));
  r.out().block(false);
  ASSERT_TRUE(wait_until([&] { return r.metric("logferry_syslog_udp_dropped_total") > 0; }, 5s, "drops counted"));
  ASSERT_TRUE(wait_until([&] {
    return r.out().count() + static_cast<std::size_t>(r.metric("logferry_syslog_udp_dropped_total")) == 2002;
  }, 5s, "received + dropped = sent")) << r.out().count() << " + " << r.metric("logferry_syslog_udp_dropped_total");
}

// A reload (runtime::ListenerRegistry handover): the stopping source parks its socket and open
// connections, the next one adopts them. Ends the handover however the test ends.
class Handover {
 public:
  Handover() { runtime::ListenerRegistry::instance().begin_handover(); }
  ~Handover() { end(); }
  std::size_t end() { return runtime::ListenerRegistry::instance().end_handover(); }
};

TEST(SyslogSourceTest, ReloadKeepsTheTcpConnectionAndItsHalfReadFrame) {
  Handover handover;
  auto first = std::make_unique<Running>(tcp_options());
  uint16_t port = first->port();
  int fd = connect_tcp(port);
  send_all(fd, "<13>1 2024-01-01T00:00:00Z h app - - - before\n<13>1 2024-01-01T00:00:00Z h app - - - spl");
  ASSERT_TRUE(wait_until([&] { return first->out().count() == 1; }, 5s, "first line"));
  first.reset();  // stops and parks: "spl" travels with the connection
  Running second(tcp_options());
  EXPECT_EQ(handover.end(), 0u);  // everything adopted
  EXPECT_EQ(second.port(), port);
  send_all(fd, "it across\n<13>1 2024-01-01T00:00:00Z h app - - - after\n");
  ASSERT_TRUE(wait_until([&] { return second.out().count() == 2; }, 5s, "both lines")) << second.out().count();
  EXPECT_TRUE(contains(second.out().events()[0], R"("message":"split across")")) << second.out().events()[0];
  EXPECT_TRUE(contains(second.out().events()[1], R"("message":"after")"));
  int fresh = connect_tcp(port);  // and the listener accepts
  send_all(fresh, "<13>1 2024-01-01T00:00:00Z h app - - - new\n");
  EXPECT_TRUE(wait_until([&] { return second.out().count() == 3; }, 5s, "new connection"));
  ::close(fresh);
  ::close(fd);
}

// The PROXY header was read by the first pipeline; the second keeps its client as source_ip.
TEST(SyslogSourceTest, ReloadKeepsTheProxiedClient) {
  Handover handover;
  auto o = tcp_options();
  o.proxy_protocol = true;
  auto first = std::make_unique<Running>(o);
  int fd = connect_tcp(first->port());
  send_all(fd, "PROXY TCP4 203.0.113.9 198.51.100.2 40001 514\r\n<13>1 2024-01-01T00:00:00Z h app - - - before\n");
  ASSERT_TRUE(wait_until([&] { return first->out().count() == 1; }, 5s, "first line"));
  first.reset();
  Running second(o);
  EXPECT_EQ(handover.end(), 0u);
  send_all(fd, "<13>1 2024-01-01T00:00:00Z h app - - - after\n");
  ASSERT_TRUE(wait_until([&] { return second.out().count() == 1; }, 5s, "after the reload"));
  EXPECT_TRUE(contains(second.out().events()[0], R"("message":"after","source_ip":"203.0.113.9")"))
      << second.out().events()[0];
  EXPECT_EQ(second.metric("logferry_syslog_proxy_header_failures_total"), 0);
  ::close(fd);
}

TEST(SyslogSourceTest, ReloadKeepsTheUdpSocketAndWhatArrivesMeanwhile) {
  Handover handover;
  SyslogSource::Options o;
  o.mode = "udp";
  auto first = std::make_unique<Running>(o);
  uint16_t port = first->port();
  first.reset();
  send_udp(port, "<13>Oct 11 22:14:15 h app: between the pipelines");  // waits in the kernel
  Running second(o);
  EXPECT_EQ(handover.end(), 0u);
  ASSERT_TRUE(wait_until([&] { return second.out().count() == 1; }, 5s, "datagram")) << second.out().count();
  EXPECT_TRUE(contains(second.out().events()[0], "between the pipelines"));
  EXPECT_EQ(second.metric("logferry_syslog_udp_dropped_total"), 0);
}

TEST(SyslogSourceTest, OutsideAReloadStopClosesTheConnections) {
  auto r = std::make_unique<Running>(tcp_options());
  int fd = connect_tcp(r->port());
  ASSERT_TRUE(wait_until([&] { return r->metric("logferry_syslog_connections") == 1; }, 5s, "accepted"));
  r.reset();
  EXPECT_EQ(read_some(fd, 2000ms), "");  // EOF: closed, not parked
  EXPECT_EQ(runtime::ListenerRegistry::instance().parked(), 0u);
  ::close(fd);
}

// RELP: the session moves once the old pipeline's drain has acked what it sent; the next
// pipeline acks what comes after, on the same connection.
TEST(SyslogSourceTest, ReloadKeepsARelpSessionOnceItsAcksAreSent) {
  Handover handover;
  SyslogSource::Options o;
  o.mode = "relp";
  auto first = std::make_unique<Running>(o);
  uint16_t port = first->port();
  int fd = connect_tcp(port);
  send_all(fd, "1 open 30 relp_version=0\ncommands=syslog\n");
  EXPECT_TRUE(contains(read_some(fd, 2000ms), "1 rsp "));
  first->out().hold(true);
  send_all(fd, "2 syslog 30 <13>Oct 11 22:14:15 h app: one\n3 syslog 30 <13>Oct 11 22:14:15 h ");
  ASSERT_TRUE(wait_until([&] { return first->out().count() == 1; }, 5s, "first message"));
  first->stop();
  EXPECT_EQ(read_some(fd, 200ms), "");  // not delivered yet: no ack
  first->out().release_held();           // the drain delivers it
  first->drained();
  std::string acks;
  ASSERT_TRUE(wait_until([&] { acks += read_some(fd, 100ms); return contains(acks, "2 rsp 6 200 OK\n"); },
                         5s, "ack from the old pipeline")) << acks;
  first.reset();
  Running second(o);
  EXPECT_EQ(handover.end(), 0u);
  send_all(fd, "app: two\n");
  ASSERT_TRUE(wait_until([&] { return second.out().count() == 1; }, 5s, "second message"));
  EXPECT_TRUE(contains(second.out().events()[0], R"("message":"two")")) << second.out().events()[0];
  acks.clear();
  ASSERT_TRUE(wait_until([&] { acks += read_some(fd, 100ms); return contains(acks, "3 rsp 6 200 OK\n"); },
                         5s, "ack from the new pipeline")) << acks;
  ::close(fd);
}

}  // namespace
}  // namespace logferry::sources

// The socket source in-process: real sockets on 127.0.0.1, a recording SourceOutput.
#include "sources/socket/socket_source.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "runtime/listener_registry.h"
#include "support/net_util.h"
#include "support/recording_output.h"
#include "support/temp_dir.h"
#include "support/tls_test_certs.h"
#include "support/wait.h"

namespace logferry::sources {
namespace {

using namespace std::chrono_literals;
using RecordingOutput = testing::JsonRecordingOutput;
using testing::wait_until;

class RunningSocket : public testing::NetworkSourceRunner<SocketSource> {
 public:
  using NetworkSourceRunner::NetworkSourceRunner;
  bool wait_for(std::size_t n) { return wait_until([&] { return out().count() >= n; }, 5s, "events"); }
};

SocketSource::Options options(std::string mode, std::string framing, std::string decoding) {
  SocketSource::Options o;
  o.mode = std::move(mode);
  o.framing = std::move(framing);
  o.decoding = std::move(decoding);
  return o;
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A reload (runtime::ListenerRegistry handover): the stopping source parks its socket and open
// connections, the next one adopts them. Ends the handover however the test ends.
class Handover {
 public:
  Handover() { runtime::ListenerRegistry::instance().begin_handover(); }
  ~Handover() { end(); }
  std::size_t end() { return runtime::ListenerRegistry::instance().end_handover(); }
};

TEST(SocketSourceTest, ReloadKeepsTheTcpConnectionAndItsHalfSentLine) {
  Handover handover;
  auto first = std::make_unique<RunningSocket>(options("tcp", "newline", "text"));
  uint16_t port = first->port();
  int fd = testing::tcp_connect(port);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::send_all(fd, "before\nspl"));
  ASSERT_TRUE(first->wait_for(1));
  first.reset();  // stops and parks: "spl" travels with the connection
  RunningSocket second(options("tcp", "newline", "text"));
  EXPECT_EQ(handover.end(), 0u);  // everything adopted
  EXPECT_EQ(second.port(), port);
  ASSERT_TRUE(testing::send_all(fd, "it across\nafter\n"));
  ASSERT_TRUE(wait_until([&] { return second.out().count() == 2; }, 5s, "both lines")) << second.out().count();
  auto ev = second.out().events();
  EXPECT_TRUE(has(ev[0], R"({"message":"split across")")) << ev[0];
  EXPECT_TRUE(has(ev[0], R"("host":"127.0.0.1","port":)")) << ev[0];
  EXPECT_FALSE(has(ev[0], R"("port":0)")) << ev[0];
  EXPECT_TRUE(has(ev[1], R"({"message":"after")")) << ev[1];
  EXPECT_EQ(second.metric("logferry_socket_incomplete_lines_total"), 0);
  int fresh = testing::tcp_connect(port);  // and the listener accepts
  ASSERT_GE(fresh, 0);
  ASSERT_TRUE(testing::send_all(fresh, "new\n"));
  EXPECT_TRUE(wait_until([&] { return second.out().count() == 3; }, 5s, "new connection"));
  ::close(fresh);
  ::close(fd);
}

// A blocking TLS client that trusts dir/ca.pem and keeps its connection open.
class TlsClient {
 public:
  TlsClient(const testing::TempDir& dir, uint16_t port) : ctx_(asio::ssl::context::tls_client), stream_(io_, ctx_) {
    ctx_.load_verify_file((dir / "ca.pem").string());
    stream_.set_verify_mode(asio::ssl::verify_peer);
    stream_.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    stream_.handshake(asio::ssl::stream_base::client);
  }
  void send(const std::string& data) { asio::write(stream_, asio::buffer(data)); }

 private:
  asio::io_context io_;
  asio::ssl::context ctx_;
  asio::ssl::stream<asio::ip::tcp::socket> stream_;
};

SocketSource::Options tls_options(const testing::TempDir& dir) {
  auto o = options("tcp", "newline", "text");
  o.tls.enabled = true;
  o.tls.cert_file = (dir / "server.pem").string();
  o.tls.key_file = (dir / "server.key").string();
  return o;
}

// The TLS session moves with its fd (net::TlsSocket): the next pipeline decrypts what the
// client sends on, with the keys of the first handshake. What the first pipeline had read
// and not yet returned (a burst is in flight as it stops) comes out of the second: every line
// once, in order.
TEST(SocketSourceTest, ReloadKeepsTheTlsSessionAndWhatItHadRead) {
  testing::TempDir dir;
  testing::make_certs(dir);
  Handover handover;
  auto first = std::make_unique<RunningSocket>(tls_options(dir));
  uint16_t port = first->port();
  TlsClient client(dir, port);
  client.send("before\n");
  ASSERT_TRUE(first->wait_for(1));
  constexpr int kBurst = 5000;
  std::string burst;
  for (int i = 0; i < kBurst; ++i) burst += "burst " + std::to_string(i) + "\n";
  client.send(burst + "spl");
  first->stop();  // parks, mid-burst: "spl" and whatever the session holds travel on
  RunningSocket second(tls_options(dir));
  EXPECT_EQ(handover.end(), 0u);  // everything adopted
  client.send("it across\n");
  auto total = [&] { return first->out().count() + second.out().count(); };
  ASSERT_TRUE(wait_until([&] { return total() == kBurst + 2; }, 10s, "every line")) << total();
  auto events = first->out().events();
  for (auto& e : second.out().events()) events.push_back(e);
  for (int i = 0; i < kBurst; ++i)
    ASSERT_TRUE(has(events[static_cast<std::size_t>(i) + 1], "\"burst " + std::to_string(i) + "\"")) << i;
  EXPECT_TRUE(has(events.back(), R"({"message":"split across")")) << events.back();
  EXPECT_EQ(second.metric("logferry_socket_connections_accepted_total"), 0);  // no new connection
}

TEST(SocketSourceTest, ReloadKeepsTheUdpSocketAndWhatArrivesMeanwhile) {
  Handover handover;
  auto first = std::make_unique<RunningSocket>(options("udp", "newline", "text"));
  uint16_t port = first->port();
  first.reset();
  ASSERT_TRUE(testing::udp_send(port, "between\nthe pipelines"));  // the registry reads it
  ASSERT_TRUE(wait_until([&] { return runtime::ListenerRegistry::instance().parked() == 1; }, 5s, "parked"));
  RunningSocket second(options("udp", "newline", "text"));
  EXPECT_EQ(handover.end(), 0u);
  EXPECT_EQ(second.port(), port);
  ASSERT_TRUE(testing::udp_send(port, "after"));
  ASSERT_TRUE(wait_until([&] { return second.out().count() == 3; }, 5s, "datagrams")) << second.out().count();
  auto ev = second.out().events();
  EXPECT_TRUE(has(ev[0], R"({"message":"between")")) << ev[0];
  EXPECT_TRUE(has(ev[1], R"({"message":"the pipelines")")) << ev[1];
  EXPECT_TRUE(has(ev[2], R"({"message":"after")")) << ev[2];
  EXPECT_EQ(second.metric("logferry_socket_udp_dropped_total"), 0);
}

TEST(SocketSourceTest, OutsideAReloadStopClosesTheConnections) {
  auto r = std::make_unique<RunningSocket>(options("tcp", "newline", "text"));
  int fd = testing::tcp_connect(r->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(wait_until([&] { return r->metric("logferry_socket_connections") == 1; }, 5s, "accepted"));
  r.reset();
  char c;
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);  // EOF: closed, not parked
  EXPECT_EQ(runtime::ListenerRegistry::instance().parked(), 0u);
  ::close(fd);
}

TEST(SocketSourceTest, TcpLinesCarryPeerHostAndPortAndKeepLeadingSpaces) {
  RunningSocket r(options("tcp", "newline", "text"));
  int fd = testing::tcp_connect(r.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::send_all(fd, "first line\r\n  indented\nlast without newline"));
  ASSERT_TRUE(r.wait_for(2));
  ::close(fd);  // the unterminated last line is an event too
  ASSERT_TRUE(r.wait_for(3));
  auto ev = r.out().events();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_TRUE(has(ev[0], R"({"message":"first line","@timestamp":")")) << ev[0];
  EXPECT_TRUE(has(ev[0], R"("host":"127.0.0.1","port":)")) << ev[0];
  EXPECT_FALSE(has(ev[0], R"("port":0)")) << ev[0];
  EXPECT_TRUE(has(ev[1], R"("message":"  indented")")) << ev[1];
  EXPECT_TRUE(has(ev[2], R"("message":"last without newline")")) << ev[2];
  EXPECT_EQ(r.metric("logferry_socket_incomplete_lines_total"), 1);
}

TEST(SocketSourceTest, TcpJsonLinesBecomeFieldsAndBadJsonIsTaggedAndCounted) {
  RunningSocket r(options("tcp", "newline", "json"));
  int fd = testing::tcp_connect(r.port());
  ASSERT_TRUE(testing::send_all(fd,
                                "{\"level\":\"info\",\"n\":12345678901234567890,\"host\":\"app1\"}\n"
                                "not json\n"
                                "{\"@timestamp\":\"2024-05-01T10:00:00.5Z\",\"a\":{\"b\":1}}\n"
                                "{\"@timestamp\":\"yesterday\"}\n"
                                "[{\"i\":1},{\"i\":2}]\n"));
  ASSERT_TRUE(r.wait_for(6));
  auto ev = r.out().events();
  ASSERT_EQ(ev.size(), 6u);
  // A JSON host wins over the peer's (Logstash sets host only when absent).
  EXPECT_TRUE(has(ev[0], R"({"level":"info","n":12345678901234567890,"host":"app1","@timestamp":")")) << ev[0];
  EXPECT_TRUE(has(ev[1], R"({"message":"not json","tags":["_jsonparsefailure"],"@timestamp":")")) << ev[1];
  EXPECT_TRUE(has(ev[2], R"({"@timestamp":"2024-05-01T10:00:00.500Z","a":{"b":1},"host":"127.0.0.1")")) << ev[2];
  EXPECT_TRUE(has(ev[3], R"("_@timestamp":"yesterday")")) << ev[3];
  EXPECT_TRUE(has(ev[3], R"("tags":["_timestampparsefailure"])")) << ev[3];
  EXPECT_TRUE(has(ev[4], R"({"i":1,"@timestamp")")) << ev[4];
  EXPECT_TRUE(has(ev[5], R"({"i":2,"@timestamp")")) << ev[5];
  EXPECT_EQ(r.metric("logferry_socket_json_failures_total"), 1);
  ::close(fd);
}

TEST(SocketSourceTest, LongLinesAreCutMarkedAndCounted) {
  auto o = options("tcp", "newline", "text");
  o.max_frame_bytes.bytes = 16;
  RunningSocket r(o);
  int fd = testing::tcp_connect(r.port());
  ASSERT_TRUE(testing::send_all(fd, std::string(40, 'x') + "\nshort\n"));
  ASSERT_TRUE(r.wait_for(2));
  auto ev = r.out().events();
  EXPECT_TRUE(has(ev[0], "\"message\":\"" + std::string(16, 'x') + "\"")) << ev[0];
  EXPECT_TRUE(has(ev[0], R"("truncated":true)")) << ev[0];
  EXPECT_TRUE(has(ev[1], R"("message":"short")")) << ev[1];
  EXPECT_EQ(r.metric("logferry_socket_truncated_total"), 1);
  ::close(fd);
}

TEST(SocketSourceTest, ConnectionsOverTheLimitAreRefused) {
  auto o = options("tcp", "newline", "text");
  o.max_connections = 1;
  RunningSocket r(o);
  int a = testing::tcp_connect(r.port());
  ASSERT_TRUE(testing::send_all(a, "from a\n"));
  ASSERT_TRUE(r.wait_for(1));
  int b = testing::tcp_connect(r.port());
  ASSERT_TRUE(wait_until([&] { return r.metric("logferry_socket_connections_rejected_total") == 1; }, 5s, "rejected"));
  EXPECT_EQ(testing::read_until_closed(b, 2s), "");  // closed at once
  ::close(a);
  ::close(b);
}

TEST(SocketSourceTest, UdpDatagramIsOneEventWithFramingNone) {
  RunningSocket r(options("udp", "none", "text"));
  ASSERT_TRUE(testing::udp_send(r.port(), "line one\nline two"));
  ASSERT_TRUE(r.wait_for(1));
  auto ev = r.out().events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(has(ev[0], R"({"message":"line one\nline two","@timestamp":")")) << ev[0];
  EXPECT_TRUE(has(ev[0], R"("host":"127.0.0.1"})")) << ev[0];  // no port field on UDP, as Logstash
}

TEST(SocketSourceTest, UdpNewlineFramingSplitsADatagramAndJsonDecodes) {
  RunningSocket r(options("udp", "newline", "json"));
  ASSERT_TRUE(testing::udp_send(r.port(), "{\"a\":1}\n{\"a\":2}\n"));
  ASSERT_TRUE(testing::udp_send(r.port(), "{broken"));
  ASSERT_TRUE(r.wait_for(3));
  auto ev = r.out().events();
  EXPECT_TRUE(has(ev[0], R"({"a":1,)")) << ev[0];
  EXPECT_TRUE(has(ev[1], R"({"a":2,)")) << ev[1];
  EXPECT_TRUE(has(ev[2], R"({"message":"{broken","tags":["_jsonparsefailure"])")) << ev[2];
  EXPECT_EQ(r.metric("logferry_socket_json_failures_total"), 1);
}

TEST(SocketSourceTest, UdpDatagramOverMaxFrameBytesIsCut) {
  auto o = options("udp", "none", "text");
  o.max_frame_bytes.bytes = 32;
  RunningSocket r(o);
  ASSERT_TRUE(testing::udp_send(r.port(), std::string(100, 'y')));
  ASSERT_TRUE(r.wait_for(1));
  auto ev = r.out().events();
  EXPECT_TRUE(has(ev[0], "\"message\":\"" + std::string(32, 'y') + "\"")) << ev[0];
  EXPECT_TRUE(has(ev[0], R"("truncated":true)")) << ev[0];
  EXPECT_EQ(r.metric("logferry_socket_truncated_total"), 1);
}

// A blocked pipeline stops the reads, so the kernel buffers fill and the sender stalls;
// once it drains, every line arrives once.
TEST(SocketSourceTest, AFullPipelineStallsTheSenderAndLosesNothing) {
  RunningSocket r(options("tcp", "newline", "text"));
  int fd = testing::tcp_connect(r.port());
  ASSERT_TRUE(testing::send_all(fd, "first\n"));
  ASSERT_TRUE(r.wait_for(1));
  r.out().block(true);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string line = std::string(200, 'p') + "\n";
  std::size_t lines = 1;
  std::string_view pending;
  bool stalled = wait_until([&] {
    for (int i = 0; i < 10000; ++i) {
      if (pending.empty()) {
        pending = line;
        ++lines;
      }
      ssize_t n = ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN;
      pending.remove_prefix(static_cast<std::size_t>(n));
    }
    return false;
  }, 20s, "the sender to stall");
  ASSERT_TRUE(stalled);
  ASSERT_LT(lines, 2'000'000u);  // the buffers are bounded, not drained by the source
  r.out().block(false);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  ASSERT_TRUE(testing::send_all(fd, pending));  // the rest of the line that stalled
  ASSERT_TRUE(wait_until([&] { return r.out().count() == lines; }, 20s, "every line"));
  ::close(fd);
}

TEST(SocketSourceTest, ValidationNamesTheProblems) {
  Metrics m;
  BuildContext ctx{"bad", m, {}, {}, "node1"};
  auto o = options("tcp", "newline", "text");
  o.address = "127.0.0.1:0";
  o.tls.enabled = true;
  o.tls.cert_file = "/nonexistent/cert.pem";
  o.tls.key_file = "/nonexistent/key.pem";
  auto built = SocketSource::build(o, ctx);
  ASSERT_FALSE(built);
  EXPECT_TRUE(has(built.error().message, "cert.pem")) << built.error().message;
}

// TLS with a leaf signed by an intermediate: clients trusting only the root accept the
// server once the intermediate is sent as an extra chain certificate (ssl_extra_chain_certs).
TEST(SocketSourceTest, TlsSendsTheExtraChainCertificates) {
  testing::TempDir dir;
  testing::make_certs(dir);
  testing::make_chain_certs(dir);
  auto tls_options = [](bool with_chain) {
    auto o = options("tcp", "newline", "text");
    o.tls.enabled = true;
    o.tls.cert_file = "leaf.pem";  // relative: resolved against the config dir
    o.tls.key_file = "leaf.key";
    if (with_chain) o.tls.extra_chain_certs = {"chain.pem"};
    return o;
  };
  for (bool with_chain : {false, true}) {
    Metrics metrics;
    BuildContext ctx{"tls", metrics, {}, dir.path(), "node1"};
    auto o = tls_options(with_chain);
    o.address = "127.0.0.1:0";
    auto built = SocketSource::build(o, ctx);
    ASSERT_TRUE(built) << built.error().message;
    auto* source = static_cast<SocketSource*>(built->get());
    RecordingOutput out;
    std::jthread thread([&](std::stop_token st) {
      SourceContext sc{"tls", st, out};
      source->run(sc);
    });
    bool sent = testing::send_tls(source->port(), dir, false, "over tls\n");
    EXPECT_EQ(sent, with_chain);
    if (with_chain) {
      ASSERT_TRUE(wait_until([&] { return out.count() == 1; }, 5s, "the tls line"));
      EXPECT_TRUE(has(out.events()[0], R"({"message":"over tls")")) << out.events()[0];
    }
    thread.request_stop();
    source->interrupt();
  }
}

// An encrypted key with its passphrase serves TLS; with a wrong one the build fails, naming it.
TEST(SocketSourceTest, TlsKeyPassphraseDecryptsTheKey) {
  testing::TempDir dir;
  testing::make_certs(dir);
  testing::make_encrypted_server_key(dir, "pw-42");
  for (std::string pass : {"pw-42", "not-it"}) {
    Metrics metrics;
    BuildContext ctx{"tls", metrics, {}, dir.path(), "node1"};
    auto o = options("tcp", "newline", "text");
    o.address = "127.0.0.1:0";
    o.tls.enabled = true;
    o.tls.cert_file = "server.pem";
    o.tls.key_file = "server_enc.key";
    o.tls.key_passphrase = pass;
    auto built = SocketSource::build(o, ctx);
    if (pass == "not-it") {
      ASSERT_FALSE(built);
      EXPECT_TRUE(has(built.error().message, "server_enc.key")) << built.error().message;
      continue;
    }
    ASSERT_TRUE(built) << built.error().message;
    auto* source = static_cast<SocketSource*>(built->get());
    RecordingOutput out;
    std::jthread thread([&](std::stop_token st) {
      SourceContext sc{"tls", st, out};
      source->run(sc);
    });
    EXPECT_TRUE(testing::send_tls(source->port(), dir, false, "encrypted key\n"));
    EXPECT_TRUE(wait_until([&] { return out.count() == 1; }, 5s, "the tls line"));
    thread.request_stop();
    source->interrupt();
  }
}

// What the real openssl s_client can negotiate with tls.protocols and tls.ciphers.
TEST(SocketSourceTest, TlsProtocolsAndCiphersLimitWhatClientsNegotiate) {
  testing::TempDir dir;
  testing::make_certs(dir);
  struct Case {
    std::vector<std::string> protocols, ciphers, client_args;
    bool handshake;
  };
  const std::vector<Case> cases = {
      {{}, {}, {"-tls1_2"}, true},
      {{}, {}, {"-tls1_3"}, true},
      {{}, {}, {"-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"}, false},  // default: TLS 1.2 and 1.3
      // TLS 1.1 needs OpenSSL's security level 0 on both sides (SHA-1 signatures).
      {{"TLSv1.1", "TLSv1.2"}, {"DEFAULT:@SECLEVEL=0"}, {"-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"}, true},
      {{"TLSv1.3"}, {}, {"-tls1_2"}, false},
      {{"TLSv1.3"}, {}, {"-tls1_3"}, true},
      {{"TLSv1.2"}, {}, {"-tls1_3"}, false},
      {{"TLSv1.2"}, {}, {"-tls1_2"}, true},
      {{}, {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, {"-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"}, false},
      {{}, {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, {"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"}, true},
      {{}, {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, {"-tls1_3"}, false},  // no TLS 1.3 suite named
      {{}, {"TLS_AES_256_GCM_SHA384"}, {"-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"}, false},
      {{}, {"TLS_AES_256_GCM_SHA384"}, {"-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"}, true},
      {{}, {"TLS_AES_256_GCM_SHA384"}, {"-tls1_2"}, false},  // no TLS 1.2 cipher named
  };
  for (const auto& c : cases) {
    auto o = options("tcp", "newline", "text");
    o.tls.enabled = true;
    o.tls.cert_file = (dir / "server.pem").string();
    o.tls.key_file = (dir / "server.key").string();
    o.tls.protocols = c.protocols;
    o.tls.ciphers = c.ciphers;
    RunningSocket r(o);
    std::string log;
    std::string what = ::testing::PrintToString(c.protocols) + " " + ::testing::PrintToString(c.ciphers) +
                       " " + ::testing::PrintToString(c.client_args);
    EXPECT_EQ(testing::openssl_handshake(r.port(), c.client_args, &log), c.handshake) << what << "\n" << log;
  }
}

// PROXY protocol v1 and v2 headers as HAProxy sends them (the v2 one in two writes): the
// client they name is host and port, the address it reached proxy_host and proxy_port, as
// Logstash's tcp input with proxy_protocol. A connection without a header is closed and counted.
TEST(SocketSourceTest, ProxyProtocolHeadersNameTheClient) {
  auto o = options("tcp", "newline", "text");
  o.proxy_protocol = true;
  RunningSocket r(o);
  int v1 = testing::tcp_connect(r.port());
  ASSERT_GE(v1, 0);
  ASSERT_TRUE(testing::send_all(v1, "PROXY TCP4 192.0.2.1 198.51.100.2 56324 5140\r\nvia v1\n"));
  ASSERT_TRUE(r.wait_for(1));
  int v2 = testing::tcp_connect(r.port());
  ASSERT_GE(v2, 0);
  std::string header = std::string("\r\n\r\n\0\r\nQUIT\n", 12) + std::string("\x21\x11\x00\x0c", 4) +
                       std::string("\xc0\x00\x02\x0a\xc6\x33\x64\x07\x9c\x40\x17\x70", 12);
  ASSERT_TRUE(testing::send_all(v2, header.substr(0, 10)));
  ASSERT_TRUE(wait_until([&] { return r.metric("logferry_socket_connections_accepted_total") >= 2; }, 5s, "v2 accepted"));
  ASSERT_TRUE(testing::send_all(v2, header.substr(10) + "via v2\n"));
  ASSERT_TRUE(r.wait_for(2));
  auto ev = r.out().events();
  EXPECT_TRUE(has(ev[0], R"("message":"via v1")")) << ev[0];
  EXPECT_TRUE(has(ev[0], R"("host":"192.0.2.1","port":56324,"proxy_host":"198.51.100.2","proxy_port":5140)")) << ev[0];
  EXPECT_TRUE(has(ev[1], R"("message":"via v2")")) << ev[1];
  EXPECT_TRUE(has(ev[1], R"("host":"192.0.2.10","port":40000,"proxy_host":"198.51.100.7","proxy_port":6000)")) << ev[1];
  int bare = testing::tcp_connect(r.port());
  ASSERT_GE(bare, 0);
  ASSERT_TRUE(testing::send_all(bare, "no header here\n"));
  EXPECT_EQ(testing::read_until_closed(bare), "");
  EXPECT_EQ(r.metric("logferry_socket_proxy_header_failures_total"), 1);
  EXPECT_EQ(r.out().count(), 2u);
  for (int fd : {v1, v2, bare}) ::close(fd);
}

// proxy_protocol with tls: the header comes in clear, then the TLS handshake on the same
// socket (HAProxy's `send-proxy-v2 ssl`, AWS NLBs). The client is an Asio/OpenSSL one that
// writes the header before its ClientHello (s_client cannot). A TLS client without the header
// is closed before the handshake and counted.
TEST(SocketSourceTest, ProxyProtocolHeaderBeforeTheTlsHandshake) {
  testing::TempDir dir;
  testing::make_certs(dir);
  auto o = options("tcp", "newline", "text");
  o.proxy_protocol = true;
  o.tls.enabled = true;
  o.tls.cert_file = (dir / "server.pem").string();
  o.tls.key_file = (dir / "server.key").string();
  RunningSocket r(o);
  std::string v2 = std::string("\r\n\r\n\0\r\nQUIT\n", 12) + std::string("\x21\x11\x00\x0c", 4) +
                   std::string("\xc0\x00\x02\x0a\xc6\x33\x64\x07\x9c\x40\x17\x70", 12);
  ASSERT_TRUE(testing::send_tls(r.port(), dir, false, "over tls via v2\n", v2));
  ASSERT_TRUE(testing::send_tls(r.port(), dir, false, "over tls via v1\n",
                                "PROXY TCP6 2001:db8::7 2001:db8::1 4711 6514\r\n"));
  ASSERT_TRUE(r.wait_for(2));
  auto ev = r.out().events();
  std::sort(ev.begin(), ev.end());
  EXPECT_TRUE(has(ev[0], R"({"message":"over tls via v1")")) << ev[0];
  EXPECT_TRUE(has(ev[0], R"("host":"2001:db8::7","port":4711,"proxy_host":"2001:db8::1","proxy_port":6514)")) << ev[0];
  EXPECT_TRUE(has(ev[1], R"({"message":"over tls via v2")")) << ev[1];
  EXPECT_TRUE(has(ev[1], R"("host":"192.0.2.10","port":40000,"proxy_host":"198.51.100.7","proxy_port":6000)")) << ev[1];
  EXPECT_FALSE(testing::send_tls(r.port(), dir, false, "no header\n"));
  EXPECT_TRUE(wait_until([&] { return r.metric("logferry_socket_proxy_header_failures_total") == 1; }, 5s,
                         "the failure counted"));
  EXPECT_EQ(r.metric("logferry_socket_tls_handshake_failures_total"), 0);
  EXPECT_EQ(r.out().count(), 2u);
}

}  // namespace
}  // namespace logferry::sources

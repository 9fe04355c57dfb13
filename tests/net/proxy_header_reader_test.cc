// The PROXY header reader on a real accepted socket: it takes the header and not one byte of
// what follows, and ends bad, oversize, cut short and late headers with an error.
#include "net/proxy_header_reader.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <vector>

#include "support/net_util.h"
#include "support/wait.h"

namespace logferry::net {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;

const std::string kV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};
const std::string kV1 = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n";

// v2 PROXY over TCP/IPv4: 192.0.2.10:40000 -> 198.51.100.7:6000.
std::string v2_ipv4() {
  return kV2Signature + std::string("\x21\x11\x00\x0c", 4) +
         std::string("\xc0\x00\x02\x0a\xc6\x33\x64\x07\x9c\x40\x17\x70", 12);
}

struct Outcome {
  bool done = false;
  std::optional<ProxyHeader> header;
  std::vector<std::string> errors;
};

class ProxyHeaderReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = testing::tcp_connect(acceptor_.local_endpoint().port());
    ASSERT_GE(client_, 0);
    acceptor_.accept(server_);
  }
  void TearDown() override {
    if (client_ >= 0) ::close(client_);
  }

  void start(std::chrono::milliseconds timeout = 5s) {
    ProxyHeaderOptions o;
    o.enabled = true;
    o.timeout = timeout;
    o.on_error = [this](const std::string& peer, const std::string& why) {
      EXPECT_EQ(peer, "127.0.0.1");
      outcome_.errors.push_back(why);
    };
    async_read_proxy_header(server_, o, "127.0.0.1", [this](std::optional<ProxyHeader> h) {
      outcome_.done = true;
      outcome_.header = std::move(h);
    });
  }
  // Runs the reader to its end: it leaves no work behind, so run() returns.
  const Outcome& finish() {
    io_.run_for(10s);
    EXPECT_TRUE(outcome_.done);
    return outcome_;
  }
  void send(const std::string& bytes) { ASSERT_TRUE(testing::send_all(client_, bytes)); }
  void end_sending() { ::shutdown(client_, SHUT_WR); }
  // What the server socket still holds after the reader, up to the client's end.
  std::string rest() {
    std::string out;
    char buf[4096];
    asio::error_code ec;
    for (;;) {
      std::size_t n = server_.read_some(asio::buffer(buf), ec);
      if (ec) break;
      out.append(buf, n);
    }
    return out;
  }
  std::size_t unread() {
    int n = 0;
    ::ioctl(server_.native_handle(), FIONREAD, &n);
    return static_cast<std::size_t>(n);
  }

  asio::io_context io_;
  tcp::acceptor acceptor_{io_, {asio::ip::make_address("127.0.0.1"), 0}};
  tcp::socket server_{io_};
  int client_ = -1;
  Outcome outcome_;
};

TEST_F(ProxyHeaderReaderTest, V1HeaderIsTakenAndTheBytesBehindItStay) {
  start();
  send(kV1 + "PROXY is data now\r\n");
  end_sending();
  const auto& o = finish();
  ASSERT_TRUE(o.header) << ::testing::PrintToString(o.errors);
  EXPECT_EQ(o.header->source_ip, "192.0.2.1");
  EXPECT_EQ(o.header->source_port, 56324);
  EXPECT_EQ(o.header->dest_ip, "198.51.100.2");
  EXPECT_EQ(o.header->dest_port, 443);
  EXPECT_TRUE(o.errors.empty());
  EXPECT_EQ(rest(), "PROXY is data now\r\n");
}

// The v2 header in two writes: the reader takes the first part, waits, then the rest.
TEST_F(ProxyHeaderReaderTest, V2HeaderInTwoWrites) {
  std::string h = v2_ipv4();
  start();
  send(h.substr(0, 14));
  ASSERT_TRUE(testing::wait_until([&] {
    io_.poll();
    return unread() == 0;
  }, 5s, "first part taken"));
  EXPECT_FALSE(outcome_.done);
  send(h.substr(14) + "\x16\x03\x01 a ClientHello");
  end_sending();
  const auto& o = finish();
  ASSERT_TRUE(o.header) << ::testing::PrintToString(o.errors);
  EXPECT_EQ(o.header->source_ip, "192.0.2.10");
  EXPECT_EQ(o.header->source_port, 40000);
  EXPECT_EQ(o.header->dest_ip, "198.51.100.7");
  EXPECT_EQ(o.header->dest_port, 6000);
  EXPECT_EQ(rest(), "\x16\x03\x01 a ClientHello");
}

TEST_F(ProxyHeaderReaderTest, HeaderCutShortByTheClosingPeer) {
  start();
  send(kV1.substr(0, 20));
  end_sending();
  const auto& o = finish();
  EXPECT_FALSE(o.header);
  ASSERT_EQ(o.errors.size(), 1u);
  EXPECT_EQ(o.errors[0], "connection closed after 20 bytes of the header");
}

TEST_F(ProxyHeaderReaderTest, OversizeHeadersAreBad) {
  start();
  send(kV2Signature + std::string("\x21\x11\x07\xd0", 4) + std::string(100, 'x'));  // 16 + 2000
  const auto& o = finish();
  EXPECT_FALSE(o.header);
  ASSERT_EQ(o.errors.size(), 1u);
  EXPECT_EQ(o.errors[0], "v2 header of 2016 bytes (at most 1024)");
}

TEST_F(ProxyHeaderReaderTest, V1WithoutCrlfIn107BytesIsBad) {
  start();
  send("PROXY TCP4 " + std::string(200, '1'));
  const auto& o = finish();
  EXPECT_FALSE(o.header);
  ASSERT_EQ(o.errors.size(), 1u);
  EXPECT_EQ(o.errors[0], "v1 header without CRLF in 107 bytes");
}

TEST_F(ProxyHeaderReaderTest, GarbageIsBad) {
  start();
  send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto& o = finish();
  EXPECT_FALSE(o.header);
  ASSERT_EQ(o.errors.size(), 1u);
  EXPECT_EQ(o.errors[0], "no PROXY protocol header");
}

TEST_F(ProxyHeaderReaderTest, LateHeaderTimesOut) {
  start(100ms);
  send(kV1.substr(0, 30));
  const auto& o = finish();
  EXPECT_FALSE(o.header);
  ASSERT_EQ(o.errors.size(), 1u);
  EXPECT_EQ(o.errors[0], "no complete header within 100 ms");
}

// A port check: connect and close without a byte. Not a header error.
TEST_F(ProxyHeaderReaderTest, CloseWithoutAByteIsNoError) {
  start();
  end_sending();
  const auto& o = finish();
  EXPECT_FALSE(o.header);
  EXPECT_TRUE(o.errors.empty());
}

// The owner closes the socket mid-header (shutdown, reload): done, no error.
TEST_F(ProxyHeaderReaderTest, ClosingTheSocketEndsTheReadQuietly) {
  start();
  send(kV1.substr(0, 10));
  ASSERT_TRUE(testing::wait_until([&] {
    io_.poll();
    return unread() == 0;
  }, 5s, "first part taken"));
  server_.close();
  const auto& o = finish();
  EXPECT_FALSE(o.header);
  EXPECT_TRUE(o.errors.empty());
}

}  // namespace
}  // namespace logferry::net

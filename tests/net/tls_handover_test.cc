// A TLS connection handed from one TcpServer (and io_context) to another, as a reload does
// (runtime/socket_handover.h): the session goes with the fd, with plaintext it had decrypted and
// not yet returned.
#include <gtest/gtest.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include "net/tcp_server.h"
#include "net/tls_server_context.h"
#include "support/temp_dir.h"
#include "support/tls_test_certs.h"

namespace logferry::net {
namespace {

using namespace std::chrono_literals;

// Appends what arrives to `into`; pauses its connection after the first read when asked.
class Recorder : public ConnectionHandler {
 public:
  Recorder(Connection& c, std::string& into, bool pause_after_first) : c_(c), into_(into), pause_(pause_after_first) {}
  void on_data(std::string_view bytes) override {
    into_.append(bytes);
    if (pause_) c_.set_reading(false);
  }
  void on_close() override {}

 private:
  Connection& c_;
  std::string& into_;
  bool pause_;
};

// Runs `io` until `done` or 5 s.
bool run_until(asio::io_context& io, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  io.restart();
  while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_for(10ms);
  return done();
}

std::unique_ptr<TcpServer> tls_server(asio::io_context& io, const testing::TempDir& dir, int listen_fd) {
  TlsServerOptions t;
  t.cert_file = (dir / "server.pem").string();
  t.key_file = (dir / "server.key").string();
  TcpServer::Options o;
  o.address = "127.0.0.1:0";
  o.tls = *make_tls_server_context(t);
  o.read_buffer_bytes = 8;  // a record takes several reads: the rest waits in the session
  o.listen_fd = listen_fd;
  return std::move(*TcpServer::bind(io, o, {}));
}

// A TLS client (trusting dir/ca.pem): connects, handshakes once `go` is ready, sends `message`
// in one record, then stays connected until `done`.
void send_and_wait(uint16_t port, const testing::TempDir& dir, const std::string& message, std::future<void> go,
                   std::atomic<bool>& sent, std::future<void> done) {
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file((dir / "ca.pem").string());
  asio::ssl::stream<asio::ip::tcp::socket> s(io, ctx);
  s.set_verify_mode(asio::ssl::verify_peer);
  s.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  go.wait();
  s.handshake(asio::ssl::stream_base::client);
  asio::write(s, asio::buffer(message));
  sent = true;
  done.wait();
}

// Two servers and io_contexts, as two pipelines; one client. `handover()` does what a reload
// does (SocketHandover::hold() and park(), then adopt_connections()).
class TlsHandoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::make_certs(dir_);
    a_ = tls_server(io_a_, dir_, -1);
    a_->start([&](Connection& c) { return std::make_unique<Recorder>(c, got_a_, true); });
  }
  void TearDown() override {
    done_.set_value();
    if (client_.joinable()) client_.join();
  }
  void connect(std::future<void> go) {
    client_ = std::thread([this, go = std::move(go)]() mutable {
      send_and_wait(a_->port(), dir_, message_, std::move(go), sent_, done_.get_future());
    });
  }
  void handover() {
    int listener = a_->release_listener();
    a_->hold_connections();
    io_a_.restart();
    io_a_.poll();
    int fd = -1;
    TlsSession session;
    a_->release_connections([&](int f, TlsSession s, const Connection&, ConnectionHandler&) {
      fd = f;
      session = std::move(s);
    });
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(session);
    b_ = tls_server(io_b_, dir_, listener);
    b_->start([&](Connection& c) { return std::make_unique<Recorder>(c, got_b_, false); });
    b_->adopt_connection(fd, std::move(session), "127.0.0.1",
                         [&](Connection& c) { return std::make_unique<Recorder>(c, got_b_, false); });
  }

  const std::string message_ = "one TLS record, longer than a read\n";
  testing::TempDir dir_;
  asio::io_context io_a_, io_b_;
  std::unique_ptr<TcpServer> a_, b_;
  std::string got_a_, got_b_;
  std::atomic<bool> sent_ = false;
  std::promise<void> done_;
  std::thread client_;
};

TEST_F(TlsHandoverTest, PlaintextTheSessionHeldIsReadByTheNextServer) {
  std::promise<void> go;
  go.set_value();
  connect(go.get_future());
  ASSERT_TRUE(run_until(io_a_, [&] { return got_a_.size() == 8 && sent_; })) << got_a_;
  handover();
  // The client sends nothing more: the rest of the record comes out of the session.
  EXPECT_TRUE(run_until(io_b_, [&] { return got_a_ + got_b_ == message_; })) << got_a_ << "|" << got_b_;
  EXPECT_EQ(got_b_, message_.substr(8));
  EXPECT_EQ(b_->connection_count(), 1u);
}

// A connection whose handshake has not started when the reload comes finishes it with the next
// server (it is not closed, nor counted as a failed handshake).
TEST_F(TlsHandoverTest, AHandshakeUnderWayFinishesWithTheNextServer) {
  std::promise<void> go;
  connect(go.get_future());
  ASSERT_TRUE(run_until(io_a_, [&] { return a_->connection_count() == 1; }));
  handover();
  go.set_value();
  EXPECT_TRUE(run_until(io_b_, [&] { return got_b_ == message_; })) << got_a_ << "|" << got_b_;
  EXPECT_EQ(got_a_, "");
}

}  // namespace
}  // namespace logferry::net

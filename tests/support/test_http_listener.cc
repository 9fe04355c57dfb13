// TestHttpListener: see the header.
#include "support/test_http_listener.h"

#include <sys/socket.h>

#include <algorithm>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <mutex>
#include <thread>
#include <vector>

namespace logferry::testing {

namespace {

using asio::ip::tcp;

// Parses the head (request line and headers) of one request.
bool parse_head(std::string_view head, HttpMessage& m) {
  std::size_t line_end = std::min(head.find("\r\n"), head.size());
  std::string_view line = head.substr(0, line_end);
  auto sp1 = line.find(' ');
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) return false;
  m = HttpMessage{};
  m.method = std::string(line.substr(0, sp1));
  m.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  auto q = m.target.find('?');
  m.path = m.target.substr(0, q);
  m.query = q == std::string::npos ? "" : m.target.substr(q + 1);
  for (std::size_t pos = line_end + 2; pos < head.size();) {
    std::size_t e = std::min(head.find("\r\n", pos), head.size());
    std::string_view h = head.substr(pos, e - pos);
    pos = e + 2;
    auto colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(h.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    m.headers[name] = std::string(value);
  }
  return true;
}

template <class Stream>
class Connection final : public HttpConnection {
 public:
  Connection(tcp::socket& socket, Stream& stream) : socket_(socket), stream_(stream) {}

  bool read_request(HttpMessage& m) override {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return false;
    }
    if (!parse_head(std::string_view(buf_.data(), end), m)) return false;
    std::size_t length = 0;
    if (auto it = m.headers.find("content-length"); it != m.headers.end())
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), length);
    std::size_t body_start = end + 4;
    while (buf_.size() - body_start < length) {
      if (!fill()) return false;
    }
    m.body.assign(buf_, body_start, length);
    buf_.erase(0, body_start + length);
    return true;
  }
  bool write(std::string_view data) override {
    asio::error_code ec;
    asio::write(stream_, asio::buffer(data.data(), data.size()), ec);
    return !ec;
  }
  bool peer_closed() override {
    char c;
    ssize_t n = ::recv(socket_.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  bool fill() {
    char chunk[65536];
    asio::error_code ec;
    std::size_t n = stream_.read_some(asio::buffer(chunk), ec);
    if (ec) return false;
    buf_.append(chunk, n);
    return true;
  }

  tcp::socket& socket_;
  Stream& stream_;
  std::string buf_;
};

}  // namespace

struct TestHttpListener::Impl {
  Serve serve;
  std::unique_ptr<asio::ssl::context> tls;
  std::unique_ptr<asio::io_context> io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread accept_thread;
  std::atomic<bool> running{false};
  uint16_t port = 0;
  std::mutex mu;
  std::vector<std::thread> connection_threads;
  std::vector<int> connection_fds;

  void accept_loop();
  void connection(tcp::socket& socket);
};

TestHttpListener::TestHttpListener(const std::string& cert_file, const std::string& key_file, Serve serve)
    : impl_(std::make_unique<Impl>()) {
  impl_->serve = std::move(serve);
  if (!cert_file.empty()) {
    impl_->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    impl_->tls->use_certificate_chain_file(cert_file);
    impl_->tls->use_private_key_file(key_file, asio::ssl::context::pem);
  }
}

TestHttpListener::~TestHttpListener() { stop(); }

bool TestHttpListener::start(uint16_t port) {
  Impl& d = *impl_;
  if (d.running) return true;
  d.io = std::make_unique<asio::io_context>();
  d.acceptor = std::make_unique<tcp::acceptor>(*d.io);
  asio::error_code ec;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), d.port ? d.port : port);
  d.acceptor->open(ep.protocol(), ec);
  d.acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  d.acceptor->bind(ep, ec);
  if (ec) return false;
  d.acceptor->listen(64, ec);
  if (ec) return false;
  d.port = d.acceptor->local_endpoint().port();
  d.running = true;
  d.accept_thread = std::thread([&d] { d.accept_loop(); });
  return true;
}

void TestHttpListener::stop(const std::function<void()>& wake) {
  Impl& d = *impl_;
  if (!d.running.exchange(false)) return;
  ::shutdown(d.acceptor->native_handle(), SHUT_RDWR);
  d.accept_thread.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(d.mu);
    for (int fd : d.connection_fds) ::shutdown(fd, SHUT_RDWR);
    threads.swap(d.connection_threads);
  }
  if (wake) wake();
  for (auto& t : threads) t.join();
  {
    std::lock_guard lock(d.mu);
    d.connection_fds.clear();
  }
  d.acceptor.reset();
  d.io.reset();
}

bool TestHttpListener::running() const { return impl_->running; }
uint16_t TestHttpListener::port() const { return impl_->port; }
bool TestHttpListener::tls() const { return impl_->tls != nullptr; }

void TestHttpListener::Impl::accept_loop() {
  while (running) {
    asio::error_code ec;
    auto socket = std::make_shared<tcp::socket>(*io);
    acceptor->accept(*socket, ec);
    if (ec || !running) return;
    socket->set_option(tcp::no_delay(true), ec);
    std::lock_guard lock(mu);
    connection_fds.push_back(socket->native_handle());
    connection_threads.emplace_back([this, socket] {
      connection(*socket);
      asio::error_code ignored;
      socket->close(ignored);
    });
  }
}

void TestHttpListener::Impl::connection(tcp::socket& socket) {
  if (!tls) {
    Connection<tcp::socket> c(socket, socket);
    serve(c);
    return;
  }
  asio::ssl::stream<tcp::socket&> stream(socket, *tls);
  asio::error_code ec;
  stream.handshake(asio::ssl::stream_base::server, ec);
  if (ec) return;
  Connection<asio::ssl::stream<tcp::socket&>> c(socket, stream);
  serve(c);
}

}  // namespace logferry::testing

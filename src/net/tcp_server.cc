#include "net/tcp_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <vector>

#include "net/host_port.h"

namespace logferry::net {

using asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

struct TcpServer::Conn : Connection, std::enable_shared_from_this<TcpServer::Conn> {
  virtual void start(const TcpServer::HandlerFactory& factory) = 0;
  // Reload: stop reading and cancel the pending read; the connection stays open to be released.
  virtual void hold() = 0;
  // Reload: the fd, the TLS session (if any) and the handler leave this object, which is then
  // closed without on_close.
  virtual int release(ConnectionHandler** handler, TlsSession* tls) = 0;
  virtual bool writing() const = 0;
  void set_peer_port(uint16_t port) { peer_port_ = port; }
};

namespace {

constexpr std::size_t kTlsRecordBytes = 16 * 1024;  // RFC 8446 §5.1: the most plaintext per record

// Plain connections read into their thread's buffer: handlers consume the bytes during
// on_data (they copy what they keep), so one buffer serves every connection of the thread.
std::vector<char>& thread_read_buffer(std::size_t bytes) {
  thread_local std::vector<char> buffer;
  if (buffer.size() < bytes) buffer.resize(bytes);
  return buffer;
}

template <class Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, tcp::socket>;

template <class Handler>
void write_all(tcp::socket& socket, asio::const_buffer data, Handler&& done) {
  asio::async_write(socket, data, std::forward<Handler>(done));
}

template <class Handler>
void write_all(TlsSocket& tls, asio::const_buffer data, Handler&& done) {
  tls.async_write(data, std::forward<Handler>(done));
}

template <class Stream>
class StreamConn final : public TcpServer::Conn {
 public:
  template <class... StreamArgs>
  StreamConn(TcpServer& server, std::weak_ptr<bool> alive, const TcpServer::Options& options,
             const TcpServerMetrics& metrics, uint64_t id, std::string peer,
             StreamArgs&&... stream_args)
      : server_(server),
        alive_(std::move(alive)),
        options_(options),
        metrics_(metrics),
        stream_(std::forward<StreamArgs>(stream_args)...),
        timer_(socket().get_executor()) {
    if constexpr (kIsTls<Stream>) buffer_.resize(std::min(options.read_buffer_bytes, kTlsRecordBytes));
    id_ = id;
    peer_ip_ = std::move(peer);
  }

  // The PROXY header first, when asked.
  void start(const TcpServer::HandlerFactory& factory) override {
    if (!options_.proxy_header.enabled) return begin(factory);
    auto self = shared_from_this();
    async_read_proxy_header(socket(), options_.proxy_header, peer_ip_, [this, self, &factory](std::optional<ProxyHeader> h) {
      if (closed_) return;
      if (!h || alive_.expired()) return close();
      proxy_header_ = std::move(h);
      begin(factory);
    });
  }

  void begin(const TcpServer::HandlerFactory& factory) {
    asio::error_code ec;
    socket().set_option(asio::socket_base::keep_alive(true), ec);
    socket().set_option(tcp::no_delay(true), ec);
    handler_ = factory(*this);
    last_activity_ = SteadyClock::now();
    if constexpr (kIsTls<Stream>) {
      arm_timer(options_.handshake_timeout);
      auto self = shared_from_this();
      stream_.async_handshake(asio::ssl::stream_base::server, [this, self](asio::error_code e) {
        if (closed_) return;
        if (e == asio::error::operation_aborted && held_) return;  // finishes in the next pipeline
        if (e) {
          if (metrics_.tls_failures) metrics_.tls_failures->add();
          close();
          return;
        }
        handshaken_ = true;
        last_activity_ = SteadyClock::now();
        if (!paused_) read();
      });
    } else {
      handshaken_ = true;
      arm_timer(options_.idle_timeout);
      if (!paused_) read();
    }
  }

  void write(std::string data) override {
    if (closed_ || data.empty()) return;
    last_activity_ = SteadyClock::now();
    writes_.push_back(std::move(data));
    if (writes_.size() == 1) write_front();
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    asio::error_code ec;
    timer_.cancel();
    socket().shutdown(asio::socket_base::shutdown_both, ec);
    socket().close(ec);
    if (metrics_.active) metrics_.active->add(-1);
    if (handler_) handler_->on_close();
    if (!alive_.expired()) server_.forget(id_);
  }

  void set_reading(bool reading) override {
    if (closed_ || paused_ == !reading) return;
    paused_ = !reading;
    last_activity_ = SteadyClock::now();
    if (reading && handshaken_ && !read_pending_) read();
  }

  void hold() override {
    held_ = true;
    paused_ = true;
    asio::error_code ec;
    socket().cancel(ec);
  }

  int release(ConnectionHandler** handler, TlsSession* tls) override {
    if (closed_) return -1;
    closed_ = true;
    timer_.cancel();
    asio::error_code ec;
    int fd = socket().release(ec);
    if (metrics_.active) metrics_.active->add(-1);
    *handler = handler_.get();
    if constexpr (kIsTls<Stream>) *tls = stream_.release_session();
    return ec ? -1 : fd;
  }

  bool writing() const override { return !closed_ && !writes_.empty(); }

  void close_when_flushed() override {
    if (writes_.empty()) {
      close();
    } else {
      close_after_writes_ = true;
    }
  }

 private:
  tcp::socket& socket() {
    if constexpr (kIsTls<Stream>) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  // TLS reads into the connection's own buffer: one record's worth, what SSL_read returns at
  // most. A plain connection waits until the socket is readable and then reads into the
  // thread's buffer, so a thousand idle connections hold no read buffer at all.
  void read() {
    auto self = shared_from_this();
    read_pending_ = true;
    if constexpr (kIsTls<Stream>) {
      stream_.async_read_some(asio::buffer(buffer_), [this, self](asio::error_code e, std::size_t n) {
        if (after_wait(e)) deliver(std::string_view(buffer_.data(), n));
      });
    } else {
      socket().async_wait(tcp::socket::wait_read, [this, self](asio::error_code e) {
        if (after_wait(e)) read_now();
      });
    }
  }

  // False when the read ended the connection or hold() stopped it.
  bool after_wait(asio::error_code e) {
    read_pending_ = false;
    if (closed_) return false;
    if (e == asio::error::operation_aborted && held_) return false;  // hold(): bytes stay in the kernel
    if (e) {
      close();
      return false;
    }
    return true;
  }

  void read_now() {
    std::vector<char>& buffer = thread_read_buffer(options_.read_buffer_bytes);
    asio::error_code e;
    socket().non_blocking(true, e);
    std::size_t n = e ? 0 : socket().read_some(asio::buffer(buffer), e);
    if (e == asio::error::would_block || e == asio::error::try_again) {
      if (!paused_) read();  // a wakeup without data
      return;
    }
    if (e) {
      close();
      return;
    }
    deliver(std::string_view(buffer.data(), n));
  }

  void deliver(std::string_view data) {
    last_activity_ = SteadyClock::now();
    handler_->on_data(data);
    if (!closed_ && !paused_ && !read_pending_) read();
  }

  void write_front() {
    auto self = shared_from_this();
    write_all(stream_, asio::buffer(writes_.front()), [this, self](asio::error_code e, std::size_t) {
      if (closed_) return;
      if (e) {
        close();
        return;
      }
      writes_.pop_front();
      if (!writes_.empty()) {
        write_front();
      } else if (close_after_writes_) {
        close();
      }
    });
  }

  // One timer: the handshake deadline first, then the idle timeout, re-armed lazily from the
  // time of the last read (cheaper than resetting it on every read).
  void arm_timer(std::chrono::milliseconds after) {
    timer_.expires_after(after);
    auto self = shared_from_this();
    timer_.async_wait([this, self](asio::error_code e) {
      if (e || closed_) return;
      if (paused_ && handshaken_) last_activity_ = SteadyClock::now();  // we are the slow one
      auto limit = handshaken_ ? options_.idle_timeout : options_.handshake_timeout;
      auto idle = SteadyClock::now() - last_activity_;
      if (idle >= limit) {
        if (metrics_.timed_out) metrics_.timed_out->add();
        close();
        return;
      }
      arm_timer(std::chrono::duration_cast<std::chrono::milliseconds>(limit - idle) +
                std::chrono::milliseconds(1));
    });
  }

  TcpServer& server_;
  std::weak_ptr<bool> alive_;
  TcpServer::Options options_;
  TcpServerMetrics metrics_;
  Stream stream_;
  asio::steady_timer timer_;
  std::vector<char> buffer_;  // TLS only
  std::unique_ptr<ConnectionHandler> handler_;
  std::deque<std::string> writes_;
  SteadyClock::time_point last_activity_;
  bool closed_ = false;
  bool handshaken_ = false;
  bool close_after_writes_ = false;
  bool paused_ = false;
  bool read_pending_ = false;
  bool held_ = false;
};

}  // namespace

Result<asio::ip::tcp::endpoint> resolve_tcp_endpoint(const std::string& address) {
  auto hp = split_host_port(address);
  if (!hp) return unexpected(hp.error());
  std::string host = hp->first.empty() ? "0.0.0.0" : hp->first;
  asio::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(addr, hp->second);
  asio::io_context io;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host, std::to_string(hp->second), ec);
  if (ec || results.empty())
    return unexpected(ErrorCode::kInvalidArgument, "cannot resolve '" + host + "': " + ec.message());
  return results.begin()->endpoint();
}

Result<asio::ip::udp::endpoint> resolve_udp_endpoint(const std::string& address) {
  auto ep = resolve_tcp_endpoint(address);
  if (!ep) return unexpected(ep.error());
  return asio::ip::udp::endpoint(ep->address(), ep->port());
}

TcpServer::TcpServer(asio::io_context& io, Options options, TcpServerMetrics metrics)
    : io_(io), options_(std::move(options)), metrics_(metrics), acceptor_(io), retry_timer_(io) {}

TcpServer::~TcpServer() {
  *alive_ = false;
  alive_.reset();
  asio::error_code ec;
  acceptor_.close(ec);
}

Result<std::unique_ptr<TcpServer>> TcpServer::bind(asio::io_context& io, Options options,
                                                   TcpServerMetrics metrics) {
  auto ep = resolve_tcp_endpoint(options.address);
  if (!ep) return unexpected(ep.error());
  std::unique_ptr<TcpServer> server(new TcpServer(io, std::move(options), metrics));
  asio::error_code ec;
  if (server->options_.listen_fd >= 0) {
    server->acceptor_.assign(ep->protocol(), server->options_.listen_fd, ec);
    if (ec) return unexpected(ErrorCode::kUnavailable, "cannot adopt the listening socket of " +
                                                           server->options_.address + ": " + ec.message());
    server->port_ = server->acceptor_.local_endpoint().port();
    return server;
  }
  server->acceptor_.open(ep->protocol(), ec);
  if (!ec) server->acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) server->acceptor_.bind(*ep, ec);
  if (!ec) server->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return unexpected(ErrorCode::kUnavailable,
                      "cannot listen on " + server->options_.address + ": " + ec.message());
  server->port_ = server->acceptor_.local_endpoint().port();
  return server;
}

void TcpServer::start(HandlerFactory factory) {
  factory_ = std::move(factory);
  accept_next();
}

void TcpServer::accept_next() {
  std::weak_ptr<bool> alive = alive_;
  acceptor_.async_accept([this, alive](asio::error_code ec, tcp::socket socket) {
    if (alive.expired()) return;
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      // e.g. EMFILE: keep serving the connections we have and try again shortly.
      retry_timer_.expires_after(std::chrono::milliseconds(100));
      retry_timer_.async_wait([this, alive](asio::error_code e) {
        if (!e && !alive.expired() && acceptor_.is_open()) accept_next();
      });
      return;
    }
    if (metrics_.accepted) metrics_.accepted->add();
    if (connections_.size() >= options_.max_connections) {
      if (metrics_.rejected) metrics_.rejected->add();
      asio::error_code ignored;
      socket.close(ignored);
      accept_next();
      return;
    }
    if (options_.no_delay) {
      asio::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
    }
    asio::error_code peer_ec;
    auto peer = socket.remote_endpoint(peer_ec);
    std::string peer_ip = peer_ec ? std::string() : peer.address().to_string();
    if (peer.address().is_v6() && peer.address().to_v6().is_v4_mapped())
      peer_ip = asio::ip::make_address_v4(asio::ip::v4_mapped, peer.address().to_v6()).to_string();
    uint64_t id = next_id_++;
    uint16_t peer_port = peer_ec ? 0 : peer.port();
    std::shared_ptr<Conn> conn;
    if (options_.tls) {
      conn = std::make_shared<StreamConn<TlsSocket>>(
          *this, alive, options_, metrics_, id, std::move(peer_ip), std::move(socket),
          *options_.tls);
    } else {
      conn = std::make_shared<StreamConn<tcp::socket>>(*this, alive, options_, metrics_, id,
                                                       std::move(peer_ip), std::move(socket));
    }
    conn->set_peer_port(peer_port);
    connections_.emplace(id, conn);
    if (metrics_.active) metrics_.active->add(1);
    conn->start(factory_);
    accept_next();
  });
}

void TcpServer::forget(uint64_t id) { connections_.erase(id); }

void TcpServer::stop() {
  asio::error_code ec;
  acceptor_.close(ec);
  retry_timer_.cancel();
  auto conns = connections_;
  for (auto& [id, c] : conns) c->close();
  connections_.clear();
}

int TcpServer::release_listener() {
  retry_timer_.cancel();
  if (!acceptor_.is_open()) return -1;
  asio::error_code ec;
  int fd = acceptor_.release(ec);
  return ec ? -1 : fd;
}

void TcpServer::hold_connections() {
  auto conns = connections_;
  for (auto& [id, c] : conns) c->hold();
}

void TcpServer::release_connections(
    const std::function<void(int fd, TlsSession tls, const Connection&, ConnectionHandler&)>& take) {
  auto conns = std::move(connections_);
  connections_.clear();
  for (auto& [id, c] : conns) {
    ConnectionHandler* handler = nullptr;
    TlsSession tls;
    int fd = c->release(&handler, &tls);
    if (fd >= 0 && handler) take(fd, std::move(tls), *c, *handler);
  }
}

bool TcpServer::writes_pending() const {
  for (const auto& [id, c] : connections_)
    if (c->writing()) return true;
  return false;
}

void TcpServer::adopt_connection(int fd, TlsSession tls, std::string peer_ip, const HandlerFactory& make) {
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  asio::error_code ec;
  tcp::socket socket(io_);
  socket.assign(local.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec);
  if (ec) {
    ::close(fd);
    return;
  }
  asio::error_code peer_ec;
  auto peer = socket.remote_endpoint(peer_ec);
  uint64_t id = next_id_++;
  Options adopted = options_;
  adopted.proxy_header.enabled = false;  // read by the previous pipeline
  std::shared_ptr<Conn> conn;
  if (tls) {
    conn = std::make_shared<StreamConn<TlsSocket>>(*this, alive_, adopted, metrics_, id, std::move(peer_ip),
                                                   std::move(socket), std::move(tls));
  } else {
    conn = std::make_shared<StreamConn<tcp::socket>>(*this, alive_, adopted, metrics_, id,
                                                     std::move(peer_ip), std::move(socket));
  }
  conn->set_peer_port(peer_ec ? 0 : peer.port());
  connections_.emplace(id, conn);
  if (metrics_.active) metrics_.active->add(1);
  conn->start(make);
}

void TcpServer::post_write(uint64_t id, std::string data) {
  std::weak_ptr<bool> alive = alive_;
  asio::post(io_, [this, alive, id, data = std::move(data)]() mutable {
    if (alive.expired()) return;
    if (auto it = connections_.find(id); it != connections_.end()) it->second->write(std::move(data));
  });
}

void TcpServer::post_close(uint64_t id) {
  std::weak_ptr<bool> alive = alive_;
  asio::post(io_, [this, alive, id] {
    if (alive.expired()) return;
    if (auto it = connections_.find(id); it != connections_.end()) it->second->close();
  });
}

}  // namespace logferry::net

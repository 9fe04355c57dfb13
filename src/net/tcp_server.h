// TcpServer: accepts TCP or TLS connections on an Asio io_context that its owner runs (the
// owning source's thread), with a connection limit, idle timeout (closes half-open and silent
// peers; reads and writes both count as activity, like Netty's ALL_IDLE) and TLS handshake
// timeout. Bytes go to a ConnectionHandler per connection; writes
// (e.g. RELP acks) are queued and may be requested from any thread with post_write().
//
// Backpressure: a handler that blocks in on_data() (the pipeline is full) blocks the whole
// io_context, so no socket is read and the kernel's TCP window pushes back on the senders.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/metrics.h"
#include "core/result.h"
#include "net/proxy_header_reader.h"
#include "net/tls_socket.h"

namespace logferry::net {

class Connection {
 public:
  virtual ~Connection() = default;
  uint64_t id() const { return id_; }
  const std::string& peer_ip() const { return peer_ip_; }
  uint16_t peer_port() const { return peer_port_; }
  // The PROXY header the connection started with (Options::proxy_header): the client behind
  // the proxy. Empty without one, and for a connection adopted from a previous pipeline.
  const std::optional<ProxyHeader>& proxy_header() const { return proxy_header_; }
  // Queues bytes to send (on the io thread).
  virtual void write(std::string data) = 0;
  // Closes now; the handler's on_close runs once.
  virtual void close() = 0;
  // Closes once the queued writes are sent (RELP's close response).
  virtual void close_when_flushed() = 0;
  // Stops (false) or resumes (true) reading, without blocking the io_context: a source whose
  // pipeline is full pauses its connections but keeps writing (acks, keep-alives) and running
  // timers. A paused connection is not closed for being idle.
  virtual void set_reading(bool reading) = 0;

 protected:
  uint64_t id_ = 0;
  std::string peer_ip_;
  uint16_t peer_port_ = 0;
  std::optional<ProxyHeader> proxy_header_;
};

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  virtual void on_data(std::string_view bytes) = 0;
  // EOF, error, idle timeout or close(): the last call the handler gets.
  virtual void on_close() = 0;
};

struct TcpServerMetrics {
  Counter* accepted = nullptr;
  Counter* rejected = nullptr;           // over max_connections
  Counter* timed_out = nullptr;          // idle or handshake timeout
  Counter* tls_failures = nullptr;       // failed handshakes
  Gauge* active = nullptr;
};

class TcpServer {
 public:
  struct Options {
    std::string address;  // HOST:PORT, port 0 picks one
    std::size_t max_connections = 1000;
    std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
    std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
    // The most one read takes: plain connections share their thread's buffer of this size, TLS
    // ones hold one TLS record (16 KiB) or this, whichever is smaller.
    std::size_t read_buffer_bytes = 64 * 1024;
    std::shared_ptr<asio::ssl::context> tls;  // null: plain TCP
    // TCP_NODELAY on accepted sockets: a server that answers (RELP acks) must not hold its
    // small replies back for the sender's delayed ACK (Nagle).
    bool no_delay = false;
    int listen_fd = -1;  // a listening socket to adopt (runtime/listener_registry.h), not bind
    // Read a PROXY header off each accepted socket before the TLS handshake or the handler.
    ProxyHeaderOptions proxy_header;
  };
  using HandlerFactory = std::function<std::unique_ptr<ConnectionHandler>(Connection&)>;

  // Binds and listens now (so address problems surface at startup); accepts once start() runs.
  static Result<std::unique_ptr<TcpServer>> bind(asio::io_context& io, Options options,
                                                 TcpServerMetrics metrics);
  ~TcpServer();

  void start(HandlerFactory factory);
  // Closes the listener and every connection.
  void stop();
  uint16_t port() const { return port_; }
  std::size_t connection_count() const { return connections_.size(); }

  // Handing sockets to the next pipeline on reload (runtime/listener_registry.h), in this
  // order: release_listener() (stop accepting; the kernel queues new connections),
  // hold_connections() (no more reads), io.poll() (reads already done reach their handlers),
  // release_connections().
  int release_listener();
  void hold_connections();
  // Gives each held connection's fd, TLS session (null for plain TCP; it holds what was read
  // from the fd and not yet returned), peer and handler to `take`, then forgets it without
  // closing the fd or calling on_close.
  void release_connections(
      const std::function<void(int fd, TlsSession tls, const Connection&, ConnectionHandler&)>& take);
  // Serves an open connection from a previous pipeline, on its TLS session if `tls` is set;
  // `make` builds its handler.
  void adopt_connection(int fd, TlsSession tls, std::string peer_ip, const HandlerFactory& make);
  // True while some connection has queued writes not yet sent (e.g. acks before a handover).
  bool writes_pending() const;

  // Thread-safe: queues `data` for connection `id` if it is still open.
  void post_write(uint64_t id, std::string data);
  // Thread-safe: closes connection `id` if it is still open.
  void post_close(uint64_t id);

  // Internal, for the connection objects.
  struct Conn;
  void forget(uint64_t id);

 private:
  TcpServer(asio::io_context& io, Options options, TcpServerMetrics metrics);
  void accept_next();

  asio::io_context& io_;
  Options options_;
  TcpServerMetrics metrics_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;  // after accept errors such as EMFILE, instead of spinning
  HandlerFactory factory_;
  uint16_t port_ = 0;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::shared_ptr<Conn>> connections_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// "HOST:PORT" -> endpoint (numeric host, or a name resolved once).
Result<asio::ip::tcp::endpoint> resolve_tcp_endpoint(const std::string& address);
Result<asio::ip::udp::endpoint> resolve_udp_endpoint(const std::string& address);

}  // namespace logferry::net

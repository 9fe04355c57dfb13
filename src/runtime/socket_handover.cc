#include "runtime/socket_handover.h"

#include <unistd.h>

#include "net/listen_helpers.h"

namespace logferry::runtime {

void SocketHandover::adopt(const std::string& kind, const std::string& address, bool tls) {
  key_ = listener_key(kind, address, tls);
  adopted_ = ListenerRegistry::instance().adopt(key_);
  if (adopted_ && adopted_->fd < 0) adopted_.reset();
}

void SocketHandover::use_listener(net::TcpServer::Options& so) {
  if (!adopted_) return;
  so.listen_fd = adopted_->fd;
  connections_ = std::move(adopted_->connections);
  adopted_.reset();
}

Result<std::unique_ptr<asio::ip::udp::socket>> SocketHandover::open_udp(asio::io_context& io,
                                                                        const std::string& address,
                                                                        uint64_t receive_buffer_bytes,
                                                                        std::any* socket_state) {
  udp_ = true;
  int fd = -1;
  if (adopted_) {
    fd = adopted_->fd;
    if (socket_state) *socket_state = std::move(adopted_->state);
    held_datagrams_ = std::move(adopted_->held);
    adopted_.reset();
  }
  return net::bind_udp(io, address, receive_buffer_bytes, fd);
}

std::vector<HeldDatagram> SocketHandover::take_held_datagrams() { return std::move(held_datagrams_); }

std::size_t SocketHandover::adopt_connections(net::TcpServer& tcp, const AdoptedFactory& make) {
  std::size_t n = connections_.size();
  for (auto& c : connections_) {
    const std::any& state = c.state;
    tcp.adopt_connection(c.fd, std::move(c.tls), c.peer_ip,
                         [&](net::Connection& conn) { return make(conn, state); });
  }
  connections_.clear();
  return n;
}

void SocketHandover::hold(asio::io_context& io, net::TcpServer* tcp, asio::ip::udp::socket* udp) {
  if (held_) return;
  held_ = true;
  if (tcp) {
    held_fd_ = tcp->release_listener();
    tcp->hold_connections();
    io.restart();
    io.poll();
  }
  if (udp && udp->is_open()) {
    asio::error_code ec;
    udp->cancel(ec);
    held_fd_ = udp->release(ec);
    if (ec) held_fd_ = -1;
  }
}

std::optional<std::size_t> SocketHandover::park(net::TcpServer* tcp, std::any socket_state,
                                                const StateOf& state_of) {
  if (parked_) return std::nullopt;
  parked_ = true;
  ParkedSocket parked;
  parked.fd = held_fd_;
  held_fd_ = -1;
  parked.state = std::move(socket_state);
  parked.datagrams = udp_;
  parked.held = std::move(held_datagrams_);  // built, never run: they go back first
  if (tcp) {
    tcp->release_connections([&](int fd, net::TlsSession tls, const net::Connection& c,
                                 net::ConnectionHandler& h) {
      std::optional<std::any> state = state_of(c, h);
      if (!state) {
        ::close(fd);
        return;
      }
      parked.connections.push_back({fd, c.peer_ip(), std::move(*state), std::move(tls)});
    });
  }
  for (auto& c : connections_) parked.connections.push_back(std::move(c));  // built, never run
  connections_.clear();
  std::size_t n = parked.connections.size();
  if (!ListenerRegistry::instance().park(key_, std::move(parked))) return std::nullopt;
  return n;
}

}  // namespace logferry::runtime

// SocketHandover: one network source's side of the reload handover (runtime/listener_registry.h,
// docs/ARCHITECTURE.md "Reload"), shared by every source that keeps its sockets: open the
// listener or UDP socket, or adopt the one the previous pipeline parked; serve the connections
// it handed over; on reload hold (no more accepts or reads) and park what is open.
//
// Example (in a source, all on its io thread):
//   open():  handover_.adopt("socket/tcp", address, tls); handover_.use_listener(server_options);
//   run():   tcp->start(...); handover_.adopt_connections(*tcp, make_handler_from_state);
//   stop during a reload:  handover_.hold(io, tcp, udp); flush(); handover_.park(tcp, state_of);
#pragma once

#include <any>
#include <asio.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "net/tcp_server.h"
#include "runtime/listener_registry.h"

namespace logferry::runtime {

class SocketHandover {
 public:
  // Builds the handler of a connection adopted with `state` (empty: none was parked).
  using AdoptedFactory =
      std::function<std::unique_ptr<net::ConnectionHandler>(net::Connection&, const std::any& state)>;
  // The state a connection carries to the next pipeline; nullopt: it cannot move (its fd is
  // closed, the sender resends).
  using StateOf = std::function<std::optional<std::any>(const net::Connection&, net::ConnectionHandler&)>;

  // Takes what the previous pipeline parked under listener_key(kind, address, tls), if any.
  void adopt(const std::string& kind, const std::string& address, bool tls);
  const std::string& key() const { return key_; }

  // TCP: the adopted listener (if any) goes into `so.listen_fd`; its connections wait for
  // adopt_connections().
  void use_listener(net::TcpServer::Options& so);
  // UDP: the adopted socket, or a new one bound to `address` (net::bind_udp). `socket_state`
  // gets what the previous owner parked with it (e.g. its kernel drop count).
  Result<std::unique_ptr<asio::ip::udp::socket>> open_udp(asio::io_context& io, const std::string& address,
                                                          uint64_t receive_buffer_bytes, std::any* socket_state);
  // UDP: datagrams the registry read while the socket was parked, in arrival order.
  std::vector<HeldDatagram> take_held_datagrams();

  // run(): serves the connections handed over; returns how many.
  std::size_t adopt_connections(net::TcpServer& tcp, const AdoptedFactory& make);

  // Reload, first step: no more accepts or reads. Reads already done
  // reach their handlers (io.poll()); the caller then flushes them into its last batch.
  void hold(asio::io_context& io, net::TcpServer* tcp, asio::ip::udp::socket* udp);
  bool held() const { return held_; }
  // Reload, second step (after hold()): the socket and its open connections go to the registry
  // under key(), with `socket_state`. Whatever was adopted but never served goes back too.
  // Returns the connections parked, or nullopt when nothing was kept (no reload under way).
  std::optional<std::size_t> park(net::TcpServer* tcp, std::any socket_state, const StateOf& state_of);
  bool parked() const { return parked_; }

 private:
  std::string key_;
  std::optional<ParkedSocket> adopted_;
  std::vector<HandedConnection> connections_;  // adopted, not yet served
  std::vector<HeldDatagram> held_datagrams_;
  int held_fd_ = -1;  // released listening or UDP socket, until parked
  bool udp_ = false;
  bool held_ = false;
  bool parked_ = false;
};

}  // namespace logferry::runtime

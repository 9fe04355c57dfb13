#include "net/listen_helpers.h"

#include <sys/socket.h>

#include <algorithm>

namespace logferry::net {

TcpServerMetrics tcp_server_metrics(Metrics& m, std::string_view prefix, const Labels& l) {
  std::string p = "logferry_" + std::string(prefix) + "_";
  return TcpServerMetrics{&m.counter(p + "connections_accepted_total", "Connections accepted", l),
                          &m.counter(p + "connections_rejected_total", "Connections refused over max_connections", l),
                          &m.counter(p + "connections_timed_out_total", "Connections closed by idle or handshake timeout", l),
                          &m.counter(p + "tls_handshake_failures_total", "Failed TLS handshakes", l),
                          &m.gauge(p + "connections", "Open connections", l)};
}

Result<std::unique_ptr<asio::ip::udp::socket>> bind_udp(asio::io_context& io, const std::string& address,
                                                        uint64_t receive_buffer_bytes, int bound_fd) {
  auto ep = resolve_udp_endpoint(address);
  if (!ep) return unexpected(ep.error());
  auto sock = std::make_unique<asio::ip::udp::socket>(io);
  asio::error_code ec;
  if (bound_fd >= 0) {
    sock->assign(ep->protocol(), bound_fd, ec);
  } else {
    sock->open(ep->protocol(), ec);
    if (!ec) sock->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) sock->bind(*ep, ec);
  }
  if (!ec) sock->non_blocking(true, ec);
  if (ec) return unexpected(ErrorCode::kUnavailable, "cannot listen on udp " + address + ": " + ec.message());
  int rcvbuf = static_cast<int>(std::min<uint64_t>(receive_buffer_bytes, 1u << 30));
  if (rcvbuf > 0) ::setsockopt(sock->native_handle(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  return sock;
}

void run_rounds(asio::io_context& io, const std::stop_token& stop, const bool& stopping,
                const std::function<void()>& after_round) {
  auto guard = asio::make_work_guard(io);
  while (!stop.stop_requested() && !stopping) {
    io.run_one_for(std::chrono::milliseconds(200));
    io.poll();
    after_round();
    if (io.stopped()) {
      if (stop.stop_requested() || stopping) break;
      io.restart();
    }
  }
}

}  // namespace logferry::net

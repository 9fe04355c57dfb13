// Pieces every network source repeats around its TcpServer or UDP socket: the connection
// metrics under the source's prefix, a bound UDP socket, and the io loop on the source's
// thread that flushes the batch after each round of reads.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "core/metrics.h"
#include "core/result.h"
#include "net/tcp_server.h"

namespace logferry::net {

// logferry_<prefix>_connections_accepted_total, ..._rejected_total, ..._timed_out_total,
// logferry_<prefix>_tls_handshake_failures_total and the gauge logferry_<prefix>_connections.
TcpServerMetrics tcp_server_metrics(Metrics& metrics, std::string_view prefix, const Labels& labels);

// A non-blocking UDP socket bound to HOST:PORT (SO_REUSEADDR; SO_RCVBUF when > 0), or, when
// `bound_fd` >= 0, that already bound socket (adopted on reload, runtime/socket_handover.h).
Result<std::unique_ptr<asio::ip::udp::socket>> bind_udp(asio::io_context& io, const std::string& address,
                                                        uint64_t receive_buffer_bytes, int bound_fd = -1);

// Runs `io` until `stop` is requested or `stopping` turns true: each round handles what is
// readable now (it all joins one batch), then calls `after_round` (the source's flush).
void run_rounds(asio::io_context& io, const std::stop_token& stop, const bool& stopping,
                const std::function<void()>& after_round);

}  // namespace logferry::net

// RelpClient: the client side of RELP (rsyslog's Reliable Event Logging Protocol) over
// TcpClient (plain or TLS). Unlike plain TCP syslog, every message is acknowledged by the
// receiver ("rsp 200 OK" per transaction number), so a batch counts as delivered only once the
// receiver has taken every message of it.
//
// Frames: TXNR SP COMMAND SP DATALEN [SP DATA] LF. The session starts with "open" (txnr 1);
// each message is "syslog"; the server may announce "serverclose" (txnr 0) before it goes away.
//
// Usage per batch (numbers restart with every session, so frame after connecting):
//   if (!relp.connected()) relp.open(options, stop);
//   std::string buf; uint32_t first = relp.next_txnr(); std::size_t n = 0;
//   for (...) { auto start = buf.size(); render(buf); relp.frame_syslog_in_place(buf, start); ++n; }
//   relp.send_and_await(buf, first, n, timeout, stop);   // ok = all acknowledged
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "core/result.h"
#include "net/tcp_client.h"

namespace logferry::net {

struct RelpFrame {
  uint32_t txnr = 0;
  std::string_view command;
  std::string_view data;
  std::size_t size = 0;  // bytes of the whole frame
};
// Parses the frame at the start of `in`: nullopt when more bytes are needed; an error when the
// bytes cannot be RELP.
Result<std::optional<RelpFrame>> parse_relp_frame(std::string_view in);

class RelpClient {
 public:
  // Connects and negotiates the session ("open" with commands=syslog).
  Result<void> open(const TcpClient::Options& options, const std::stop_token& stop);
  bool connected() const { return tcp_.connected(); }
  bool peer_closed() { return tcp_.peer_closed(); }
  void close();
  const std::string& peer() const { return tcp_.peer(); }

  uint32_t next_txnr() const { return next_txnr_; }
  // Turns out[start, end) (one syslog message) into a "syslog" frame with the next txnr.
  void frame_syslog_in_place(std::string& out, std::size_t start);
  // Writes `frames` (count frames numbered first_txnr...) and waits until the receiver has
  // answered each with 200. An error means the session is unusable: close() and open again.
  Result<void> send_and_await(std::string_view frames, uint32_t first_txnr, std::size_t count,
                              std::chrono::milliseconds timeout, const std::stop_token& stop);

 private:
  uint32_t take_txnr();
  // Reads until the response to `txnr` arrives (or more: counts acknowledged ones into acked).
  Result<void> await(uint32_t first, std::size_t count, std::chrono::milliseconds timeout,
                     const std::stop_token& stop);

  TcpClient tcp_;
  uint32_t next_txnr_ = 1;
  std::string in_;
};

}  // namespace logferry::net

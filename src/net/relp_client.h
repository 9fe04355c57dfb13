// RelpClient: the client side of RELP (rsyslog's Reliable Event Logging Protocol) over
// TcpClient (plain or TLS). Unlike plain TCP syslog, every message is acknowledged by the
// receiver ("rsp 200 OK" per transaction number), so a batch counts as delivered only once the
// receiver has taken every message of it. Frames come from the one RELP codec (net/relp.h).
//
// Flow control as librelp/omrelp: up to `window` frames are unacknowledged at a time; frames
// keep flowing as acks come back (no stop-and-wait per frame or per window). Each rsp must
// answer exactly one frame that is still unacknowledged; the spec lets a server answer in any
// order, so an out-of-order rsp acknowledges its own frame and nothing else. An rsp for an
// unknown or already answered txnr is a protocol error: the session is dropped and everything
// unacknowledged is sent again on the next session (at least once, never lost).
//
// Usage per batch (numbers restart with every session, so frame after connecting):
//   if (!relp.connected()) relp.open(options, stop);
//   std::string buf; std::vector<uint32_t> ends; uint32_t first = relp.next_txnr();
//   for (...) { auto start = buf.size(); render(buf); relp.frame_syslog_in_place(buf, start);
//               ends.push_back(buf.size()); }
//   relp.send(buf, ends, first, timeout, stop);   // ok = all acknowledged with 200
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "net/relp.h"
#include "net/tcp_client.h"

namespace logferry::net {

class RelpClient {
 public:
  // Why the last open()/send() failed; the sink counts each kind in its own metric.
  enum class Failure : uint8_t { kNone, kDns, kTransport, kProtocol, kRefused, kServerClose };

  explicit RelpClient(std::size_t window = 128) : window_(window == 0 ? 1 : window) {}

  // Connects (resolving the host again) and negotiates the session ("open", commands=syslog).
  Result<void> open(const TcpClient::Options& options, const std::stop_token& stop);
  bool connected() const { return tcp_.connected(); }
  // Without blocking: has the server closed, reset or announced serverclose? Anything else it
  // sent between batches (an rsp for nothing outstanding) is a protocol error: true as well.
  bool peer_closed();
  void close();
  const std::string& peer() const { return tcp_.peer(); }
  Failure last_failure() const { return failure_; }
  bool dns_failed() const { return failure_ == Failure::kDns; }

  uint32_t next_txnr() const { return next_txnr_; }
  // Turns out[start, end) (one syslog message) into a "syslog" frame with the next txnr.
  void frame_syslog_in_place(std::string& out, std::size_t start);
  // Sends the frames in `frames` (frame i ends at frame_ends[i], numbered first_txnr...) with at
  // most `window` unacknowledged, reading responses while sending, until each has got 200.
  // `ack_timeout`: the longest wait for the next response. An error leaves the session
  // unusable (closed); last_failure() says why.
  Result<void> send(std::string_view frames, std::span<const uint32_t> frame_ends, uint32_t first_txnr,
                    std::chrono::milliseconds ack_timeout, const std::stop_token& stop);

 private:
  uint32_t take_txnr();
  Unexpected<Error> fail(Failure why, std::string message);
  // Feeds received bytes to the reader and applies each response; false on a failure.
  Result<void> take_responses(std::string_view bytes);
  Result<void> on_response(const relp::Frame& f);
  // After responses were taken: a session the server closed (FIN or serverclose) with frames
  // still unanswered is a failure; those frames are resent on the next session.
  Result<void> check_session(std::size_t total, bool closed);

  std::size_t window_;
  TcpClient tcp_;
  uint32_t next_txnr_ = 1;
  relp::FrameReader reader_{4096};
  std::string in_;
  Failure failure_ = Failure::kNone;
  bool server_closing_ = false;  // "serverclose" received: no more answers will come
  // The exchange in progress: frames first_.. sent_ are out, acked_[i] for frame first_ + i.
  uint32_t first_ = 0;
  std::size_t sent_ = 0, acked_count_ = 0;
  std::vector<uint8_t> acked_;  // reused: no allocation per batch once grown
};

}  // namespace logferry::net

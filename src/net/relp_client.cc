#include "net/relp_client.h"

namespace logferry::net {

namespace {

// Frames after `from` up to `txnr`, across the wrap from kMaxTxnr to 1.
uint32_t distance(uint32_t from, uint32_t txnr) {
  return txnr >= from ? txnr - from : txnr + relp::kMaxTxnr - from;
}

constexpr std::size_t kFramesPerWrite = 256;
constexpr std::string_view kOffers = "relp_version=0\nrelp_software=logferry\ncommands=syslog";

}  // namespace

uint32_t RelpClient::take_txnr() {
  uint32_t t = next_txnr_;
  next_txnr_ = relp::next_txnr(next_txnr_);
  return t;
}

Unexpected<Error> RelpClient::fail(Failure why, std::string message) {
  failure_ = why;
  close();
  return unexpected(ErrorCode::kUnavailable, "RELP: " + message);
}

Result<void> RelpClient::open(const TcpClient::Options& options, const std::stop_token& stop) {
  close();
  failure_ = Failure::kNone;
  if (auto c = tcp_.connect(options, stop); !c) {
    failure_ = tcp_.dns_failed() ? Failure::kDns : Failure::kTransport;
    return c;
  }
  next_txnr_ = 1;
  std::string frame;
  uint32_t txnr = take_txnr();
  relp::append_frame(frame, txnr, "open", kOffers);
  const uint32_t end = static_cast<uint32_t>(frame.size());
  return send(frame, std::span(&end, 1), txnr, options.connect_timeout, stop);
}

void RelpClient::frame_syslog_in_place(std::string& out, std::size_t start) {
  relp::frame_in_place(out, start, take_txnr(), "syslog");
}

Result<void> RelpClient::send(std::string_view frames, std::span<const uint32_t> ends, uint32_t first,
                              std::chrono::milliseconds ack_timeout, const std::stop_token& stop) {
  if (!tcp_.connected()) return fail(Failure::kTransport, "not connected to " + peer());
  first_ = first;
  sent_ = acked_count_ = 0;
  acked_.assign(ends.size(), 0);
  while (acked_count_ < ends.size()) {
    std::size_t outstanding = sent_ - acked_count_;
    if (sent_ < ends.size() && outstanding < window_) {
      // At most kFramesPerWrite per write, reading answers in between: with a large window,
      // unread answers could otherwise fill both socket buffers while a long write waits.
      std::size_t room = std::min(window_ - outstanding, kFramesPerWrite);
      std::size_t upto = std::min(ends.size(), sent_ + room);
      std::size_t from = sent_ == 0 ? 0 : ends[sent_ - 1];
      if (auto w = tcp_.write_all(frames.substr(from, ends[upto - 1] - from), stop); !w)
        return fail(Failure::kTransport, w.error().message);
      sent_ = upto;
      // Take the acks that are already here without waiting, then send more if they freed
      // room in the window.
      bool closed = tcp_.peer_closed(&in_);
      if (auto r = take_responses(in_); !r) return r;
      if (auto r = check_session(ends.size(), closed); !r) return r;
      continue;
    }
    if (auto r = tcp_.read_some(in_, ack_timeout, stop); !r)
      return fail(Failure::kTransport, r.error().message + " (" +
                                           std::to_string(sent_ - acked_count_) + " frames unacknowledged)");
    tcp_.quick_ack();
    if (auto r = take_responses(in_); !r) return r;
    if (auto r = check_session(ends.size(), false); !r) return r;
  }
  if (server_closing_) close();  // all answered; the next batch opens a new session
  in_.clear();
  return {};
}

Result<void> RelpClient::check_session(std::size_t total, bool closed) {
  if (acked_count_ == total) return {};
  std::string unacked = std::to_string(total - acked_count_) + " frames unacknowledged";
  if (server_closing_) return fail(Failure::kServerClose, peer() + " closed the session (serverclose) with " + unacked);
  if (closed) return fail(Failure::kTransport, peer() + " closed the connection with " + unacked);
  return {};
}

Result<void> RelpClient::take_responses(std::string_view bytes) {
  Result<void> outcome;
  bool ok = reader_.feed(bytes, [&](const relp::Frame& f) {
    if (outcome) outcome = on_response(f);
  });
  in_.clear();
  if (!outcome) return outcome;
  if (!ok) return fail(Failure::kProtocol, "malformed frame from " + peer());
  return {};
}

Result<void> RelpClient::on_response(const relp::Frame& f) {
  if (f.command == "serverclose") {  // acks before it still count; the session ends after them
    server_closing_ = true;
    return {};
  }
  if (f.command != "rsp") return fail(Failure::kProtocol, "unexpected command '" + std::string(f.command) + "' from " + peer());
  uint32_t offset = f.txnr == 0 ? UINT32_MAX : distance(first_, f.txnr);
  if (offset >= sent_) return fail(Failure::kProtocol, "rsp for unknown txnr " + std::to_string(f.txnr) + " from " + peer());
  if (acked_[offset] != 0) return fail(Failure::kProtocol, "repeated rsp for txnr " + std::to_string(f.txnr) + " from " + peer());
  if (relp::response_code(f.data) != 200)
    return fail(Failure::kRefused, peer() + " refused txnr " + std::to_string(f.txnr) + ": " +
                                       std::string(f.data.substr(0, 100)));
  acked_[offset] = 1;
  ++acked_count_;
  return {};
}

bool RelpClient::peer_closed() {
  in_.clear();
  bool closed = tcp_.peer_closed(&in_);
  if (!closed && in_.empty()) return false;
  // Nothing is outstanding between batches: any frame now is a serverclose or an error.
  sent_ = acked_count_ = 0;
  if (!in_.empty()) (void)take_responses(in_);
  if (!closed && failure_ == Failure::kNone && !server_closing_) return false;
  close();
  return true;
}

void RelpClient::close() {
  // No "close" command: after an error the session is unusable anyway, and a clean shutdown has
  // nothing unacknowledged left; the server treats EOF as the end of the session.
  tcp_.close();
  in_.clear();
  reader_.reset();
  server_closing_ = false;
}

}  // namespace logferry::net

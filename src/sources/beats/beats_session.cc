#include "sources/beats/beats_session.h"

#include "sources/beats/beats_source.h"

namespace logferry::sources::beats {

namespace lj = net::lumberjack;
using SteadyClock = std::chrono::steady_clock;

BeatsSession::BeatsSession(BeatsSource& source, net::Connection& conn, asio::io_context& io)
    : source_(source), conn_(conn), parser_(source.limits()), keepalive_(io),
      last_write_(SteadyClock::now()) {
  source_.register_session(conn_.id(), this);
  if (source_.paused()) conn_.set_reading(false);
  arm_keepalive();
}

BeatsSession::BeatsSession(BeatsSource& source, net::Connection& conn, asio::io_context& io,
                           const BeatsState& state)
    : BeatsSession(source, conn, io) {
  parser_.restore(state.unparsed);
  if (!state.window_open) return;
  Window w{};
  w.serial = next_serial_++;
  w.expected = state.expected;
  w.received = state.received;
  w.highest_seq = state.highest_seq;
  w.bytes = state.bytes;
  w.version = state.version;
  windows_.push_back(w);
  open_ = true;
}

bool BeatsSession::can_move() const {
  if (closed_ || parser_.error() != lj::ParseError::kNone) return false;
  if (windows_.empty()) return true;
  const Window& w = windows_.front();
  return windows_.size() == 1 && open_ && w.parts == 0 && !w.failed;
}

BeatsState BeatsSession::state() const {
  BeatsState s;
  s.unparsed = std::string(parser_.pending());
  if (windows_.empty() || !open_) return s;
  const Window& w = windows_.back();
  s.window_open = true;
  s.version = w.version;
  s.expected = w.expected;
  s.received = w.received;
  s.highest_seq = w.highest_seq;
  s.bytes = w.bytes;
  return s;
}

BeatsSession::~BeatsSession() {
  if (!closed_) source_.unregister_session(conn_.id());
}

void BeatsSession::on_data(std::string_view bytes) {
  if (closed_) return;
  if (!parser_.feed(bytes, *this)) {
    if (closed_) return;  // closed while handling a frame
    std::string_view reason = parser_.error() == lj::ParseError::kRejected
                                  ? refuse_reason_
                                  : lj::error_name(parser_.error());
    source_.count_error(reason, conn_.peer_ip());
    conn_.close();
    return;
  }
  if (parser_.buffered() == 0) parser_.trim();
}

void BeatsSession::on_close() {
  if (closed_) return;
  closed_ = true;
  keepalive_.cancel();
  source_.unregister_session(conn_.id());
}

bool BeatsSession::refuse(std::string_view reason) {
  refuse_reason_ = reason;
  return false;
}

bool BeatsSession::on_window(char version, uint32_t count) {
  if (count > static_cast<uint64_t>(source_.options().max_window_events)) return refuse("window_too_large");
  if (open_) windows_.back().complete = true;  // a new W flushes an unfinished batch
  source_.metrics().windows.add();
  Window w{};
  w.serial = next_serial_++;
  w.expected = count;
  w.version = version;
  w.complete = count == 0;  // W 0: an empty batch, acked with seq 0
  windows_.push_back(w);
  open_ = count > 0;
  if (!open_) maybe_ack();
  return true;
}

bool BeatsSession::accept_event(uint32_t, std::size_t bytes) {
  if (!open_) return refuse("data_outside_window");
  Window& w = windows_.back();
  w.bytes += bytes;
  if (w.bytes > source_.options().max_window_bytes.bytes) return refuse("window_bytes_exceeded");
  return true;
}

void BeatsSession::event_added(uint32_t seq) {
  if (closed_ || windows_.empty()) return;
  Window& w = windows_.back();
  ++w.received;
  if (seq > w.highest_seq) w.highest_seq = seq;
  if (w.received >= w.expected) {
    w.complete = true;
    open_ = false;
  }
}

bool BeatsSession::on_json(uint32_t seq, std::string_view json) {
  if (!accept_event(seq, json.size())) return false;
  source_.add_json({conn_.id(), windows_.back().serial}, json, conn_.peer_ip());
  event_added(seq);
  return !closed_;
}

bool BeatsSession::on_data(uint32_t seq,
                           const std::vector<std::pair<std::string_view, std::string_view>>& pairs) {
  std::size_t bytes = 0;
  for (const auto& [k, v] : pairs) bytes += k.size() + v.size();
  if (!accept_event(seq, bytes)) return false;
  source_.add_pairs({conn_.id(), windows_.back().serial}, pairs, conn_.peer_ip());
  event_added(seq);
  return !closed_;
}

bool BeatsSession::on_ack(char, uint32_t) { return refuse("unexpected_frame"); }

BeatsSession::Window* BeatsSession::find(uint64_t serial) {
  if (windows_.empty() || serial < windows_.front().serial) return nullptr;
  std::size_t i = static_cast<std::size_t>(serial - windows_.front().serial);
  return i < windows_.size() ? &windows_[i] : nullptr;
}

void BeatsSession::add_part(uint64_t window) {
  if (Window* w = find(window)) ++w->parts;
}

void BeatsSession::part_done(uint64_t window, bool delivered) {
  Window* w = find(window);
  if (w == nullptr) return;
  if (w->parts > 0) --w->parts;
  if (!delivered) w->failed = true;
  maybe_ack();
}

void BeatsSession::maybe_ack() {
  std::string out;
  while (!windows_.empty()) {
    Window& w = windows_.front();
    if (!w.complete || w.parts > 0) break;
    if (w.failed) {
      // Not delivered: the client gets no ack, and resends once it reconnects.
      source_.metrics().windows_failed.add();
      if (!out.empty()) conn_.write(std::move(out));
      conn_.close();
      return;
    }
    lj::append_ack(out, w.highest_seq, w.version);
    source_.metrics().acks.add();
    windows_.pop_front();
  }
  if (!out.empty()) {
    conn_.write(std::move(out));
    last_write_ = SteadyClock::now();
  }
}

// While a window waits for the pipeline, `2A 0` on a quiet writer side keeps the client from
// timing out and resending (logstash-input-beats ConnectionHandler, WRITER_IDLE).
void BeatsSession::arm_keepalive() {
  auto interval = std::chrono::milliseconds(source_.options().keepalive_interval);
  keepalive_.expires_after(interval);
  keepalive_.async_wait([this, interval](asio::error_code ec) {
    if (ec || closed_) return;  // `this` may be gone when cancelled: check ec first
    if (!windows_.empty() && SteadyClock::now() - last_write_ >= interval) {
      std::string out;
      lj::append_ack(out, 0, '2');
      conn_.write(std::move(out));
      last_write_ = SteadyClock::now();
      source_.metrics().keepalives.add();
    }
    arm_keepalive();
  });
}

}  // namespace logferry::sources::beats

// One Beats connection: frames -> events, and the windows it owes acks for.
//
// A window opens with `W count` and is complete once `count` data frames arrived (or a new W
// comes first, as logstash-input-beats does). Its events may land in several batches; the
// window is acked when it is complete and every one of those batches was delivered, in the
// order the windows arrived (a client may pipeline the next window before the ack). If a
// batch is not delivered (shutdown), the connection is closed: the client resends what it has
// no ack for. Lives on the source's io thread.
//
// On reload a session moves to the next pipeline's source as a BeatsState once the old
// pipeline has drained and its acks are written: only the window still receiving can be open
// then, with the events the old pipeline delivered counted in it, so its one ack comes from
// the new session (can_move() is false while a window waits for a batch or failed).
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "net/lumberjack.h"
#include "net/tcp_server.h"

namespace logferry::sources {
class BeatsSource;
}

namespace logferry::sources::beats {

// What a connection carries to the next pipeline on reload (runtime::SocketHandover).
struct BeatsState {
  std::string unparsed;    // read, not yet a whole frame (net::lumberjack::Parser::pending())
  bool window_open = false;  // a window that still expects events (the reload cut it)
  char version = '2';
  uint32_t expected = 0;     // events its W announced
  uint32_t received = 0;     // of which the old pipeline already took (and delivered)
  uint32_t highest_seq = 0;  // the seq its ack will carry, so far
  std::size_t bytes = 0;     // counted against max_window_bytes
};

class BeatsSession final : public net::ConnectionHandler, public net::lumberjack::FrameHandler {
 public:
  BeatsSession(BeatsSource& source, net::Connection& conn, asio::io_context& io);
  // A connection the previous pipeline handed over, from where it left off.
  BeatsSession(BeatsSource& source, net::Connection& conn, asio::io_context& io, const BeatsState& state);
  ~BeatsSession() override;

  // ConnectionHandler
  void on_data(std::string_view bytes) override;
  void on_close() override;

  // FrameHandler
  bool on_window(char version, uint32_t count) override;
  bool on_json(uint32_t seq, std::string_view json) override;
  bool on_data(uint32_t seq, const std::vector<std::pair<std::string_view, std::string_view>>& pairs) override;
  bool on_ack(char version, uint32_t seq) override;

  // From the source: a batch holding events of `window` was flushed / finished.
  void add_part(uint64_t window);
  void part_done(uint64_t window, bool delivered);
  void set_reading(bool reading) { conn_.set_reading(reading); }

  // Reload: true when nothing waits for a batch (everything read was delivered and acked,
  // but for the window still receiving); then state() is all the next pipeline needs.
  bool can_move() const;
  BeatsState state() const;

 private:
  struct Window {
    uint64_t serial;
    uint32_t expected;
    uint32_t received = 0;
    uint32_t highest_seq = 0;
    std::size_t bytes = 0;
    uint32_t parts = 0;  // flushed-or-open batches holding its events, not yet finished
    char version;
    bool complete = false;
    bool failed = false;
  };
  Window* find(uint64_t serial);
  bool accept_event(uint32_t seq, std::size_t bytes);
  void event_added(uint32_t seq);
  void maybe_ack();
  bool refuse(std::string_view reason);
  void arm_keepalive();

  BeatsSource& source_;
  net::Connection& conn_;
  net::lumberjack::Parser parser_;
  std::deque<Window> windows_;  // oldest first; back() may be the open one
  uint64_t next_serial_ = 0;
  bool open_ = false;           // back() is still receiving events
  bool closed_ = false;
  std::string_view refuse_reason_;
  asio::steady_timer keepalive_;
  std::chrono::steady_clock::time_point last_write_;
};

}  // namespace logferry::sources::beats

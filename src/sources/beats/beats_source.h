// beats: a Beats (Lumberjack v1/v2) server, what Filebeat and the other Beats send to
// Logstash's logstash-input-beats. One event per data frame, mapped as the plugin does
// (beats_event.h). A window is acked (cumulative sequence number of its last event) only when
// every sink accepted its events; until then `2A 0` keep-alives stop the client from timing
// out and resending. See docs/beats_source.md for options, limits and metrics.
//
// Threads: the io thread (run()) reads, parses, maps and writes acks and keep-alives; a
// forwarder thread hands finished batches to the pipeline, whose wait (backpressure) must
// not stop the keep-alives. When the hand-off is full, every connection stops reading.
//
// Reload (docs/ARCHITECTURE.md "Reload"): the listening socket and the connections (plain or
// TLS) move to the next pipeline (runtime::SocketHandover). What was read goes into this
// pipeline's last batch; once it drained (on_drained()) the acks are written and each connection moves
// with its BeatsState (half-read frame, the window still receiving).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/schema.h"
#include "config/values.h"
#include "core/component.h"
#include "core/log.h"
#include "core/source.h"
#include "net/lumberjack.h"
#include "net/tcp_server.h"
#include "sources/beats/beats_event.h"

namespace logferry::sources {

namespace beats {
class BeatsSession;
}

class BeatsSource final : public Source {
 public:
  static constexpr std::string_view kType = "beats";
  static constexpr std::string_view kDoc =
      "Beats server (Filebeat, Logstash's beats input): Lumberjack v2/v1 with acks after delivery, TLS.";

  struct Options {
    std::string address = "0.0.0.0:5044";
    bool ssl_enabled = false;
    std::string ssl_certificate, ssl_key, ssl_key_passphrase;
    std::vector<std::string> ssl_certificate_authorities;
    std::string ssl_verify_mode = "none";
    std::string ssl_client_authentication;  // Logstash 8 name; maps onto ssl_verify_mode
    std::vector<std::string> ssl_supported_protocols;  // empty: TLSv1.2 and TLSv1.3
    std::vector<std::string> ssl_cipher_suites;        // empty: OpenSSL's defaults
    config::Duration ssl_handshake_timeout = std::chrono::seconds(10);
    config::Duration client_inactivity_timeout = std::chrono::seconds(60);
    config::Duration keepalive_interval = std::chrono::seconds(5);
    int64_t max_connections = 1000;
    int64_t max_window_events = 16384;
    config::ByteSize max_window_bytes{64u << 20};
    config::ByteSize max_frame_bytes{8u << 20};
    int64_t batch_max_events = 2048;
    bool add_hostname = false;
    bool include_codec_tag = true;
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Source>> build(const Options& options, BuildContext& ctx);

  ~BeatsSource() override;
  // Source
  void run(SourceContext& ctx) override;
  void interrupt() override;
  void on_drained() override;

  uint16_t port() const { return port_; }

  // Internal, for the sessions (io thread only).
  struct Metrics;
  struct WindowRef {
    uint64_t connection;
    uint64_t window;
    friend bool operator==(const WindowRef&, const WindowRef&) = default;
  };
  Metrics& metrics() { return *metrics_; }
  const Options& options() const { return options_; }
  net::lumberjack::Limits limits() const;
  void add_json(WindowRef ref, std::string_view json, std::string_view peer_ip);
  void add_pairs(WindowRef ref, const std::vector<std::pair<std::string_view, std::string_view>>& pairs,
                 std::string_view peer_ip);
  void count_error(std::string_view reason, std::string_view peer_ip);
  void register_session(uint64_t id, beats::BeatsSession* s);
  void unregister_session(uint64_t id);
  bool paused() const { return paused_; }

 private:
  struct Impl;
  BeatsSource(Options options, BuildContext& ctx);
  Result<void> open(BuildContext& ctx);
  void adopt_connections();
  void hold_for_handover();
  void park_sockets();
  void send_drained_acks();
  void stop_forwarder();
  Event& next_event(WindowRef ref);
  void flush();
  void windows_done(const std::vector<WindowRef>& refs, bool delivered);
  void set_paused(bool paused);
  void forward_loop();

  Options options_;
  std::string name_;
  const Clock* clock_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<Metrics> metrics_;
  beats::EventMapper mapper_;
  uint16_t port_ = 0;
  SourceOutput* out_ = nullptr;
  BatchPtr batch_;
  std::vector<WindowRef> batch_windows_;
  uint64_t batch_bad_json_ = 0, batch_bad_ts_ = 0;
  Timestamp now_;
  std::unordered_map<uint64_t, beats::BeatsSession*> sessions_;
  bool paused_ = false;

  // Hand-off to the forwarder thread.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<BatchPtr> queue_;
  bool forward_stop_ = false;
  std::atomic<bool> stopping_{false};
  std::thread forwarder_;
};

struct BeatsSource::Metrics {
  net::TcpServerMetrics server;
  Counter& windows;
  Counter& events;
  Counter& acks;
  Counter& keepalives;
  Counter& windows_failed;
  Counter& timestamp_failures;
  Counter& json_failures;
  std::vector<std::pair<std::string, Counter*>> protocol_errors;  // by reason
  RateLimitedLog bad_input_log;
};

}  // namespace logferry::sources

// syslog sink: sends events as RFC 3164 / RFC 5424 syslog over UDP, TCP, TLS or RELP, with the
// options and defaults of logstash-output-syslog (so its configs carry over) and the fixes
// listed in docs/syslog_sink.md (RFC facility codes, valid header fields, octet counting,
// counted UDP truncation, batching, reconnect with backoff, nothing dropped silently).
//
// Per batch: every event is rendered into one reused buffer (no allocation per event), then
// written with one call: one write()/SSL_write for a stream, one sendmmsg() for datagrams; RELP
// keeps a window of unacknowledged frames and returns once every message of the batch is
// acknowledged.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/schema.h"
#include "core/component.h"
#include "core/log.h"
#include "core/sink.h"
#include "net/framing.h"
#include "net/relp_client.h"
#include "net/tcp_client.h"
#include "net/udp_client.h"
#include "sinks/syslog/syslog_encoder.h"
#include "template/template.h"

namespace logferry::sinks {

class SyslogSink final : public Sink {
 public:
  static constexpr std::string_view kType = "syslog";
  static constexpr std::string_view kDoc =
      "Sends events as RFC 3164/5424 syslog over udp, tcp, tls or relp (logstash-output-syslog options).";

  // The native spelling of the TLS settings; each falls back to its ssl_* twin.
  struct TlsOptions {
    std::optional<bool> enabled;  // relp: RELP over TLS (mode tls is TLS anyway)
    std::vector<std::string> ca_file;
    std::string cert_file;
    std::string key_file;
    std::string key_passphrase;
    std::optional<bool> verify;
    std::string server_name;
    static void describe(config::Schema<TlsOptions>& s);
  };

  struct Options {
    std::string host;
    int64_t port = 0;
    std::string address;
    std::string mode;      // udp | tcp | tls | relp; default from protocol, else udp (as Logstash)
    std::string protocol;  // logstash-output-syslog: udp | tcp | ssl-tcp
    std::string rfc = "rfc3164";
    std::string framing = "newline";
    Template facility = Template::compile("user-level").value();
    Template severity = Template::compile("notice").value();
    bool use_labels = true;
    Template priority = Template::compile("%{syslog_pri}").value();
    Template sourcehost = Template::compile("%{host}").value();
    Template appname = Template::compile("LOGSTASH").value();
    Template procid = Template::compile("-").value();
    Template msgid = Template::compile("-").value();
    Template message = Template::compile("%{message}").value();
    Template structured_data;
    std::string structured_data_id;
    std::map<std::string, std::string> structured_data_params;
    config::Duration reconnect_interval = std::chrono::seconds(1);
    config::Duration connect_timeout = std::chrono::seconds(10);
    config::Duration write_timeout = std::chrono::seconds(30);
    bool ssl_verify = false;
    std::vector<std::string> ssl_certificate_authorities;
    std::string ssl_certificate;
    std::string ssl_key;
    std::string ssl_key_passphrase;
    TlsOptions tls;
    int64_t max_datagram_bytes = 65000;
    int64_t window_size = 128;
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Sink>> build(const Options& options, BuildContext& ctx);

  enum class Mode { kUdp, kTcp, kTls, kRelp };
  struct Metrics {
    Counter* bytes;
    Counter* truncated;
    Counter* connects;
    Counter* connect_errors;
    Counter* send_errors;
    Counter* sanitized_fields;
    Counter* unknown_facility;
    Counter* unknown_severity;
    Counter* invalid_priority;
    Counter* invalid_structured_data;
    Counter* dns_errors;
    Counter* relp_protocol_errors;
    Counter* relp_refused;
    Gauge* connected;
  };
  struct Settings {
    Mode mode = Mode::kUdp;
    net::Framing framing = net::Framing::kNewline;
    std::size_t max_datagram_bytes = 65000;
    std::chrono::milliseconds reconnect_interval{1000};
    std::size_t relp_window = 128;
    net::TcpClient::Options connection;  // .resolver: injectable for tests
  };

  SyslogSink(Settings settings, syslog::SyslogEncoder encoder, Metrics metrics);
  // Sink
  Delivery send(const EventBatch& batch, const std::stop_token& stop) override;
  std::string retry_reason() const override { return last_error_; }

  // Renders the batch as the sink would send it (framed for streams; datagrams back to back
  // for UDP). For tests and the benchmark.
  std::string_view encode_batch(const EventBatch& batch);
  // Replaces the system resolver (tests: slow, failing or changing name lookups).
  void set_resolver(std::shared_ptr<net::Resolver> resolver) { settings_.connection.resolver = std::move(resolver); }

 private:
  // count_stats false: a re-encoding of a batch already counted (RELP renumbers on reconnect).
  void encode(const EventBatch& batch, bool count_stats = true);
  void publish_encoder_stats();
  Delivery send_stream(const std::stop_token& stop);
  Delivery send_datagrams(const std::stop_token& stop);
  Delivery send_relp(const EventBatch& batch, const std::stop_token& stop);
  void disconnect();
  void disconnect_relp();
  // Counts a failed RELP open/send/idle check by its kind.
  void count_relp_failure();
  // Opens the stream (TCP/TLS or RELP) unless a reconnect is not yet due; false means kRetry.
  // `open` returns Result<void>; `opened` names what succeeded, for the log after a failure.
  template <class Connection, class Open>
  bool open_connection(Connection& connection, Open&& open, std::string_view opened);

  Settings settings_;
  syslog::SyslogEncoder encoder_;
  syslog::EncoderStats published_;
  Metrics metrics_;
  std::string buffer_;  // the encoded batch, reused
  std::vector<std::pair<uint32_t, uint32_t>> datagram_ranges_;  // UDP: offset, size in buffer_
  std::vector<std::string_view> datagrams_;
  std::vector<uint32_t> relp_frame_ends_;  // RELP: end of each frame in buffer_
  // The batch buffer_ holds, so a retry of the same batch does not encode it again.
  const EventBatch* encoded_batch_ = nullptr;
  std::size_t datagrams_sent_ = 0;  // UDP: resume point within a retried batch

  net::TcpClient tcp_;
  net::UdpClient udp_;
  net::RelpClient relp_;
  std::chrono::steady_clock::time_point next_connect_at_{};
  bool had_failure_ = false;
  RateLimitedLog problems_;
  std::string last_error_;  // why the last send() returned kRetry
};

}  // namespace logferry::sinks

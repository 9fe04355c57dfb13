// syslog: a syslog server. Receives RFC 5424 / RFC 3164 messages over UDP, TCP, TLS or RELP
// and emits one event per message (fields: host, appname, procid, msgid, facility, severity,
// facility_label, severity_label, @timestamp, structured_data, message, source_ip).
// See docs/syslog_source.md for options, framing, limits and metrics.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/schema.h"
#include "config/values.h"
#include "core/component.h"
#include "core/source.h"
#include "net/frame_splitter.h"
#include "net/tcp_server.h"

namespace logferry::sources {

namespace syslog {
class RelpHandler;
}

class SyslogSource final : public Source {
 public:
  static constexpr std::string_view kType = "syslog";
  static constexpr std::string_view kDoc =
      "Syslog server: RFC 5424/3164 over UDP, TCP, TLS or RELP.";

  struct TlsOptions {
    std::string cert_file, key_file, key_passphrase, ca_file;
    std::vector<std::string> protocols, ciphers;
    bool verify_client = false;
    static void describe(config::Schema<TlsOptions>& s);
  };
  struct Options {
    std::string address = "0.0.0.0:514";
    std::string mode = "udp";
    TlsOptions tls;
    std::string framing = "auto";
    bool proxy_protocol = false;  // a PROXY v1/v2 header starts each TCP, TLS or RELP connection
    config::ByteSize max_frame_bytes{64 * 1024};
    int64_t max_connections = 1000;
    config::Duration idle_timeout = std::chrono::minutes(5);
    int64_t batch_max_events = 2048;
    config::ByteSize receive_buffer_bytes{4 * 1024 * 1024};
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Source>> build(const Options& options, BuildContext& ctx);

  ~SyslogSource() override;
  // Source
  void run(SourceContext& ctx) override;
  void interrupt() override;
  void on_drained() override;

  // The bound port (the configured one, or the one picked for port 0).
  uint16_t port() const { return port_; }

  // Internal, used by the connection handlers (io thread only).
  struct RelpAck {
    uint64_t connection;
    uint64_t txnr;
  };
  void add_message(std::string_view frame, std::string_view peer_ip, bool truncated,
                   const RelpAck* ack);
  void after_read();
  // A connection whose PROXY header is missing or malformed (it is closed).
  void proxy_header_failed(const std::string& peer_ip, const std::string& why);
  struct Metrics;
  Metrics& metrics() { return *metrics_; }
  net::Framing framing() const { return framing_; }
  std::size_t max_frame_bytes() const { return static_cast<std::size_t>(options_.max_frame_bytes.bytes); }
  void register_relp(uint64_t id, syslog::RelpHandler* h);
  void unregister_relp(uint64_t id);

 private:
  struct Impl;
  SyslogSource(Options options, BuildContext& ctx);
  Result<void> open(BuildContext& ctx);
  void flush();
  void arm_udp();
  void drain_udp();
  void count_udp_drops(uint32_t kernel_total);
  void deliver_acks(std::vector<RelpAck>& acks, bool delivered);
  void adopt_connections();
  void replay_held_datagrams();
  void hold_for_handover();
  void park_sockets();
  void send_drained_acks();

  Options options_;
  std::string name_;
  const Clock* clock_;
  net::Framing framing_ = net::Framing::kAuto;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<Metrics> metrics_;
  uint16_t port_ = 0;
  SourceOutput* out_ = nullptr;
  BatchPtr batch_;
  std::vector<RelpAck> batch_acks_;
  std::chrono::steady_clock::time_point batch_started_;
  uint64_t batch_malformed_ = 0;
  uint64_t batch_truncated_ = 0;
  bool stopping_ = false;
  std::unordered_map<uint64_t, syslog::RelpHandler*> relp_handlers_;
};

}  // namespace logferry::sources

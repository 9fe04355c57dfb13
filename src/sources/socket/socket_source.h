// socket: plain lines or JSON over TCP (optionally TLS) or UDP, as Logstash's tcp and udp
// inputs read them (ecs_compatibility disabled). Each frame (a line, a TCP read with framing
// none, a datagram) becomes an event with `message` (text) or the JSON object's keys (json),
// plus `@timestamp` (now, unless the JSON has one), `host` (the peer's address) and, for TCP,
// `port` (the peer's port); JSON keys of those names win. Invalid JSON keeps the text in
// `message`, tagged `_jsonparsefailure`, counted. See docs/socket_source.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "config/values.h"
#include "core/clock.h"
#include "core/component.h"
#include "core/json_reader.h"
#include "core/source.h"
#include "net/framing.h"
#include "net/tcp_server.h"

namespace logferry::sources {

class SocketSource final : public Source {
 public:
  static constexpr std::string_view kType = "socket";
  static constexpr std::string_view kDoc =
      "Lines or JSON over TCP, TLS or UDP (Logstash's tcp and udp inputs).";

  struct TlsOptions {
    bool enabled = false;
    std::string cert_file, key_file, key_passphrase, ca_file;
    std::vector<std::string> protocols, ciphers;
    std::vector<std::string> extra_chain_certs;
    bool verify_client = false;
    static void describe(config::Schema<TlsOptions>& s);
  };
  struct Options {
    std::string address;
    std::string mode = "tcp";
    std::string framing = "newline";
    std::string decoding = "text";
    TlsOptions tls;
    bool proxy_protocol = false;  // a PROXY v1/v2 header starts each TCP connection
    config::ByteSize max_frame_bytes{64 * 1024};
    int64_t max_connections = 1000;
    config::Duration idle_timeout = std::chrono::minutes(5);
    int64_t batch_max_events = 2048;
    config::ByteSize receive_buffer_bytes{4 * 1024 * 1024};
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Source>> build(const Options& options, BuildContext& ctx);

  ~SocketSource() override;
  // Source
  void run(SourceContext& ctx) override;
  void interrupt() override;

  // The bound port (the configured one, or the one picked for port 0).
  uint16_t port() const { return port_; }

  // Internal, for the connection handlers (io thread only).
  // Who sent a frame: port 0 is none (UDP); proxy_ip is set behind a PROXY protocol header.
  struct Peer {
    std::string_view ip;
    uint16_t port = 0;
    std::string_view proxy_ip;
    uint16_t proxy_port = 0;
  };
  void add_frame(std::string_view frame, const Peer& peer, bool truncated);
  // A connection whose PROXY header is missing or malformed (it is closed).
  void proxy_header_failed(const std::string& peer_ip, const std::string& why);
  void after_read();
  struct Metrics;
  Metrics& metrics() { return *metrics_; }
  const Options& options() const { return options_; }
  std::size_t max_frame_bytes() const { return static_cast<std::size_t>(options_.max_frame_bytes.bytes); }

 private:
  struct Impl;
  SocketSource(Options options, BuildContext& ctx);
  Result<void> open(BuildContext& ctx);
  Result<void> open_udp();
  Event& new_event();
  void add_text(std::string_view text);
  void add_json(std::string_view text, bool truncated);
  void finish_event(Event& e, const Peer& peer, bool truncated);
  void flush();
  void arm_udp();
  void add_datagram(std::string_view data, std::string_view peer_ip, bool truncated);
  void drain_udp();
  void adopt_connections();
  void replay_held_datagrams();
  void park_sockets();

  Options options_;
  std::string name_;
  const Clock* clock_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<Metrics> metrics_;
  JsonReader json_;
  uint16_t port_ = 0;
  SourceOutput* out_ = nullptr;
  BatchPtr batch_;
  std::chrono::steady_clock::time_point batch_started_;
  uint64_t batch_json_failures_ = 0;
  uint64_t batch_truncated_ = 0;
  bool stopping_ = false;
};

}  // namespace logferry::sources

#include "sinks/syslog/syslog_sink.h"

#include "net/host_port.h"

namespace logferry::sinks {

using syslog::EncoderConfig;
using syslog::Rfc;
using syslog::SyslogEncoder;

void SyslogSink::TlsOptions::describe(config::Schema<TlsOptions>& s) {
  s.field("enabled", &TlsOptions::enabled).doc("mode relp: RELP over TLS (as omrelp tls=\"on\"); mode tls is always TLS.");
  s.field("ca_file", &TlsOptions::ca_file).doc("CA certificate file(s) or directories (PEM); = ssl_certificate_authorities.");
  s.field("cert_file", &TlsOptions::cert_file).doc("Client certificate (PEM); = ssl_certificate.");
  s.field("key_file", &TlsOptions::key_file).doc("Client key (PEM); = ssl_key.");
  s.field("key_passphrase", &TlsOptions::key_passphrase).doc("Passphrase of key_file; = ssl_key_passphrase.");
  s.field("verify", &TlsOptions::verify).doc("Verify the server certificate and name; = ssl_verify.");
  s.field("server_name", &TlsOptions::server_name)
      .doc("Name for SNI and certificate verification (default: host).");
}

void SyslogSink::describe(config::Schema<Options>& s) {
  s.field("host", &Options::host).doc("Receiver host name or IP (with port).");
  s.field("port", &Options::port).range(1, 65535).doc("Receiver port (with host).");
  s.field("address", &Options::address).doc("HOST:PORT, instead of host and port.");
  s.field("mode", &Options::mode).one_of({"udp", "tcp", "tls", "relp"})
      .doc("Transport (default udp, as logstash-output-syslog); relp: acknowledged delivery (TCP, or TLS with tls.enabled).");
  s.field("protocol", &Options::protocol).one_of({"udp", "tcp", "ssl-tcp"})
      .doc("logstash-output-syslog's name for mode (ssl-tcp = tls).");
  s.field("rfc", &Options::rfc).one_of({"rfc3164", "rfc5424"}).doc("Frame format.");
  s.field("framing", &Options::framing).one_of({"newline", "octet_counting"})
      .doc("TCP/TLS framing: LF after each frame (Logstash) or RFC 6587 octet counting.");
  s.field("facility", &Options::facility).doc("Facility label or code (template); unknown -> user-level.");
  s.field("severity", &Options::severity).doc("Severity label or code (template); unknown -> notice.");
  s.field("use_labels", &Options::use_labels).doc("false: PRI from `priority` instead.");
  s.field("priority", &Options::priority).doc("PRI 0..191 when use_labels is false; else 13.");
  s.field("sourcehost", &Options::sourcehost).doc("HOSTNAME (template).");
  s.field("appname", &Options::appname).doc("APP-NAME / 3164 TAG (template).");
  s.field("procid", &Options::procid).doc("PROCID (template).");
  s.field("msgid", &Options::msgid).doc("MSGID, RFC 5424 only (template).");
  s.field("message", &Options::message).doc("MSG (template).");
  s.field("structured_data", &Options::structured_data)
      .doc("RFC 5424 STRUCTURED-DATA as text (template); invalid SD is replaced by '-' and counted.");
  s.field("structured_data_id", &Options::structured_data_id)
      .doc("RFC 5424: SD-ID of an element built from structured_data_params, e.g. kubernetes@32473.");
  s.field("structured_data_params", &Options::structured_data_params)
      .doc("RFC 5424: PARAM-NAME -> template; values escaped per RFC 5424 §6.3.3.");
  s.field("reconnect_interval", &Options::reconnect_interval)
      .doc("Least time between two connection attempts (the runtime's backoff comes on top).");
  s.field("connect_timeout", &Options::connect_timeout).doc("TCP connect + TLS handshake timeout.");
  s.field("write_timeout", &Options::write_timeout)
      .doc("A write fails when the receiver takes no byte for this long.");
  s.field("ssl_verify", &Options::ssl_verify)
      .doc("Verify the server certificate chain and host name (default false, as Logstash).");
  s.field("ssl_certificate_authorities", &Options::ssl_certificate_authorities)
      .alias("ssl_cacert").doc("CA files or directories (PEM); system store when empty.");
  s.field("ssl_certificate", &Options::ssl_certificate).alias("ssl_cert").doc("Client certificate (PEM).");
  s.field("ssl_key", &Options::ssl_key).doc("Client private key (PEM).");
  s.field("ssl_key_passphrase", &Options::ssl_key_passphrase).doc("Passphrase of ssl_key.");
  s.field("tls", &Options::tls).doc("Native spelling of the ssl_* settings.");
  s.field("max_datagram_bytes", &Options::max_datagram_bytes).range(480, 65507)
      .doc("UDP: longer frames are cut at a UTF-8 boundary and counted.");
  s.field("window_size", &Options::window_size).alias("windowSize").range(1, 100000)
      .doc("RELP: most frames sent and not yet acknowledged (omrelp's windowSize, default 128).");

  s.check([](const Options& o, config::CheckContext& c) {
    bool has_host = !o.host.empty() || o.port != 0;
    if (!o.address.empty() && has_host) c.error("address", "set either address or host and port");
    if (o.address.empty()) {
      if (o.host.empty()) c.error("host", "missing: set host and port, or address");
      else if (o.port == 0) c.error("port", "missing: set port with host");
    } else if (auto hp = net::split_host_port(o.address); !hp) {
      c.error("address", hp.error().message);
    } else if (hp->second == 0) {
      c.error("address", "port must be 1..65535");
    }
    if (!o.mode.empty() && !o.protocol.empty()) c.error("protocol", "set either mode or protocol");
    bool rfc3164 = o.rfc == "rfc3164";
    if (rfc3164 && !o.structured_data.empty())
      c.error("structured_data", "needs rfc: rfc5424 (RFC 3164 has no structured data)");
    if (rfc3164 && !o.structured_data_id.empty())
      c.error("structured_data_id", "needs rfc: rfc5424 (RFC 3164 has no structured data)");
    if (!o.structured_data_id.empty() && !syslog::is_valid_sd_name(o.structured_data_id))
      c.error("structured_data_id", "must be 1..32 printable ASCII characters without '=', ' ', ']', '\"'");
    if (!o.structured_data_params.empty() && o.structured_data_id.empty())
      c.error("structured_data_params", "needs structured_data_id");
    for (const auto& [name, value] : o.structured_data_params) {
      if (!syslog::is_valid_sd_name(name))
        c.error("structured_data_params", "'" + name + "' is not a valid PARAM-NAME");
      if (auto t = Template::compile(value); !t)
        c.error("structured_data_params", "'" + name + "': " + t.error().message);
    }
    std::string mode = o.mode.empty() ? (o.protocol == "ssl-tcp" ? "tls" : o.protocol) : o.mode;
    if ((mode.empty() || mode == "udp" || mode == "relp") && o.framing != "newline")
      c.error("framing", "applies to tcp and tls (UDP sends one frame per datagram, RELP frames itself)");
    bool has_cert = !o.ssl_certificate.empty() || !o.tls.cert_file.empty();
    bool has_key = !o.ssl_key.empty() || !o.tls.key_file.empty();
    if (has_cert != has_key) c.error(has_cert ? "ssl_certificate" : "ssl_key", "needs both ssl_certificate and ssl_key");
    if (o.tls.enabled.value_or(false) && mode != "relp" && mode != "tls")
      c.error("tls", "enabled applies to mode relp (for TCP use mode: tls)");
    bool tls_settings = !o.tls.ca_file.empty() || !o.ssl_certificate_authorities.empty() || has_cert ||
                        o.tls.verify.has_value() || o.ssl_verify;
    if (mode == "relp" && tls_settings && !o.tls.enabled.value_or(false))
      c.error("tls", "TLS settings with mode relp need tls.enabled: true (else RELP would go out unencrypted)");
  });
}

Result<std::unique_ptr<Sink>> SyslogSink::build(const Options& o, BuildContext& ctx) {
  Settings settings;
  std::string mode = o.mode.empty() ? (o.protocol == "ssl-tcp" ? "tls" : o.protocol) : o.mode;
  settings.mode = mode == "tls"    ? Mode::kTls
                  : mode == "tcp"  ? Mode::kTcp
                  : mode == "relp" ? Mode::kRelp
                                   : Mode::kUdp;
  net::parse_framing(o.framing, settings.framing);
  settings.max_datagram_bytes = static_cast<std::size_t>(o.max_datagram_bytes);
  settings.reconnect_interval = o.reconnect_interval;
  settings.relp_window = static_cast<std::size_t>(o.window_size);

  net::TcpClient::Options& conn = settings.connection;
  if (!o.address.empty()) {
    auto hp = net::split_host_port(o.address);
    if (!hp) return unexpected(hp.error());
    conn.host = hp->first;
    conn.port = hp->second;
  } else {
    conn.host = o.host;
    conn.port = static_cast<uint16_t>(o.port);
  }
  conn.connect_timeout = o.connect_timeout;
  conn.write_timeout = o.write_timeout;

  bool relp_tls = settings.mode == Mode::kRelp && o.tls.enabled.value_or(false);
  if (settings.mode == Mode::kTls || relp_tls) {
    net::TlsClientConfig tls;
    tls.verify = o.tls.verify.value_or(o.ssl_verify);
    auto resolve = [&](const std::string& p) {
      std::filesystem::path path(p);
      return (path.is_relative() ? ctx.config_dir / path : path).string();
    };
    for (const auto& ca : o.ssl_certificate_authorities) tls.ca_files.push_back(resolve(ca));
    for (const auto& ca : o.tls.ca_file) tls.ca_files.push_back(resolve(ca));
    const std::string& cert = o.tls.cert_file.empty() ? o.ssl_certificate : o.tls.cert_file;
    const std::string& key = o.tls.key_file.empty() ? o.ssl_key : o.tls.key_file;
    if (!cert.empty()) tls.cert_file = resolve(cert);
    if (!key.empty()) tls.key_file = resolve(key);
    tls.key_passphrase = o.tls.key_passphrase.empty() ? o.ssl_key_passphrase : o.tls.key_passphrase;
    auto context = net::TlsContext::client(tls);
    if (!context) return unexpected(ErrorCode::kInvalidArgument, ctx.name + ": " + context.error().message);
    conn.tls = *context;
    conn.server_name = o.tls.server_name;
    if (!tls.verify)
      log_warn("{}: TLS without certificate verification (ssl_verify: false, the Logstash default)",
               ctx.name);
  }

  EncoderConfig ec;
  ec.rfc = o.rfc == "rfc5424" ? Rfc::k5424 : Rfc::k3164;
  ec.use_labels = o.use_labels;
  ec.facility = o.facility;
  ec.severity = o.severity;
  ec.priority = o.priority;
  ec.sourcehost = o.sourcehost;
  ec.appname = o.appname;
  ec.procid = o.procid;
  ec.msgid = o.msgid;
  ec.message = o.message;
  ec.structured_data = o.structured_data;
  ec.sd_id = o.structured_data_id;
  for (const auto& [name, value] : o.structured_data_params) {
    auto t = Template::compile(value);
    if (!t) return unexpected(t.error());
    ec.sd_params.emplace_back(name, std::move(*t));
  }
  ec.default_hostname = ctx.node_name.empty() ? "localhost" : ctx.node_name;

  Labels labels = ctx.labels();
  auto counter = [&](const char* name, const char* help) { return &ctx.metrics.counter(name, help, labels); };
  Metrics m{
      counter("logferry_syslog_sink_bytes_total", "Bytes of syslog frames sent"),
      counter("logferry_syslog_sink_truncated_total", "UDP frames cut at max_datagram_bytes"),
      counter("logferry_syslog_sink_connects_total", "Connections established"),
      counter("logferry_syslog_sink_connect_errors_total", "Failed connection attempts"),
      counter("logferry_syslog_sink_send_errors_total",
              "Writes that failed (the batch is retried) or UDP sends refused by the peer"),
      counter("logferry_syslog_sink_sanitized_fields_total",
              "Header fields changed to be valid for their RFC (characters, length)"),
      counter("logferry_syslog_sink_unknown_facility_total", "Unknown facility labels (sent as user-level)"),
      counter("logferry_syslog_sink_unknown_severity_total", "Unknown severity labels (sent as notice)"),
      counter("logferry_syslog_sink_invalid_priority_total", "Invalid priority values (sent as 13)"),
      counter("logferry_syslog_sink_invalid_structured_data_total",
              "structured_data that is not valid RFC 5424 SD (sent as '-')"),
      counter("logferry_syslog_sink_dns_errors_total", "Failed host name lookups (retried with backoff)"),
      counter("logferry_syslog_sink_relp_protocol_errors_total",
              "RELP responses that break the protocol (unknown or repeated txnr, bad frame): session dropped, unacknowledged frames resent"),
      counter("logferry_syslog_sink_relp_refused_total",
              "RELP messages the receiver answered with a status other than 200 (resent on a new session)"),
      &ctx.metrics.gauge("logferry_syslog_sink_connected", "1 while connected (tcp/tls/relp)", labels),
  };
  SyslogEncoder encoder(std::move(ec), ctx.clock);
  return std::unique_ptr<Sink>(std::make_unique<SyslogSink>(std::move(settings), std::move(encoder), m));
}

SyslogSink::SyslogSink(Settings settings, SyslogEncoder encoder, Metrics metrics)
    : settings_(std::move(settings)),
      encoder_(std::move(encoder)),
      metrics_(metrics),
      relp_(settings_.relp_window) {}

void SyslogSink::encode(const EventBatch& batch, bool count_stats) {
  buffer_.clear();
  datagram_ranges_.clear();
  relp_frame_ends_.clear();
  const bool udp = settings_.mode == Mode::kUdp;
  const bool relp = settings_.mode == Mode::kRelp;
  uint64_t truncated = 0;
  for (const Event& e : batch.events()) {
    std::size_t start = buffer_.size();
    encoder_.encode(e, buffer_);
    if (udp) {
      std::string_view frame(buffer_.data() + start, buffer_.size() - start);
      std::size_t size = syslog::utf8_truncated_size(frame, settings_.max_datagram_bytes);
      if (size < frame.size()) {
        buffer_.resize(start + size);
        ++truncated;
      }
      datagram_ranges_.emplace_back(static_cast<uint32_t>(start), static_cast<uint32_t>(size));
    } else if (relp) {
      relp_.frame_syslog_in_place(buffer_, start);
      relp_frame_ends_.push_back(static_cast<uint32_t>(buffer_.size()));
    } else {
      net::frame_in_place(buffer_, start, settings_.framing);
    }
  }
  if (truncated != 0) metrics_.truncated->add(truncated);
  if (count_stats) {
    publish_encoder_stats();
  } else {
    published_ = encoder_.stats();  // already counted for this batch
  }
}

void SyslogSink::publish_encoder_stats() {
  const syslog::EncoderStats& s = encoder_.stats();
  auto publish = [](Counter* c, uint64_t now, uint64_t& before) {
    if (now != before) c->add(now - before);
    before = now;
  };
  publish(metrics_.sanitized_fields, s.sanitized_fields, published_.sanitized_fields);
  publish(metrics_.unknown_facility, s.unknown_facility, published_.unknown_facility);
  publish(metrics_.unknown_severity, s.unknown_severity, published_.unknown_severity);
  publish(metrics_.invalid_priority, s.invalid_priority, published_.invalid_priority);
  publish(metrics_.invalid_structured_data, s.invalid_structured_data, published_.invalid_structured_data);
}

std::string_view SyslogSink::encode_batch(const EventBatch& batch) {
  encode(batch);
  encoded_batch_ = nullptr;
  return buffer_;
}

Delivery SyslogSink::send(const EventBatch& batch, const std::stop_token& stop) {
  if (batch.empty()) return Delivery::kDelivered;
  if (settings_.mode == Mode::kRelp) {
    Delivery d = send_relp(batch, stop);
    encoded_batch_ = d == Delivery::kRetry ? &batch : nullptr;
    return d;
  }
  if (encoded_batch_ != &batch) {
    encode(batch);
    encoded_batch_ = &batch;
    datagrams_sent_ = 0;
  }
  Delivery d = settings_.mode == Mode::kUdp ? send_datagrams(stop) : send_stream(stop);
  if (d != Delivery::kRetry) encoded_batch_ = nullptr;
  return d;
}

void SyslogSink::disconnect() {
  tcp_.close();
  metrics_.connected->set(0);
}

template <class Connection, class Open>
bool SyslogSink::open_connection(Connection& connection, Open&& open, std::string_view opened) {
  auto now = std::chrono::steady_clock::now();
  if (now < next_connect_at_) return false;
  if (auto r = open(); !r) {
    metrics_.connect_errors->add();
    if (connection.dns_failed()) metrics_.dns_errors->add();
    next_connect_at_ = now + settings_.reconnect_interval;
    had_failure_ = true;
    last_error_ = r.error().message;  // logged by the runtime once per change
    return false;
  }
  metrics_.connects->add();
  metrics_.connected->set(1);
  if (had_failure_) log_info("syslog: {} {}", opened, connection.peer());
  had_failure_ = false;
  return true;
}

Delivery SyslogSink::send_stream(const std::stop_token& stop) {
  // A connection idle since the last batch may have been closed by the peer (restart, idle
  // timeout): writing into it would "succeed" into the kernel buffer and be lost with the RST.
  if (tcp_.connected() && tcp_.peer_closed()) {
    problems_.warn("syslog: {} closed the connection; reconnecting", tcp_.peer());
    disconnect();
  }
  if (!tcp_.connected() &&
      !open_connection(tcp_, [&] { return tcp_.connect(settings_.connection, stop); }, "connected to")) {
    return Delivery::kRetry;
  }
  if (auto w = tcp_.write_all(buffer_, stop); !w) {
    metrics_.send_errors->add();
    last_error_ = w.error().message;
    disconnect();
    had_failure_ = true;
    return Delivery::kRetry;
  }
  metrics_.bytes->add(buffer_.size());
  return Delivery::kDelivered;
}

void SyslogSink::disconnect_relp() {
  relp_.close();
  metrics_.connected->set(0);
}

void SyslogSink::count_relp_failure() {
  using Failure = net::RelpClient::Failure;
  switch (relp_.last_failure()) {
    case Failure::kProtocol: metrics_.relp_protocol_errors->add(); break;
    case Failure::kRefused: metrics_.relp_refused->add(); break;
    default: break;
  }
}

Delivery SyslogSink::send_relp(const EventBatch& batch, const std::stop_token& stop) {
  if (relp_.connected() && relp_.peer_closed()) {
    count_relp_failure();
    problems_.warn("syslog: {} closed the RELP session; reconnecting", relp_.peer());
    disconnect_relp();
  }
  if (!relp_.connected() &&
      !open_connection(relp_, [&] { return relp_.open(settings_.connection, stop); },
                       "RELP session open with")) {
    count_relp_failure();
    return Delivery::kRetry;
  }
  // Transaction numbers belong to the session, so the batch is framed after connecting (and
  // again after a reconnect).
  uint32_t first = relp_.next_txnr();
  encode(batch, encoded_batch_ != &batch);
  if (auto r = relp_.send(buffer_, relp_frame_ends_, first, settings_.connection.write_timeout, stop); !r) {
    metrics_.send_errors->add();
    count_relp_failure();
    last_error_ = r.error().message;
    disconnect_relp();
    had_failure_ = true;
    return Delivery::kRetry;
  }
  metrics_.bytes->add(buffer_.size());
  return Delivery::kDelivered;
}

Delivery SyslogSink::send_datagrams(const std::stop_token& stop) {
  if (!udp_.is_open()) {
    auto now = std::chrono::steady_clock::now();
    if (now < next_connect_at_) return Delivery::kRetry;
    if (auto r = udp_.open(settings_.connection.host, settings_.connection.port, stop,
                           settings_.connection.connect_timeout, settings_.connection.resolver.get());
        !r) {
      metrics_.connect_errors->add();
      if (udp_.dns_failed()) metrics_.dns_errors->add();
      next_connect_at_ = now + settings_.reconnect_interval;
      last_error_ = r.error().message;  // logged by the runtime once per change
      return Delivery::kRetry;
    }
  }
  datagrams_.clear();
  for (std::size_t i = datagrams_sent_; i < datagram_ranges_.size(); ++i)
    datagrams_.emplace_back(buffer_.data() + datagram_ranges_[i].first, datagram_ranges_[i].second);
  std::size_t sent = 0;
  auto r = udp_.send_datagrams(datagrams_, sent);
  uint64_t bytes = 0;
  for (std::size_t i = 0; i < sent; ++i) bytes += datagrams_[i].size();
  metrics_.bytes->add(bytes);
  datagrams_sent_ += sent;
  if (!r) {
    // ECONNREFUSED: the receiver reported (ICMP) that it is not listening. The rest of the batch
    // waits for it, like on TCP; what it refused before is counted here.
    metrics_.send_errors->add();
    last_error_ = fmt::format("{} to {}:{}", r.error().message, settings_.connection.host,
                              settings_.connection.port);
    return Delivery::kRetry;
  }
  return Delivery::kDelivered;
}

}  // namespace logferry::sinks

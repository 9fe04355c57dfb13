// The options every listening source (syslog, socket) has, described once: the limits of its
// listener and of the frames it reads, with the same names, docs and checks.
#pragma once

#include "config/schema.h"

namespace logferry::sources {

// `Options` has max_frame_bytes, max_connections, idle_timeout, batch_max_events and
// receive_buffer_bytes (config::ByteSize / int64_t / config::Duration as in SyslogSource).
template <class Options>
void describe_listener_limits(config::Schema<Options>& s) {
  s.field("max_frame_bytes", &Options::max_frame_bytes)
      .doc("Longer messages, lines or datagrams are cut to this size, marked truncated: true and counted.");
  s.field("max_connections", &Options::max_connections).range(1, 1'000'000)
      .doc("TCP connections over this are closed at once and counted.");
  s.field("idle_timeout", &Options::idle_timeout)
      .doc("A TCP connection silent this long (or half-open) is closed.");
  s.field("batch_max_events", &Options::batch_max_events).range(1, 1'000'000)
      .doc("Most events per batch; a batch also ends when the sockets have nothing more.");
  s.field("receive_buffer_bytes", &Options::receive_buffer_bytes)
      .doc("UDP socket receive buffer (SO_RCVBUF) that absorbs bursts.");
}

// A TLS server's files: `Tls` has cert_file, key_file, ca_file and verify_client.
template <class Tls>
void describe_tls_server_files(config::Schema<Tls>& s) {
  s.field("cert_file", &Tls::cert_file).doc("PEM certificate (chain) of this server.");
  s.field("key_file", &Tls::key_file).doc("PEM private key.");
  s.field("ca_file", &Tls::ca_file).doc("PEM CA bundle that client certificates must chain to.");
  s.field("verify_client", &Tls::verify_client).doc("Require a client certificate signed by ca_file (mutual TLS).");
}

// The check that goes with describe_tls_server_files(), on the source's `tls` options.
template <class Tls>
void check_tls_server_files(const Tls& tls, config::CheckContext& c) {
  if (tls.verify_client && tls.ca_file.empty()) c.error("tls", "verify_client needs ca_file");
}

// The check that goes with describe_listener_limits().
template <class Options>
void check_listener_limits(const Options& o, config::CheckContext& c) {
  const auto bytes = o.max_frame_bytes.bytes;
  if (bytes < 16 || bytes > (1ULL << 30))
    c.error("max_frame_bytes", "must be between 16 bytes and 1GiB");
}

}  // namespace logferry::sources

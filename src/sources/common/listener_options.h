// The options every listening source (syslog, socket) has, described once: the limits of its
// listener and of the frames it reads, with the same names, docs and checks.
#pragma once

#include "config/schema.h"
#include "core/component.h"
#include "net/tls_server_context.h"

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

// A TLS server's settings: `Tls` has cert_file, key_file, key_passphrase, ca_file,
// verify_client, protocols and ciphers. Protocols and ciphers are checked here, at validate.
template <class Tls>
void describe_tls_server_files(config::Schema<Tls>& s) {
  s.field("cert_file", &Tls::cert_file).doc("PEM certificate (chain) of this server.");
  s.field("key_file", &Tls::key_file).doc("PEM private key (PKCS#1, PKCS#8 or EC; may be encrypted).");
  s.field("key_passphrase", &Tls::key_passphrase)
      .doc("Passphrase of an encrypted key_file; a wrong or missing one is an error at start.");
  s.field("ca_file", &Tls::ca_file).doc("PEM CA bundle that client certificates must chain to.");
  s.field("verify_client", &Tls::verify_client).doc("Require a client certificate signed by ca_file (mutual TLS).");
  s.field("protocols", &Tls::protocols)
      .doc("TLS versions served, consecutive: TLSv1.1, TLSv1.2, TLSv1.3 (empty: TLSv1.2 and TLSv1.3).");
  s.field("ciphers", &Tls::ciphers)
      .doc("Cipher suites, IANA or OpenSSL names (TLS 1.3 ones set the 1.3 suites) or OpenSSL cipher "
           "strings; a protocol with none of them is not served. Empty: OpenSSL's defaults.");
  s.check([](const Tls& t, config::CheckContext& c) {
    if (auto r = net::check_tls_protocols(t.protocols); !r) c.error("protocols", r.error().message);
    else if (auto r2 = net::check_tls_ciphers(t.protocols, t.ciphers); !r2) c.error("ciphers", r2.error().message);
  });
}

// The net layer's options from a source's `tls` map, paths resolved against the config dir.
template <class Tls>
net::TlsServerOptions tls_server_options(const Tls& tls, const BuildContext& ctx) {
  net::TlsServerOptions t;
  t.cert_file = ctx.resolve(tls.cert_file);
  t.key_file = ctx.resolve(tls.key_file);
  t.key_passphrase = tls.key_passphrase;
  t.ca_file = ctx.resolve(tls.ca_file);
  t.verify_client = tls.verify_client;
  t.protocols = tls.protocols;
  t.ciphers = tls.ciphers;
  return t;
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

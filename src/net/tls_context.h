// TlsContext: an OpenSSL SSL_CTX configured once at build time (CA bundle, client certificate,
// verification), shared by every connection a component opens. Client side for now (syslog
// and Elasticsearch sinks); a server constructor can sit next to client() when a source needs it.
//
// Example:
//   TlsClientConfig c;
//   c.verify = true;
//   c.ca_files = {"/etc/ssl/ca.pem"};
//   auto ctx = TlsContext::client(c);          // Result<std::shared_ptr<TlsContext>>
//   TcpClient::Options o{.host = "syslog", .port = 6514, .tls = ctx->get()};
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

struct ssl_ctx_st;  // SSL_CTX, kept out of this header

namespace logferry::net {

struct TlsClientConfig {
  // Verify the server's certificate chain against ca_files (files or directories of PEM
  // certificates; the system store when empty) and its name against the host we connect to.
  bool verify = true;
  std::vector<std::string> ca_files;
  std::string cert_file;       // client certificate (PEM, may hold the chain), optional
  std::string key_file;        // its private key (PEM; RSA, EC, Ed25519), required with cert_file
  std::string key_passphrase;  // for an encrypted key
};

class TlsContext {
 public:
  static Result<std::shared_ptr<TlsContext>> client(const TlsClientConfig& config);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* native() const { return ctx_; }
  bool verify() const { return verify_; }

 private:
  TlsContext(ssl_ctx_st* ctx, bool verify) : ctx_(ctx), verify_(verify) {}
  ssl_ctx_st* ctx_;
  bool verify_;
};

// The oldest error on OpenSSL's thread-local queue as text (and clears the queue).
std::string openssl_error_text();

}  // namespace logferry::net

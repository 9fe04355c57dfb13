// TLS settings of a server (syslog, socket and beats sources) and the OpenSSL context made from
// them. Loading happens at build time so a bad certificate is a startup error, not a runtime one;
// protocols and ciphers are also checked alone (check_tls_protocols, check_tls_ciphers) at validate.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace asio::ssl {
class context;
}

namespace logferry::net {

struct TlsServerOptions {
  std::string cert_file;   // PEM certificate chain presented to clients
  std::string key_file;    // PEM private key
  std::string key_passphrase;  // decrypts an encrypted key_file
  std::string ca_file;     // PEM CAs that client certificates must chain to
  bool verify_client = false;  // require and verify a client certificate (needs ca_file)
  std::vector<std::string> extra_chain_files;  // PEM intermediates sent after cert_file's chain
  // "TLSv1.1", "TLSv1.2", "TLSv1.3" (Logstash's ssl_supported_protocols); empty: 1.2 and 1.3.
  std::vector<std::string> protocols;
  // IANA (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) or OpenSSL (ECDHE-RSA-AES128-GCM-SHA256) names
  // or OpenSSL cipher strings; TLS 1.3 suites go to the 1.3 list. Empty: OpenSSL's defaults.
  std::vector<std::string> ciphers;
};

// Paths are used as given (resolve them against the config dir first). A wrong or missing
// passphrase of an encrypted key is an error, never a prompt on the terminal.
Result<std::shared_ptr<asio::ssl::context>> make_tls_server_context(const TlsServerOptions& options);

// Why `protocols` cannot be served: an unknown name, or a gap (OpenSSL serves a range).
Result<void> check_tls_protocols(const std::vector<std::string>& protocols);
// Why `ciphers` cannot be served with `protocols`: a name OpenSSL does not know, or no cipher
// left for any allowed protocol. Messages name the offending entry.
Result<void> check_tls_ciphers(const std::vector<std::string>& protocols, const std::vector<std::string>& ciphers);

}  // namespace logferry::net

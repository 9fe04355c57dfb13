// TLS settings of a server (syslog source, later Beats) and the OpenSSL context made from them.
// Loading happens at build time so a bad certificate is a startup error, not a runtime one.
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
  std::string ca_file;     // PEM CAs that client certificates must chain to
  bool verify_client = false;  // require and verify a client certificate (needs ca_file)
  std::vector<std::string> extra_chain_files;  // PEM intermediates sent after cert_file's chain
};

// TLS 1.2+ server context. Paths are used as given (resolve them against the config dir first).
// `key_passphrase` decrypts an encrypted key_file.
Result<std::shared_ptr<asio::ssl::context>> make_tls_server_context(const TlsServerOptions& options,
                                                                    const std::string& key_passphrase = {});

}  // namespace logferry::net

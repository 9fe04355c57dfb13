#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstring>
#include <filesystem>

namespace logferry::net {

std::string openssl_error_text() {
  unsigned long code = ERR_get_error();
  std::string text;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    text = buf;
  }
  ERR_clear_error();
  return text.empty() ? "unknown TLS error" : text;
}

namespace {

int passphrase_callback(char* buf, int size, int /*rwflag*/, void* userdata) {
  const auto* pass = static_cast<const std::string*>(userdata);
  if (pass == nullptr || size <= 0) return 0;
  int n = static_cast<int>(std::min<std::size_t>(pass->size(), static_cast<std::size_t>(size)));
  std::memcpy(buf, pass->data(), static_cast<std::size_t>(n));
  return n;
}

Unexpected<Error> tls_error(const std::string& what) {
  return unexpected(ErrorCode::kInvalidArgument, what + ": " + openssl_error_text());
}

}  // namespace

Result<std::shared_ptr<TlsContext>> TlsContext::client(const TlsClientConfig& config) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return tls_error("cannot create TLS context");
  std::shared_ptr<TlsContext> holder(new TlsContext(ctx, config.verify));
  // TLS 1.2 is the oldest version without known practical attacks; rsyslog and syslog-ng
  // default to it as well.
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Partial writes let a non-blocking writer resume where it stopped; the moving-buffer flag
  // lets it resume from a buffer that was reallocated in between.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

  if (config.verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (config.ca_files.empty()) {
      if (SSL_CTX_set_default_verify_paths(ctx) != 1) return tls_error("cannot load the system CA store");
    }
    for (const std::string& ca : config.ca_files) {
      std::error_code ec;
      bool is_dir = std::filesystem::is_directory(ca, ec);
      int ok = is_dir ? SSL_CTX_load_verify_locations(ctx, nullptr, ca.c_str())
                      : SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr);
      if (ok != 1) return tls_error("cannot load CA certificates from '" + ca + "'");
    }
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }

  if (!config.cert_file.empty()) {
    if (config.key_file.empty())
      return unexpected(ErrorCode::kInvalidArgument, "a client certificate needs its key file");
    if (SSL_CTX_use_certificate_chain_file(ctx, config.cert_file.c_str()) != 1)
      return tls_error("cannot load certificate '" + config.cert_file + "'");
    // The callback reads the passphrase only while the key is loaded; reset afterwards so the
    // context does not point at the caller's string.
    std::string passphrase = config.key_passphrase;
    SSL_CTX_set_default_passwd_cb(ctx, passphrase_callback);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, &passphrase);
    int ok = SSL_CTX_use_PrivateKey_file(ctx, config.key_file.c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
    SSL_CTX_set_default_passwd_cb(ctx, nullptr);
    if (ok != 1) return tls_error("cannot load private key '" + config.key_file + "'");
    if (SSL_CTX_check_private_key(ctx) != 1)
      return tls_error("key '" + config.key_file + "' does not match '" + config.cert_file + "'");
  }
  return holder;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

}  // namespace logferry::net

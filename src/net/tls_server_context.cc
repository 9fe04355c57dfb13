#include "net/tls_server_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <asio/ssl.hpp>

namespace logferry::net {

namespace {

// Every certificate of a PEM file joins the chain the server presents.
Result<void> add_extra_chain(asio::ssl::context& ctx, const std::string& file) {
  BIO* bio = BIO_new_file(file.c_str(), "r");
  if (bio == nullptr) return unexpected(ErrorCode::kInvalidArgument, "tls extra chain file " + file + ": cannot read");
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    SSL_CTX_add_extra_chain_cert(ctx.native_handle(), cert);  // takes ownership
    ++added;
  }
  BIO_free(bio);
  ERR_clear_error();  // the end of the file leaves a "no start line" error queued
  if (added == 0) return unexpected(ErrorCode::kInvalidArgument, "tls extra chain file " + file + ": no PEM certificate");
  return {};
}

}  // namespace

Result<std::shared_ptr<asio::ssl::context>> make_tls_server_context(const TlsServerOptions& o,
                                                                    const std::string& key_passphrase) {
  if (o.cert_file.empty() || o.key_file.empty())
    return unexpected(ErrorCode::kInvalidArgument, "tls needs cert_file and key_file");
  if (o.verify_client && o.ca_file.empty())
    return unexpected(ErrorCode::kInvalidArgument, "tls.verify_client needs tls.ca_file");
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  asio::error_code ec;
  ctx->use_certificate_chain_file(o.cert_file, ec);
  if (ec) return unexpected(ErrorCode::kInvalidArgument, "tls.cert_file " + o.cert_file + ": " + ec.message());
  if (!key_passphrase.empty()) {
    ctx->set_password_callback(
        [pass = key_passphrase](std::size_t, asio::ssl::context::password_purpose) { return pass; });
  }
  ctx->use_private_key_file(o.key_file, asio::ssl::context::pem, ec);
  if (ec) return unexpected(ErrorCode::kInvalidArgument, "tls.key_file " + o.key_file + ": " + ec.message());
  if (!o.ca_file.empty()) {
    ctx->load_verify_file(o.ca_file, ec);
    if (ec) return unexpected(ErrorCode::kInvalidArgument, "tls.ca_file " + o.ca_file + ": " + ec.message());
  }
  for (const auto& f : o.extra_chain_files)
    if (auto r = add_extra_chain(*ctx, f); !r) return unexpected(r.error());
  if (o.verify_client) {
    ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  } else {
    ctx->set_verify_mode(asio::ssl::verify_none);
  }
  return ctx;
}

}  // namespace logferry::net

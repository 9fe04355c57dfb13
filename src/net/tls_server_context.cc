#include "net/tls_server_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <optional>

#include <asio/ssl.hpp>

namespace logferry::net {

namespace {

// ---- protocols ----

struct ProtocolRange {
  int min = TLS1_2_VERSION;
  int max = TLS1_3_VERSION;
};

std::optional<int> protocol_version(const std::string& name) {
  if (name == "TLSv1.1") return TLS1_1_VERSION;
  if (name == "TLSv1.2") return TLS1_2_VERSION;
  if (name == "TLSv1.3") return TLS1_3_VERSION;
  return std::nullopt;
}

// OpenSSL takes a lowest and a highest version, so a list with a gap cannot be served.
Result<ProtocolRange> protocol_range(const std::vector<std::string>& protocols) {
  if (protocols.empty()) return ProtocolRange{};
  std::vector<int> versions;
  for (const auto& p : protocols) {
    auto v = protocol_version(p);
    if (!v) return unexpected(ErrorCode::kInvalidArgument, "unknown protocol '" + p + "' (TLSv1.1, TLSv1.2, TLSv1.3)");
    versions.push_back(*v);
  }
  std::sort(versions.begin(), versions.end());
  versions.erase(std::unique(versions.begin(), versions.end()), versions.end());
  // The TLS version numbers are consecutive integers (0x0302, 0x0303, 0x0304).
  if (versions.back() - versions.front() + 1 != static_cast<int>(versions.size()))
    return unexpected(ErrorCode::kInvalidArgument, "give consecutive versions (OpenSSL serves a range)");
  return ProtocolRange{versions.front(), versions.back()};
}

// ---- ciphers ----

struct KnownCipher {
  std::string iana, openssl;
  bool tls13;
};

constexpr const char* kAllTls13Suites =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:"
    "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256";

// Every cipher this OpenSSL has, with its IANA and its OpenSSL name.
const std::vector<KnownCipher>& known_ciphers() {
  static const std::vector<KnownCipher> all = [] {
    std::vector<KnownCipher> out;
    SSL_CTX* ctx = SSL_CTX_new(TLS_method());
    SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL");
    SSL_CTX_set_ciphersuites(ctx, kAllTls13Suites);
    STACK_OF(SSL_CIPHER)* list = SSL_CTX_get_ciphers(ctx);
    for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
      const SSL_CIPHER* c = sk_SSL_CIPHER_value(list, i);
      const char* iana = SSL_CIPHER_standard_name(c);
      out.push_back({iana ? iana : "", SSL_CIPHER_get_name(c), std::string(SSL_CIPHER_get_version(c)) == "TLSv1.3"});
    }
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return out;
  }();
  return all;
}

const KnownCipher* find_cipher(const std::string& name) {
  for (const auto& c : known_ciphers())
    if (c.iana == name || c.openssl == name) return &c;
  return nullptr;
}

// Whether OpenSSL selects at least one cipher for `spec` (e.g. "HIGH:!aNULL").
bool accepted_cipher_string(const std::string& spec) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  bool ok = SSL_CTX_set_cipher_list(ctx, spec.c_str()) == 1;
  SSL_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ":") + i;
  return out;
}

// What SSL_CTX gets: the version range, the TLS 1.2 cipher list and the TLS 1.3 suites.
struct TlsTuning {
  ProtocolRange range;
  bool set_ciphers = false;
  std::string cipher_list, ciphersuites;
};

// The ciphers split into TLS 1.2 and TLS 1.3 lists, and the range narrowed to what they serve.
Result<TlsTuning> cipher_tuning(ProtocolRange range, const std::vector<std::string>& ciphers) {
  TlsTuning t{range, !ciphers.empty(), {}, {}};
  std::vector<std::string> tls12, tls13;
  for (const auto& name : ciphers) {
    const KnownCipher* known = find_cipher(name);
    if (known && known->tls13) {
      tls13.push_back(known->iana);
    } else if (known) {
      tls12.push_back(known->openssl);
    } else if (accepted_cipher_string(name)) {
      tls12.push_back(name);
    } else {
      return unexpected(ErrorCode::kInvalidArgument, "OpenSSL knows no cipher '" + name + "'");
    }
  }
  if (!t.set_ciphers) return t;
  // A protocol none of the named ciphers belongs to cannot be negotiated: leave it out.
  if (tls12.empty()) t.range.min = std::max(t.range.min, TLS1_3_VERSION);
  if (tls13.empty()) t.range.max = std::min(t.range.max, TLS1_2_VERSION);
  if (t.range.min > t.range.max)
    return unexpected(ErrorCode::kInvalidArgument, "none of them belongs to an allowed protocol");
  t.cipher_list = join(tls12);
  t.ciphersuites = join(tls13);
  return t;
}

Result<TlsTuning> tls_tuning(const std::vector<std::string>& protocols, const std::vector<std::string>& ciphers) {
  auto range = protocol_range(protocols);
  if (!range) return unexpected(ErrorCode::kInvalidArgument, "protocols: " + range.error().message);
  auto t = cipher_tuning(*range, ciphers);
  if (!t) return unexpected(ErrorCode::kInvalidArgument, "ciphers: " + t.error().message);
  return t;
}

Result<void> apply_tuning(SSL_CTX* ctx, const TlsTuning& t) {
  SSL_CTX_set_min_proto_version(ctx, t.range.min);
  SSL_CTX_set_max_proto_version(ctx, t.range.max);
  if (!t.set_ciphers) return {};
  bool ok = (t.cipher_list.empty() || SSL_CTX_set_cipher_list(ctx, t.cipher_list.c_str()) == 1) &&
            SSL_CTX_set_ciphersuites(ctx, t.ciphersuites.c_str()) == 1;
  ERR_clear_error();
  if (!ok) return unexpected(ErrorCode::kInvalidArgument, "tls.ciphers: OpenSSL refused " + t.cipher_list + " " + t.ciphersuites);
  return {};
}

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

Result<void> load_certificate_and_key(asio::ssl::context& ctx, const TlsServerOptions& o) {
  asio::error_code ec;
  ctx.use_certificate_chain_file(o.cert_file, ec);
  if (ec) return unexpected(ErrorCode::kInvalidArgument, "tls.cert_file " + o.cert_file + ": " + ec.message());
  // Always a callback: without one OpenSSL asks for the passphrase on the terminal and waits.
  ctx.set_password_callback(
      [pass = o.key_passphrase](std::size_t, asio::ssl::context::password_purpose) { return pass; });
  ctx.use_private_key_file(o.key_file, asio::ssl::context::pem, ec);
  if (ec) {
    return unexpected(ErrorCode::kInvalidArgument, "tls.key_file " + o.key_file + ": " + ec.message() +
                                                       " (an encrypted key needs the right key_passphrase)");
  }
  return {};
}

}  // namespace

Result<void> check_tls_protocols(const std::vector<std::string>& protocols) {
  auto r = protocol_range(protocols);
  if (!r) return unexpected(r.error());
  return {};
}

Result<void> check_tls_ciphers(const std::vector<std::string>& protocols, const std::vector<std::string>& ciphers) {
  auto range = protocol_range(protocols);
  auto t = cipher_tuning(range ? *range : ProtocolRange{}, ciphers);
  if (!t) return unexpected(t.error());
  return {};
}

Result<std::shared_ptr<asio::ssl::context>> make_tls_server_context(const TlsServerOptions& o) {
  if (o.cert_file.empty() || o.key_file.empty())
    return unexpected(ErrorCode::kInvalidArgument, "tls needs cert_file and key_file");
  if (o.verify_client && o.ca_file.empty())
    return unexpected(ErrorCode::kInvalidArgument, "tls.verify_client needs tls.ca_file");
  auto tuning = tls_tuning(o.protocols, o.ciphers);
  if (!tuning) return unexpected(ErrorCode::kInvalidArgument, "tls." + tuning.error().message);
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use);
  if (auto r = apply_tuning(ctx->native_handle(), *tuning); !r) return unexpected(r.error());
  if (auto r = load_certificate_and_key(*ctx, o); !r) return unexpected(r.error());
  asio::error_code ec;
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

// The TLS server context: encrypted keys and the protocol and cipher checks, with keys made by
// the openssl CLI.
#include "net/tls_server_context.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "support/tls_test_certs.h"

namespace logferry::net {
namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TlsServerOptions encrypted_key_options(const testing::TempDir& dir, std::string passphrase) {
  TlsServerOptions o;
  o.cert_file = (dir / "server.pem").string();
  o.key_file = (dir / "server_enc.key").string();
  o.key_passphrase = std::move(passphrase);
  return o;
}

TEST(TlsServerContextTest, EncryptedKeyLoadsOnlyWithItsPassphrase) {
  testing::TempDir dir;
  testing::make_certs(dir);
  testing::make_encrypted_server_key(dir, "s3cret pass");
  auto right = make_tls_server_context(encrypted_key_options(dir, "s3cret pass"));
  EXPECT_TRUE(right) << right.error().message;
  // Wrong and missing: errors that name the key file (and no prompt on a terminal).
  for (const char* pass : {"wrong", ""}) {
    auto bad = make_tls_server_context(encrypted_key_options(dir, pass));
    ASSERT_FALSE(bad) << pass;
    EXPECT_TRUE(has(bad.error().message, "server_enc.key")) << bad.error().message;
    EXPECT_TRUE(has(bad.error().message, "key_passphrase")) << bad.error().message;
  }
}

TEST(TlsServerContextTest, ProtocolsMustBeKnownAndConsecutive) {
  EXPECT_TRUE(check_tls_protocols({}));
  EXPECT_TRUE(check_tls_protocols({"TLSv1.3"}));
  EXPECT_TRUE(check_tls_protocols({"TLSv1.3", "TLSv1.1", "TLSv1.2"}));
  auto unknown = check_tls_protocols({"TLSv1.2", "SSLv3"});
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(has(unknown.error().message, "'SSLv3'")) << unknown.error().message;
  auto gap = check_tls_protocols({"TLSv1.1", "TLSv1.3"});
  ASSERT_FALSE(gap);
  EXPECT_TRUE(has(gap.error().message, "consecutive")) << gap.error().message;
}

TEST(TlsServerContextTest, CiphersAreIanaOrOpensslNamesOrCipherStrings) {
  EXPECT_TRUE(check_tls_ciphers({}, {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"}));
  EXPECT_TRUE(check_tls_ciphers({}, {"ECDHE-RSA-AES256-GCM-SHA384"}));
  EXPECT_TRUE(check_tls_ciphers({}, {"HIGH:!aNULL"}));
  auto unknown = check_tls_ciphers({}, {"TLS_AES_256_GCM_SHA384", "NOT-A-CIPHER"});
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(has(unknown.error().message, "'NOT-A-CIPHER'")) << unknown.error().message;
  // Only TLS 1.3 suites while only TLS 1.2 is allowed: nothing could be negotiated.
  auto none = check_tls_ciphers({"TLSv1.2"}, {"TLS_AES_256_GCM_SHA384"});
  ASSERT_FALSE(none);
  EXPECT_TRUE(has(none.error().message, "allowed protocol")) << none.error().message;
  TlsServerOptions o;
  o.cert_file = "/nonexistent.pem";
  o.key_file = "/nonexistent.key";
  o.ciphers = {"NOT-A-CIPHER"};
  auto built = make_tls_server_context(o);
  ASSERT_FALSE(built);
  EXPECT_TRUE(has(built.error().message, "tls.ciphers: OpenSSL knows no cipher 'NOT-A-CIPHER'")) << built.error().message;
}

}  // namespace
}  // namespace logferry::net

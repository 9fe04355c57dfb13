// The syslog source in TLS mode with client certificates: certs made with the openssl CLI,
// clients written with Asio's TLS stream.
#include <gtest/gtest.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <thread>

#include "core/json.h"
#include "sources/syslog/syslog_source.h"
#include "support/child_process.h"
#include "support/tls_test_certs.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::sources {
namespace {

using namespace std::chrono_literals;
using testing::wait_until;

class CollectingOutput final : public SourceOutput {
 public:
  BatchPtr new_batch() override { return pool_->acquire(); }
  bool send(BatchPtr batch) override {
    std::lock_guard lock(mu_);
    for (const Event& e : batch->events()) append_json(text_, e), text_ += '\n';
    count_ += batch->size();
    return true;
  }
  std::size_t count() {
    std::lock_guard lock(mu_);
    return count_;
  }
  std::string text() {
    std::lock_guard lock(mu_);
    return text_;
  }

 private:
  std::shared_ptr<BatchPool> pool_ = BatchPool::create();
  std::mutex mu_;
  std::string text_;
  std::size_t count_ = 0;
};

using testing::make_certs;
using testing::send_tls;

TEST(SyslogTlsTest, MutualTlsAcceptsOnlyClientsWithCertificates) {
  testing::TempDir dir;
  make_certs(dir);
  Metrics metrics;
  BuildContext bctx{"tls_test", metrics, {}, dir.path(), "node1"};
  SyslogSource::Options o;
  o.mode = "tls";
  o.address = "127.0.0.1:0";
  o.tls.cert_file = "server.pem";  // relative: resolved against the config dir
  o.tls.key_file = "server.key";
  o.tls.ca_file = "ca.pem";
  o.tls.verify_client = true;
  auto built = SyslogSource::build(o, bctx);
  ASSERT_TRUE(built) << built.error().message;
  auto* source = static_cast<SyslogSource*>(built->get());
  CollectingOutput out;
  std::jthread thread([&](std::stop_token st) {
    SourceContext sc{"tls_test", st, out};
    source->run(sc);
  });
  Labels l{{"component", "tls_test"}};
  uint16_t port = source->port();

  // Plain text on the TLS port: a failed handshake, counted, nothing delivered.
  {
    asio::io_context io;
    asio::ip::tcp::socket plain(io);
    plain.connect({asio::ip::make_address("127.0.0.1"), port});
    asio::write(plain, asio::buffer(std::string("<13>Oct 11 22:14:15 h app: plain text\n")));
    ASSERT_TRUE(wait_until([&] { return metrics.value("logferry_syslog_tls_handshake_failures_total", l) == 1; },
                           5s, "plain rejected"));
  }
  send_tls(port, dir, /*with_cert=*/false, "<13>Oct 11 22:14:15 h app: no cert\n");
  ASSERT_TRUE(wait_until([&] { return metrics.value("logferry_syslog_tls_handshake_failures_total", l) == 2; },
                         5s, "certless client rejected"));
  ASSERT_TRUE(send_tls(port, dir, /*with_cert=*/true,
                       "<13>Oct 11 22:14:15 h app: over mtls 1\n31 <13>Oct 11 22:14:15 h a: mtls 2"));
  ASSERT_TRUE(wait_until([&] { return out.count() == 2; }, 5s, "2 events")) << out.text();
  std::string text = out.text();
  EXPECT_NE(text.find("\"message\":\"over mtls 1\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"message\":\"mtls 2\""), std::string::npos) << text;
  EXPECT_EQ(text.find("plain text"), std::string::npos);
  EXPECT_EQ(text.find("no cert"), std::string::npos);
  thread.request_stop();
  source->interrupt();
}

TEST(SyslogTlsTest, MissingCertificateIsABuildError) {
  testing::TempDir dir;
  Metrics metrics;
  BuildContext bctx{"tls_test", metrics, {}, dir.path(), "node1"};
  SyslogSource::Options o;
  o.mode = "tls";
  o.address = "127.0.0.1:0";
  o.tls.cert_file = "nope.pem";
  o.tls.key_file = "nope.key";
  auto built = SyslogSource::build(o, bctx);
  ASSERT_FALSE(built);
  EXPECT_NE(built.error().message.find("nope.pem"), std::string::npos) << built.error().message;
}

// The shared TLS server settings on mode tls: an encrypted key with its passphrase, TLS 1.3
// only (the real openssl s_client with -tls1_2 is refused), and a syslog line over TLS 1.3.
TEST(SyslogTlsTest, EncryptedKeyAndTls13Only) {
  testing::TempDir dir;
  make_certs(dir);
  testing::make_encrypted_server_key(dir, "syslog-pw");
  Metrics metrics;
  BuildContext bctx{"tls_test", metrics, {}, dir.path(), "node1"};
  SyslogSource::Options o;
  o.mode = "tls";
  o.address = "127.0.0.1:0";
  o.tls.cert_file = "server.pem";
  o.tls.key_file = "server_enc.key";
  o.tls.key_passphrase = "syslog-pw";
  o.tls.protocols = {"TLSv1.3"};
  auto built = SyslogSource::build(o, bctx);
  ASSERT_TRUE(built) << built.error().message;
  auto* source = static_cast<SyslogSource*>(built->get());
  CollectingOutput out;
  std::jthread thread([&](std::stop_token st) {
    SourceContext sc{"tls_test", st, out};
    source->run(sc);
  });
  std::string log;
  EXPECT_FALSE(testing::openssl_handshake(source->port(), {"-tls1_2"}, &log)) << log;
  EXPECT_TRUE(testing::openssl_handshake(source->port(), {"-tls1_3"}, &log)) << log;
  EXPECT_TRUE(send_tls(source->port(), dir, false, "<13>1 2024-01-01T00:00:00Z h app - - - over 1.3\n"));
  EXPECT_TRUE(wait_until([&] { return out.count() == 1; }, 5s, "the message"));
  EXPECT_NE(out.text().find("over 1.3"), std::string::npos) << out.text();
  thread.request_stop();
  source->interrupt();
}

}  // namespace
}  // namespace logferry::sources

#include "support/tls_test_certs.h"

#include <gtest/gtest.h>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "support/child_process.h"

namespace logferry::testing {

namespace {

void openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/openssl");
  std::string out;
  ASSERT_EQ(run_command(args, &out), 0) << out;
}

}  // namespace

void make_chain_certs(const TempDir& dir) {
  std::string d = dir.path().string();
  dir.write("ca_ext.cnf", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
  openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=test-intermediate", "-keyout",
           d + "/chain.key", "-out", d + "/chain.csr"});
  openssl({"x509", "-req", "-in", d + "/chain.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key",
           "-CAcreateserial", "-days", "2", "-extfile", d + "/ca_ext.cnf", "-out", d + "/chain.pem"});
  openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=leaf", "-keyout", d + "/leaf.key",
           "-out", d + "/leaf.csr"});
  openssl({"x509", "-req", "-in", d + "/leaf.csr", "-CA", d + "/chain.pem", "-CAkey", d + "/chain.key",
           "-CAcreateserial", "-days", "2", "-out", d + "/leaf.pem"});
}

void make_certs(const TempDir& dir) {
  std::string d = dir.path().string();
  openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
           "-keyout", d + "/ca.key", "-out", d + "/ca.pem"});
  for (std::string who : {"server", "client"}) {
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + who, "-keyout",
             d + "/" + who + ".key", "-out", d + "/" + who + ".csr"});
    openssl({"x509", "-req", "-in", d + "/" + who + ".csr", "-CA", d + "/ca.pem", "-CAkey",
             d + "/ca.key", "-CAcreateserial", "-days", "2", "-out", d + "/" + who + ".pem"});
  }
}

void make_encrypted_server_key(const TempDir& dir, const std::string& passphrase) {
  std::string d = dir.path().string();
  openssl({"pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", d + "/server.key", "-out", d + "/server_enc.key",
           "-passout", "pass:" + passphrase});
}

bool openssl_handshake(uint16_t port, const std::vector<std::string>& args, std::string* log) {
  std::vector<std::string> argv{"/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  int rc = run_command(argv, &out);  // stdin is /dev/null: s_client ends after the handshake
  if (log) *log = out;
  return rc == 0;
}

// With TLS 1.3 a rejected client certificate shows only on the server side: callers check the
// server's metrics too.
bool send_tls(uint16_t port, const TempDir& dir, bool with_cert, const std::string& data,
              const std::string& in_clear) {
  asio::io_context io;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file((dir / "ca.pem").string());
  ctx.set_verify_mode(asio::ssl::verify_peer);
  if (with_cert) {
    ctx.use_certificate_chain_file((dir / "client.pem").string());
    ctx.use_private_key_file((dir / "client.key").string(), asio::ssl::context::pem);
  }
  asio::ssl::stream<asio::ip::tcp::socket> s(io, ctx);
  asio::error_code ec;
  s.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return false;
  if (!in_clear.empty()) asio::write(s.next_layer(), asio::buffer(in_clear), ec);
  if (ec) return false;
  s.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return false;
  asio::write(s, asio::buffer(data), ec);
  if (ec) return false;
  s.shutdown(ec);
  return true;
}

}  // namespace logferry::testing

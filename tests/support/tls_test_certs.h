// Test certificates made with the openssl CLI, and a TLS client written with Asio's stream.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace logferry::testing {

// ca.pem/.key, and server.pem/.key and client.pem/.key signed by it, in `dir`.
void make_certs(const TempDir& dir);
// After make_certs: chain.pem (an intermediate CA signed by ca) and leaf.pem/.key signed by it.
void make_chain_certs(const TempDir& dir);
// After make_certs: server_enc.key, server.key encrypted (PKCS#8, AES-256-CBC) with `passphrase`.
void make_encrypted_server_key(const TempDir& dir, const std::string& passphrase);
// Whether the real `openssl s_client` completes a handshake with 127.0.0.1:port, with `args`
// added (e.g. {"-tls1_2"} or {"-ciphersuites", "TLS_AES_128_GCM_SHA256"}); its output in `log`.
bool openssl_handshake(uint16_t port, const std::vector<std::string>& args, std::string* log = nullptr);
// Connects with TLS, trusting dir/ca.pem (presenting dir/client.pem when with_cert), and
// sends `data`. `in_clear` goes first, before the handshake, on the same socket: a PROXY
// protocol header, as HAProxy's send-proxy and AWS NLBs write it. False when the handshake or
// a write fails.
bool send_tls(uint16_t port, const TempDir& dir, bool with_cert, const std::string& data,
              const std::string& in_clear = "");

}  // namespace logferry::testing

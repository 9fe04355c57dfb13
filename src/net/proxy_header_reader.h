// Reads the PROXY protocol header (net/proxy_protocol.h) off a freshly accepted socket, before
// anything else reads it. Behind HAProxy's send-proxy or an AWS NLB the header comes in clear,
// ahead of the TLS ClientHello, so it must be taken before the handshake starts, and not one
// byte more: the reader peeks (MSG_PEEK) and then takes exactly the header's bytes, leaving the
// stream behind it (TLS records or plain data) in the kernel for whoever reads next.
//
// Bounded: at most kMaxProxyHeaderBytes, and `timeout` for the whole header. A header that is
// malformed, too long, cut short by the peer closing, or late ends the read with no header and
// a call to on_error (the caller closes the connection). A peer that closes without sending a
// byte (a TCP port check) is not an error.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "net/proxy_protocol.h"

namespace logferry::net {

struct ProxyHeaderOptions {
  bool enabled = false;  // each accepted connection starts with a PROXY header
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  // A connection whose header is bad, cut short or late: its peer's address and why. Called
  // on the socket's io thread, before `done`.
  std::function<void(const std::string& peer_ip, const std::string& why)> on_error;
};

// `done` gets the header, or nothing: it failed (see above), or the socket was closed or
// cancelled meanwhile (then on_error is not called). It runs on the socket's executor; the
// socket must outlive the read (keep its owner alive in `done`).
using ProxyHeaderDone = std::function<void(std::optional<ProxyHeader>)>;
void async_read_proxy_header(asio::ip::tcp::socket& socket, const ProxyHeaderOptions& options,
                             std::string peer_ip, ProxyHeaderDone done);

}  // namespace logferry::net

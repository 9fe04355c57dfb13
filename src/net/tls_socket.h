// TlsSocket: the server side of a TLS session over a TCP socket, where OpenSSL reads and writes
// the (non-blocking) fd itself and Asio only waits for it to be ready. Unlike asio::ssl::stream,
// which feeds OpenSSL through a memory BIO and keeps encrypted bytes in buffers of its own, every
// byte read from the kernel is inside the SSL object (a record read in part, plaintext not yet
// returned). So a session can leave its io_context and go on in another one: release() gives
// the SSL object away, with its keys and everything it buffered, and the fd goes with it (the
// reload's handover, runtime/socket_handover.h).
//
// One read and one write may be outstanding at a time (TcpServer's connections do that);
// handlers run on the socket's executor, never inside the call that starts the operation.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <cstddef>
#include <functional>
#include <memory>

namespace logferry::net {

// A TLS session that outlives its TlsSocket (it owns the SSL object, not the fd).
using TlsSession = std::shared_ptr<ssl_st>;

class TlsSocket {
 public:
  using Handler = std::function<void(asio::error_code, std::size_t)>;

  // A new session on an accepted socket.
  TlsSocket(asio::ip::tcp::socket socket, asio::ssl::context& context);
  // A session released by another TlsSocket; `socket` holds the fd it was made for.
  TlsSocket(asio::ip::tcp::socket socket, TlsSession session);

  asio::ip::tcp::socket& next_layer() { return socket_; }
  // Completes at once (but not inline) when a handed-over session had finished its handshake.
  void async_handshake(asio::ssl::stream_base::handshake_type, std::function<void(asio::error_code)> done);
  // Plaintext the session holds comes first; then what the socket brings.
  void async_read_some(asio::mutable_buffer into, Handler done);
  // Sends all of `data` (which must stay valid until `done`).
  void async_write(asio::const_buffer data, Handler done);
  // The session, for the next owner of the fd; this socket is unusable afterwards.
  TlsSession release_session() { return std::move(session_); }

 private:
  using Attempt = std::function<int(std::size_t* done_bytes)>;
  void drive(Attempt attempt, Handler done, bool wait_through_cancel);
  void finish(Handler done, asio::error_code ec, std::size_t n);
  void write_from(asio::const_buffer data, std::size_t sent, Handler done);

  asio::ip::tcp::socket socket_;
  TlsSession session_;
};

}  // namespace logferry::net

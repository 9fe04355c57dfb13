#include "net/tls_socket.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>

namespace logferry::net {

using asio::ip::tcp;

namespace {

// What a failed SSL call means for the caller: end of stream, or an error to close on.
asio::error_code error_of(int ssl_error, int saved_errno) {
  if (ssl_error == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
  if (ssl_error == SSL_ERROR_SYSCALL)
    return saved_errno ? asio::error_code(saved_errno, asio::error::get_system_category())
                       : asio::error_code(asio::error::eof);
  unsigned long e = ERR_get_error();
  if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return asio::error::eof;
  return asio::error_code(static_cast<int>(e ? e : 1), asio::error::get_ssl_category());
}

}  // namespace

TlsSocket::TlsSocket(tcp::socket socket, asio::ssl::context& context)
    : socket_(std::move(socket)), session_(SSL_new(context.native_handle()), SSL_free) {
  asio::error_code ec;
  socket_.native_non_blocking(true, ec);  // OpenSSL reads the fd: it must never block the loop
  SSL* ssl = session_.get();
  if (!ssl) return;  // the handshake fails
  SSL_set_fd(ssl, socket_.native_handle());  // does not close the fd
  SSL_set_accept_state(ssl);
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                        SSL_MODE_RELEASE_BUFFERS);
  // Whole socket reads instead of two per record; what is read ahead stays in the session.
  SSL_set_read_ahead(ssl, 1);
}

TlsSocket::TlsSocket(tcp::socket socket, TlsSession session)
    : socket_(std::move(socket)), session_(std::move(session)) {
  asio::error_code ec;
  socket_.native_non_blocking(true, ec);
}

void TlsSocket::async_handshake(asio::ssl::stream_base::handshake_type,
                                std::function<void(asio::error_code)> done) {
  SSL* ssl = session_.get();
  drive([ssl](std::size_t*) { return SSL_do_handshake(ssl); },
        [done = std::move(done)](asio::error_code ec, std::size_t) { done(ec); }, false);
}

void TlsSocket::async_read_some(asio::mutable_buffer into, Handler done) {
  SSL* ssl = session_.get();
  drive([ssl, into](std::size_t* n) { return SSL_read_ex(ssl, into.data(), into.size(), n); },
        std::move(done), false);
}

void TlsSocket::async_write(asio::const_buffer data, Handler done) { write_from(data, 0, std::move(done)); }

void TlsSocket::write_from(asio::const_buffer data, std::size_t sent, Handler done) {
  SSL* ssl = session_.get();
  const char* at = static_cast<const char*>(data.data()) + sent;
  std::size_t left = data.size() - sent;
  // A write outlives a reload's hold() (acks go out before the handover): it waits on
  // through the cancel that stops the reads.
  drive([ssl, at, left](std::size_t* n) { return SSL_write_ex(ssl, at, left, n); },
        [this, data, sent, done = std::move(done)](asio::error_code ec, std::size_t n) mutable {
          if (ec || sent + n >= data.size()) return done(ec, ec ? sent : data.size());
          write_from(data, sent + n, std::move(done));
        },
        true);
}

// One SSL call; when it wants the socket readable or writable, again once it is.
void TlsSocket::drive(Attempt attempt, Handler done, bool wait_through_cancel) {
  SSL* ssl = session_.get();
  if (!ssl || !socket_.is_open()) return finish(std::move(done), asio::error::bad_descriptor, 0);
  ERR_clear_error();
  errno = 0;
  std::size_t n = 0;
  int r = attempt(&n);
  if (r > 0) return finish(std::move(done), {}, n);
  int saved_errno = errno;
  int err = SSL_get_error(ssl, r);
  if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
    return finish(std::move(done), error_of(err, saved_errno), 0);
  auto wait = err == SSL_ERROR_WANT_READ ? tcp::socket::wait_read : tcp::socket::wait_write;
  socket_.async_wait(wait, [this, attempt = std::move(attempt), done = std::move(done),
                            wait_through_cancel](asio::error_code e) mutable {
    bool cancelled_only = e == asio::error::operation_aborted && socket_.is_open() && session_;
    if (e && !(cancelled_only && wait_through_cancel)) return done(e, 0);
    drive(std::move(attempt), std::move(done), wait_through_cancel);
  });
}

void TlsSocket::finish(Handler done, asio::error_code ec, std::size_t n) {
  asio::post(socket_.get_executor(), [done = std::move(done), ec, n] { done(ec, n); });
}

}  // namespace logferry::net

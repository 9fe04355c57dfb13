#include "net/tcp_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace logferry::net {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollSlice = std::chrono::milliseconds(100);

Unexpected<Error> unavailable(std::string message) {
  return unexpected(ErrorCode::kUnavailable, std::move(message));
}

std::string errno_text(int err) { return std::strerror(err); }

bool is_ip_literal(const std::string& host) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

}  // namespace

Result<void> TcpClient::wait_for(Wait what, Clock::time_point deadline, const std::stop_token& stop,
                                 const char* doing) {
  while (true) {
    if (stop.stop_requested()) return unavailable(std::string(doing) + " to " + peer_ + ": stopping");
    auto now = Clock::now();
    if (now >= deadline) return unavailable(std::string(doing) + " to " + peer_ + ": timed out");
    auto slice = std::min<Clock::duration>(kPollSlice, deadline - now);
    pollfd p{fd_, static_cast<short>(what == Wait::kReadable ? POLLIN : POLLOUT), 0};
    int r = ::poll(&p, 1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(slice).count()));
    if (r < 0) {
      if (errno == EINTR) continue;
      return unavailable(std::string(doing) + ": poll: " + errno_text(errno));
    }
    if (r > 0) return {};  // ready, or an error/hangup the next call will report
  }
}

Result<void> TcpClient::connect_address(const void* addr, unsigned len, Clock::time_point deadline,
                                        const std::stop_token& stop) {
  const auto* sa = static_cast<const sockaddr*>(addr);
  fd_ = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return unavailable("socket: " + errno_text(errno));
  int one = 1;
  // Batches are written whole; Nagle would only delay the last segment of each.
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  // Keepalive notices a peer that vanished without a FIN/RST on an idle connection.
  ::setsockopt(fd_, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
  if (::connect(fd_, sa, len) != 0 && errno != EINPROGRESS) {
    int err = errno;
    close();
    return unavailable("connect to " + peer_ + ": " + errno_text(err));
  }
  if (auto w = wait_for(Wait::kWritable, deadline, stop, "connect"); !w) {
    close();
    return w;
  }
  int err = 0;
  socklen_t err_len = sizeof(err);
  ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &err_len);
  if (err != 0) {
    close();
    return unavailable("connect to " + peer_ + ": " + errno_text(err));
  }
  return {};
}

Result<void> TcpClient::connect(const Options& options, const std::stop_token& stop) {
  close();
  peer_ = options.host + ":" + std::to_string(options.port);
  write_timeout_ = options.write_timeout;
  auto deadline = Clock::now() + options.connect_timeout;

  dns_failed_ = false;
  Resolver& resolver = options.resolver ? *options.resolver : *Resolver::system();
  auto addresses = resolver.resolve(options.host, options.port, SOCK_STREAM, deadline, stop);
  if (!addresses) {
    dns_failed_ = !stop.stop_requested();
    return unexpected(addresses.error());
  }
  Result<void> last = unavailable("no address for " + options.host);
  for (const SocketAddress& a : *addresses) {
    last = connect_address(a.get(), a.len, deadline, stop);
    if (last) break;
  }
  if (!last) return last;

  if (options.tls) {
    if (auto h = handshake(options, deadline, stop); !h) {
      close();
      return h;
    }
  }
  return {};
}

Result<void> TcpClient::handshake(const Options& options, Clock::time_point deadline,
                                  const std::stop_token& stop) {
  ssl_ = SSL_new(options.tls->native());
  if (ssl_ == nullptr) return unavailable("SSL_new: " + openssl_error_text());
  SSL_set_fd(ssl_, fd_);
  const std::string& name = options.server_name.empty() ? options.host : options.server_name;
  bool ip = is_ip_literal(name);
  if (!ip) SSL_set_tlsext_host_name(ssl_, name.c_str());  // SNI carries DNS names only
  if (options.tls->verify()) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    if (ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      SSL_set1_host(ssl_, name.c_str());
    }
  }
  while (true) {
    ERR_clear_error();
    int r = SSL_connect(ssl_);
    if (r == 1) return {};
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (auto w = wait_for(e == SSL_ERROR_WANT_READ ? Wait::kReadable : Wait::kWritable, deadline,
                            stop, "TLS handshake");
          !w)
        return w;
      continue;
    }
    long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK)
      return unexpected(ErrorCode::kUnavailable, "TLS handshake with " + peer_ +
                                                     ": certificate rejected: " +
                                                     X509_verify_cert_error_string(verify));
    std::string detail = e == SSL_ERROR_SYSCALL ? errno_text(errno) : openssl_error_text();
    return unavailable("TLS handshake with " + peer_ + ": " + detail);
  }
}

bool TcpClient::peer_closed(std::string* received) {
  if (fd_ < 0) return true;
  char buf[4096];
  while (true) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int r = SSL_read(ssl_, buf, sizeof(buf));
      if (r > 0) {  // TLS 1.3 tickets are handled inside and never show up here
        if (received != nullptr) received->append(buf, static_cast<std::size_t>(r));
        continue;
      }
      int e = SSL_get_error(ssl_, r);
      return !(e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE);
    }
    ssize_t r = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (r > 0) {
      if (received != nullptr) received->append(buf, static_cast<std::size_t>(r));
      continue;
    }
    if (r == 0) return true;  // FIN
    if (errno == EINTR) continue;
    return !(errno == EAGAIN || errno == EWOULDBLOCK);  // RST and friends
  }
}

Result<void> TcpClient::write_all(std::string_view data, const std::stop_token& stop) {
  if (fd_ < 0) return unavailable("not connected to " + peer_);
  std::size_t off = 0;
  auto deadline = Clock::now() + write_timeout_;
  while (off < data.size()) {
    std::size_t chunk = data.size() - off;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int n = SSL_write(ssl_, data.data() + off,
                        static_cast<int>(std::min<std::size_t>(chunk, 1u << 30)));
      if (n > 0) {
        off += static_cast<std::size_t>(n);
        deadline = Clock::now() + write_timeout_;  // progress resets the stall timer
        continue;
      }
      int e = SSL_get_error(ssl_, n);
      if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
        if (auto w = wait_for(e == SSL_ERROR_WANT_READ ? Wait::kReadable : Wait::kWritable,
                              deadline, stop, "write");
            !w)
          return w;
        continue;
      }
      std::string detail = e == SSL_ERROR_SYSCALL ? errno_text(errno) : openssl_error_text();
      return unavailable("TLS write to " + peer_ + ": " + detail);
    }
    ssize_t n = ::send(fd_, data.data() + off, chunk, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      deadline = Clock::now() + write_timeout_;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (auto w = wait_for(Wait::kWritable, deadline, stop, "write"); !w) return w;
      continue;
    }
    return unavailable("write to " + peer_ + ": " + errno_text(errno));
  }
  return {};
}

Result<std::size_t> TcpClient::read_some(std::string& out, std::chrono::milliseconds timeout,
                                         const std::stop_token& stop) {
  if (fd_ < 0) return unavailable("not connected to " + peer_);
  auto deadline = Clock::now() + timeout;
  char buf[16384];
  while (true) {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      int n = SSL_read(ssl_, buf, sizeof(buf));
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
        return static_cast<std::size_t>(n);
      }
      int e = SSL_get_error(ssl_, n);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (auto w = wait_for(e == SSL_ERROR_WANT_READ ? Wait::kReadable : Wait::kWritable, deadline,
                              stop, "read");
            !w)
          return unexpected(w.error());
        continue;
      }
      return unavailable("TLS read from " + peer_ + ": connection closed");
    }
    ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      return static_cast<std::size_t>(n);
    }
    if (n == 0) return unavailable("read from " + peer_ + ": connection closed");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (auto w = wait_for(Wait::kReadable, deadline, stop, "read"); !w) return unexpected(w.error());
      continue;
    }
    return unavailable("read from " + peer_ + ": " + errno_text(errno));
  }
}

void TcpClient::quick_ack() {
  if (fd_ < 0) return;
  int one = 1;
  // Linux clears TCP_QUICKACK again by itself, so it is set after each read.
  ::setsockopt(fd_, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

void TcpClient::close() {
  if (ssl_ != nullptr) {
    // A best-effort close_notify; the socket is non-blocking, so this never waits.
    SSL_shutdown(ssl_);
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace logferry::net

#include "net/udp_client.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace logferry::net {

Result<void> UdpClient::open(const std::string& host, uint16_t port, const std::stop_token& stop,
                             std::chrono::milliseconds timeout, Resolver* resolver) {
  close();
  dns_failed_ = false;
  Resolver& r = resolver != nullptr ? *resolver : *Resolver::system();
  auto addresses = r.resolve(host, port, SOCK_DGRAM, Resolver::Clock::now() + timeout, stop);
  if (!addresses) {
    dns_failed_ = !stop.stop_requested();
    return unexpected(addresses.error());
  }
  std::string last_error = "no address for " + host;
  for (const SocketAddress& a : *addresses) {
    fd_ = ::socket(a.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      last_error = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    if (::connect(fd_, a.get(), a.len) == 0) break;
    last_error = "connect " + a.to_string() + ": " + std::strerror(errno);
    close();
  }
  if (fd_ < 0) return unexpected(ErrorCode::kUnavailable, last_error);
  return {};
}

void UdpClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<void> UdpClient::send_datagrams(std::span<const std::string_view> datagrams, std::size_t& sent) {
  sent = 0;
  if (fd_ < 0) return unexpected(ErrorCode::kUnavailable, "UDP socket not open");
  if (headers_.size() < datagrams.size()) {
    headers_.resize(datagrams.size());
    iovecs_.resize(datagrams.size());
  }
  for (std::size_t i = 0; i < datagrams.size(); ++i) {
    iovecs_[i].iov_base = const_cast<char*>(datagrams[i].data());
    iovecs_[i].iov_len = datagrams[i].size();
    headers_[i] = mmsghdr{};
    headers_[i].msg_hdr.msg_iov = &iovecs_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
  }
  int full_waits = 0;
  while (sent < datagrams.size()) {
    // sendmmsg takes at most UIO_MAXIEV (1024) messages per call.
    unsigned n = static_cast<unsigned>(std::min<std::size_t>(datagrams.size() - sent, 1024));
    int r = ::sendmmsg(fd_, headers_.data() + sent, n, 0);
    if (r > 0) {
      sent += static_cast<std::size_t>(r);
      full_waits = 0;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) && full_waits < 10) {
      ++full_waits;
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, 100);
      continue;
    }
    return unexpected(ErrorCode::kUnavailable, std::string("UDP send: ") + std::strerror(errno));
  }
  return {};
}

}  // namespace logferry::net

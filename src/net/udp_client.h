// UdpClient: a connected UDP socket that sends many datagrams per syscall (sendmmsg).
// Connected, so the kernel reports ICMP port-unreachable from the peer as ECONNREFUSED on a
// later send: the one sign a UDP receiver is down.
//
// Example:
//   UdpClient u;
//   u.open("127.0.0.1", 514);
//   std::vector<std::string_view> datagrams = ...;
//   std::size_t sent = 0;
//   if (auto r = u.send_datagrams(datagrams, sent); !r) ... datagrams[sent..] were not sent
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "net/resolver.h"

namespace logferry::net {

class UdpClient {
 public:
  UdpClient() = default;
  ~UdpClient() { close(); }
  UdpClient(const UdpClient&) = delete;
  UdpClient& operator=(const UdpClient&) = delete;

  // Resolves host (again on every call; null resolver: Resolver::system()) within `timeout`,
  // and connects to the first address that takes it. dns_failed() after a failed name lookup.
  Result<void> open(const std::string& host, uint16_t port, const std::stop_token& stop = {},
                    std::chrono::milliseconds timeout = std::chrono::seconds(10),
                    Resolver* resolver = nullptr);
  bool dns_failed() const { return dns_failed_; }
  bool is_open() const { return fd_ >= 0; }
  void close();

  // Sends datagrams in order, as many per syscall as the kernel takes, waiting (up to about a
  // second) while the socket buffer is full. `sent` counts those that went out, also on error.
  // An ECONNREFUSED error reports that the peer refused an EARLIER datagram (it is down).
  Result<void> send_datagrams(std::span<const std::string_view> datagrams, std::size_t& sent);
  // Largest datagram the socket may send (IPv4: 65507).
  static constexpr std::size_t kMaxDatagram = 65507;

 private:
  int fd_ = -1;
  bool dns_failed_ = false;
  std::vector<mmsghdr> headers_;  // reused: no allocation per batch once grown
  std::vector<iovec> iovecs_;
};

}  // namespace logferry::net

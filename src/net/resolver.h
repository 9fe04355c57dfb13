// Resolver: host name -> socket addresses, without blocking the caller past its deadline or a
// stop request. getaddrinfo() itself cannot be interrupted, so the system resolver runs it on a
// helper thread and the caller waits on the outcome in slices; a lookup that outlives its caller
// finishes in the background and is discarded. IP literals are converted in place (no thread).
//
// Clients resolve on every (re)connect, so a name whose address changed (a Kubernetes Service,
// a DNS failover) is followed without a restart. Tests inject their own Resolver.
//
// Example:
//   auto r = Resolver::system()->resolve("logs.example", 514, SOCK_STREAM, deadline, stop);
//   if (!r) ... r.error().message (counted as a DNS error; retried with backoff)
//   for (const SocketAddress& a : *r) ::connect(fd, a.get(), a.len);
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "core/result.h"

namespace logferry::net {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t len = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
  // "1.2.3.4:514" / "[::1]:514"
  std::string to_string() const;
  static SocketAddress from(const sockaddr* sa, socklen_t len);
};

class Resolver {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~Resolver() = default;
  // Addresses of host for `socktype` (SOCK_STREAM / SOCK_DGRAM), in getaddrinfo's order.
  // Errors are kUnavailable: name unknown, resolver failure, deadline passed, stop requested.
  virtual Result<std::vector<SocketAddress>> resolve(const std::string& host, uint16_t port,
                                                     int socktype, Clock::time_point deadline,
                                                     const std::stop_token& stop) = 0;
  // getaddrinfo on a helper thread; shared, stateless.
  static std::shared_ptr<Resolver> system();
  // A blocking lookup (returns 0 or a getaddrinfo EAI_* code) run on a helper thread per
  // resolve, as system() runs getaddrinfo. For tests of the waiting (a lookup that hangs).
  using BlockingLookup = std::function<int(const std::string& host, uint16_t port, int socktype,
                                           std::vector<SocketAddress>& out)>;
  static std::shared_ptr<Resolver> threaded(BlockingLookup lookup);
};

// Parses an IPv4/IPv6 literal; false for a host name.
bool parse_ip_literal(const std::string& host, uint16_t port, SocketAddress& out);

}  // namespace logferry::net

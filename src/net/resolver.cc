#include "net/resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace logferry::net {

namespace {

// What the helper thread hands back; shared so a caller that gave up leaves it safely behind.
struct Lookup {
  std::mutex mu;
  std::condition_variable_any done_cv;
  bool done = false;
  int gai = 0;
  std::vector<SocketAddress> addresses;
};

int blocking_getaddrinfo(const std::string& host, uint16_t port, int socktype, std::vector<SocketAddress>& out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  addrinfo* list = nullptr;
  std::string port_text = std::to_string(port);
  int gai = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &list);
  for (addrinfo* ai = gai == 0 ? list : nullptr; ai != nullptr; ai = ai->ai_next)
    out.push_back(SocketAddress::from(ai->ai_addr, ai->ai_addrlen));
  if (list != nullptr) ::freeaddrinfo(list);
  return gai;
}

class ThreadedResolver final : public Resolver {
 public:
  explicit ThreadedResolver(BlockingLookup lookup) : lookup_(std::move(lookup)) {}

  Result<std::vector<SocketAddress>> resolve(const std::string& host, uint16_t port, int socktype,
                                             Clock::time_point deadline,
                                             const std::stop_token& stop) override {
    SocketAddress literal;
    if (parse_ip_literal(host, port, literal)) return std::vector<SocketAddress>{literal};
    auto lookup = std::make_shared<Lookup>();
    std::thread([lookup, fn = lookup_, host, port, socktype] {
      std::vector<SocketAddress> out;
      int gai = fn(host, port, socktype, out);
      std::lock_guard lock(lookup->mu);
      lookup->gai = gai;
      lookup->addresses = std::move(out);
      lookup->done = true;
      lookup->done_cv.notify_all();
    }).detach();
    std::unique_lock lock(lookup->mu);
    lookup->done_cv.wait_until(lock, stop, deadline, [&] { return lookup->done; });
    if (!lookup->done) {
      return unexpected(ErrorCode::kUnavailable,
                        "resolve " + host + ": " + (stop.stop_requested() ? "stopping" : "timed out"));
    }
    if (lookup->gai != 0)
      return unexpected(ErrorCode::kUnavailable, "resolve " + host + ": " + gai_strerror(lookup->gai));
    if (lookup->addresses.empty()) return unexpected(ErrorCode::kUnavailable, "resolve " + host + ": no address");
    return std::move(lookup->addresses);
  }

 private:
  BlockingLookup lookup_;
};

}  // namespace

SocketAddress SocketAddress::from(const sockaddr* sa, socklen_t len) {
  SocketAddress a;
  a.len = std::min<socklen_t>(len, sizeof(a.storage));
  std::memcpy(&a.storage, sa, a.len);
  return a;
}

std::string SocketAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    port = ntohs(in->sin_port);
    return std::string(text) + ":" + std::to_string(port);
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
  inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
  port = ntohs(in6->sin6_port);
  return "[" + std::string(text) + "]:" + std::to_string(port);
}

bool parse_ip_literal(const std::string& host, uint16_t port, SocketAddress& out) {
  sockaddr_in in{};
  if (inet_pton(AF_INET, host.c_str(), &in.sin_addr) == 1) {
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    out = SocketAddress::from(reinterpret_cast<const sockaddr*>(&in), sizeof(in));
    return true;
  }
  sockaddr_in6 in6{};
  if (inet_pton(AF_INET6, host.c_str(), &in6.sin6_addr) == 1) {
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    out = SocketAddress::from(reinterpret_cast<const sockaddr*>(&in6), sizeof(in6));
    return true;
  }
  return false;
}

std::shared_ptr<Resolver> Resolver::system() {
  static const std::shared_ptr<Resolver> instance = threaded(blocking_getaddrinfo);
  return instance;
}

std::shared_ptr<Resolver> Resolver::threaded(BlockingLookup lookup) {
  return std::make_shared<ThreadedResolver>(std::move(lookup));
}

}  // namespace logferry::net

#include "runtime/listener_registry.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace logferry::runtime {

namespace {

std::string peer_ip_of(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, ip, sizeof ip);
  if (ss.ss_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, ip, sizeof ip);
  return ip;
}

// Reads a parked UDP socket into `held` until stopped or kMaxHeldBytes are held.
void keep_datagrams(int fd, std::vector<HeldDatagram>& held, const std::stop_token& stop) {
  std::vector<char> buf(ListenerRegistry::kMaxDatagram);
  std::size_t bytes = 0;
  while (!stop.stop_requested() && bytes < ListenerRegistry::kMaxHeldBytes) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), MSG_DONTWAIT | MSG_TRUNC,
                           reinterpret_cast<sockaddr*>(&peer), &len);
    if (n < 0) continue;
    auto size = std::min(static_cast<std::size_t>(n), buf.size());
    held.push_back({std::string(buf.data(), size), peer_ip_of(peer), static_cast<std::size_t>(n) > buf.size()});
    bytes += size + 64;
  }
}

}  // namespace

// A parked socket, and for UDP the thread that reads it meanwhile.
struct ListenerRegistry::Entry {
  ParkedSocket socket;
  std::jthread keeper;
};

std::string listener_key(const std::string& kind, const std::string& address, bool tls) {
  return kind + "|" + address + "|" + (tls ? "tls" : "plain");
}

ListenerRegistry& ListenerRegistry::instance() {
  static ListenerRegistry registry;
  return registry;
}

ListenerRegistry::ListenerRegistry() = default;

ListenerRegistry::~ListenerRegistry() {
  for (auto& [key, e] : parked_) {
    ParkedSocket s = take(*e);
    close_all(s);
  }
}

void ListenerRegistry::close_all(ParkedSocket& s) {
  for (auto& c : s.connections)
    if (c.fd >= 0) ::close(c.fd);
  s.connections.clear();
  if (s.fd >= 0) ::close(s.fd);
  s.fd = -1;
}

// Stops the keeper (what it read is then in socket.held) and hands out the socket.
ParkedSocket ListenerRegistry::take(Entry& e) {
  if (e.keeper.joinable()) {
    e.keeper.request_stop();
    e.keeper.join();
  }
  return std::move(e.socket);
}

void ListenerRegistry::begin_handover() {
  std::lock_guard lock(mu_);
  handing_over_ = true;
}

std::size_t ListenerRegistry::end_handover() {
  std::map<std::string, std::unique_ptr<Entry>> unused;
  {
    std::lock_guard lock(mu_);
    handing_over_ = false;
    unused.swap(parked_);
  }
  for (auto& [key, e] : unused) {
    ParkedSocket s = take(*e);
    close_all(s);
  }
  return unused.size();
}

bool ListenerRegistry::handing_over() const {
  std::lock_guard lock(mu_);
  return handing_over_;
}

bool ListenerRegistry::park(const std::string& key, ParkedSocket socket) {
  if (socket.fd < 0 && socket.connections.empty()) return false;
  std::unique_ptr<Entry> replaced;
  bool kept = false;
  {
    std::lock_guard lock(mu_);
    if (handing_over_) {
      auto entry = std::make_unique<Entry>();
      entry->socket = std::move(socket);
      if (entry->socket.datagrams) {
        Entry* e = entry.get();
        e->keeper = std::jthread([e](std::stop_token st) { keep_datagrams(e->socket.fd, e->socket.held, st); });
      }
      std::swap(parked_[key], entry);
      replaced = std::move(entry);
      kept = true;
    }
  }
  if (replaced) {
    ParkedSocket old = take(*replaced);
    close_all(old);
  }
  if (!kept) close_all(socket);
  return kept;
}

std::optional<ParkedSocket> ListenerRegistry::adopt(const std::string& key) {
  std::unique_ptr<Entry> e;
  {
    std::lock_guard lock(mu_);
    auto it = parked_.find(key);
    if (it == parked_.end()) return std::nullopt;
    e = std::move(it->second);
    parked_.erase(it);
  }
  return take(*e);
}

std::size_t ListenerRegistry::parked() const {
  std::lock_guard lock(mu_);
  return parked_.size();
}

}  // namespace logferry::runtime

#include "runtime/listener_registry.h"

#include <unistd.h>

namespace logferry::runtime {

std::string listener_key(const std::string& kind, const std::string& address, bool tls) {
  return kind + "|" + address + "|" + (tls ? "tls" : "plain");
}

ListenerRegistry& ListenerRegistry::instance() {
  static ListenerRegistry registry;
  return registry;
}

ListenerRegistry::~ListenerRegistry() {
  for (auto& [key, s] : parked_) close_all(s);
}

void ListenerRegistry::close_all(ParkedSocket& s) {
  for (auto& c : s.connections)
    if (c.fd >= 0) ::close(c.fd);
  s.connections.clear();
  if (s.fd >= 0) ::close(s.fd);
  s.fd = -1;
}

void ListenerRegistry::begin_handover() {
  std::lock_guard lock(mu_);
  handing_over_ = true;
}

std::size_t ListenerRegistry::end_handover() {
  std::map<std::string, ParkedSocket> unused;
  {
    std::lock_guard lock(mu_);
    handing_over_ = false;
    unused.swap(parked_);
  }
  for (auto& [key, s] : unused) close_all(s);
  return unused.size();
}

bool ListenerRegistry::handing_over() const {
  std::lock_guard lock(mu_);
  return handing_over_;
}

bool ListenerRegistry::park(const std::string& key, ParkedSocket socket) {
  bool kept = false;
  if (socket.fd < 0 && socket.connections.empty()) return false;
  {
    std::lock_guard lock(mu_);
    if (handing_over_) {
      std::swap(parked_[key], socket);  // `socket` is now what it replaced, if anything
      kept = true;
    }
  }
  close_all(socket);
  return kept;
}

std::optional<ParkedSocket> ListenerRegistry::adopt(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = parked_.find(key);
  if (it == parked_.end()) return std::nullopt;
  ParkedSocket s = std::move(it->second);
  parked_.erase(it);
  return s;
}

std::size_t ListenerRegistry::parked() const {
  std::lock_guard lock(mu_);
  return parked_.size();
}

}  // namespace logferry::runtime

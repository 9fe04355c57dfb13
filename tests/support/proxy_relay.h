// ProxyRelay: a stand-in for HAProxy in TCP mode with `send-proxy`, for tests. Listens on
// 127.0.0.1; for each connection it opens one to 127.0.0.1:upstream, writes `header` (a PROXY
// v1 or v2 header naming some client) first, then copies bytes both ways untouched (TLS
// records too) until both sides have closed. So real senders (rsyslog, logger) can reach a
// proxy_protocol listener, with or without TLS.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace logferry::testing {

class ProxyRelay {
 public:
  ProxyRelay(uint16_t upstream, std::string header);
  ~ProxyRelay();
  ProxyRelay(const ProxyRelay&) = delete;
  ProxyRelay& operator=(const ProxyRelay&) = delete;

  uint16_t port() const { return port_; }
  std::size_t relayed() const { return relayed_; }  // connections accepted so far

 private:
  void accept_loop();
  void relay(int client);

  uint16_t upstream_;
  std::string header_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> relayed_{0};
  std::mutex mu_;
  std::vector<std::thread> pipes_;
  std::thread accepter_;
};

}  // namespace logferry::testing

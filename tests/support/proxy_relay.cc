#include "support/proxy_relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/net_util.h"

namespace logferry::testing {

namespace {

constexpr int kPollMs = 50;  // how soon a stopping relay notices

// Copies what `from` has to `to`; false once `from` is at its end (or fails).
bool copy_some(int from, int to) {
  char buf[16384];
  ssize_t n = ::recv(from, buf, sizeof(buf), 0);
  if (n <= 0) return false;
  return send_all(to, std::string_view(buf, static_cast<std::size_t>(n)));
}

}  // namespace

ProxyRelay::ProxyRelay(uint16_t upstream, std::string header) : upstream_(upstream), header_(std::move(header)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), len) == 0 && ::listen(listen_fd_, 16) == 0 &&
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port_ = ntohs(a.sin_port);
  accepter_ = std::thread([this] { accept_loop(); });
}

ProxyRelay::~ProxyRelay() {
  stop_ = true;
  accepter_.join();
  std::lock_guard lock(mu_);
  for (auto& t : pipes_) t.join();
  ::close(listen_fd_);
}

void ProxyRelay::accept_loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    ++relayed_;
    std::lock_guard lock(mu_);
    pipes_.emplace_back([this, client] { relay(client); });
  }
}

// Each direction is shut down on its own when its sender ends (a half close passes through).
void ProxyRelay::relay(int client) {
  int up = tcp_connect(upstream_);
  if (up >= 0 && send_all(up, header_)) {
    bool client_open = true, up_open = true;
    while (!stop_ && (client_open || up_open)) {
      pollfd p[2] = {{client, static_cast<short>(client_open ? POLLIN : 0), 0},
                     {up, static_cast<short>(up_open ? POLLIN : 0), 0}};
      if (::poll(p, 2, kPollMs) <= 0) continue;
      if (client_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !copy_some(client, up)) {
        client_open = false;
        ::shutdown(up, SHUT_WR);
      }
      if (up_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) && !copy_some(up, client)) {
        up_open = false;
        ::shutdown(client, SHUT_WR);
      }
    }
  }
  if (up >= 0) ::close(up);
  ::close(client);
}

}  // namespace logferry::testing

#include "support/net_util.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

namespace logferry::testing {

namespace {
uint16_t free_port(int type) {
  int fd = ::socket(AF_INET, type, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}
}  // namespace

uint16_t free_tcp_port() { return free_port(SOCK_STREAM); }
uint16_t free_udp_port() { return free_port(SOCK_DGRAM); }

int tcp_connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool udp_send(uint16_t port, std::string_view datagram) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  ssize_t n = ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::close(fd);
  return n == static_cast<ssize_t>(datagram.size());
}

bool tcp_port_open(uint16_t port) {
  int fd = tcp_connect(port);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string read_until_closed(int fd, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

std::string http_exchange(uint16_t port, std::string_view request) {
  int fd = tcp_connect(port);
  if (fd < 0) return {};
  std::string out;
  if (send_all(fd, request)) out = read_until_closed(fd);
  ::close(fd);
  return out;
}

std::string http_get(uint16_t port, const std::string& path) {
  return http_exchange(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

int64_t scrape_metric(uint16_t port, const std::string& series) {
  std::string page = http_get(port, "/metrics");
  auto at = page.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::strtoll(page.c_str() + at + series.size() + 2, nullptr, 10);
}

std::filesystem::path logferry_binary() { return LOGFERRY_BINARY; }
std::filesystem::path source_dir() { return LOGFERRY_SOURCE_DIR; }
std::filesystem::path rsyslogd_path() { return source_dir() / ".peers/rsyslog/usr/sbin/rsyslogd"; }
std::filesystem::path rsyslog_module_dir() {
  return source_dir() / ".peers/rsyslog/usr/lib/x86_64-linux-gnu/rsyslog";
}
namespace {

// A peer missing on a developer's machine skips its tests; under CI (.ci/run sets CI=true) the
// install step must have provided it, so a missing peer is a failure, never a silent skip.
bool have_peer(const std::filesystem::path& path, const char* what) {
  bool have = std::filesystem::exists(path);
  const char* ci = std::getenv("CI");
  if (!have && ci != nullptr && std::string_view(ci) == "true")
    ADD_FAILURE() << what << " is missing (" << path << "): scripts/install-peers.sh should have installed it";
  return have;
}

}  // namespace

bool have_rsyslog() { return have_peer(rsyslogd_path(), "rsyslogd"); }
bool have_mmkubernetes() { return have_rsyslog() && have_peer(rsyslog_module_dir() / "mmkubernetes.so", "mmkubernetes"); }
bool have_logrotate() { return have_peer("/usr/sbin/logrotate", "logrotate (scripts/install-deps.sh)"); }

std::filesystem::path npm_dir() { return source_dir() / ".peers" / "npm" / "node_modules"; }
bool have_lumberjack_client() {
  return have_peer(npm_dir() / "lumberjack-client" / "index.js", "npm lumberjack-client");
}

}  // namespace logferry::testing

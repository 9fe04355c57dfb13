// Loopback helpers for integration tests: free ports and the paths of the real peers that
// scripts/install-peers.sh unpacks into .peers/.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace logferry::testing {

// A port that was free a moment ago on 127.0.0.1 (bind 0, read back, close).
uint16_t free_tcp_port();
uint16_t free_udp_port();
// True once something accepts TCP connections on 127.0.0.1:port.
bool tcp_port_open(uint16_t port);
// A connected TCP socket to 127.0.0.1:port, or -1. The caller closes it.
int tcp_connect(uint16_t port);
// One datagram to 127.0.0.1:port; false when it could not be sent.
bool udp_send(uint16_t port, std::string_view datagram);
// Writes all of `data` (blocking); false on an error (e.g. the peer closed).
bool send_all(int fd, std::string_view data);
// Everything the peer sends until it closes, or until `timeout` passes without data.
std::string read_until_closed(int fd, std::chrono::milliseconds timeout = std::chrono::seconds(5));
// Connects, sends `request` as it is (raw HTTP), returns the whole answer ("" if none).
std::string http_exchange(uint16_t port, std::string_view request);
// GET `path` from a logferry API on 127.0.0.1:port ("" when it does not answer).
std::string http_get(uint16_t port, const std::string& path);
// The value of one series (name with its labels, as printed) on the API's /metrics; -1 if absent.
int64_t scrape_metric(uint16_t port, const std::string& series);

std::filesystem::path logferry_binary();
std::filesystem::path source_dir();
// rsyslogd unpacked by scripts/install-peers.sh, and its module directory.
std::filesystem::path rsyslogd_path();
std::filesystem::path rsyslog_module_dir();
bool have_rsyslog();
bool have_mmkubernetes();  // rsyslog's Kubernetes metadata module (rsyslog-kubernetes)
bool have_logrotate();  // /usr/sbin/logrotate, the Debian package
// The npm packages scripts/install-peers.sh puts in .peers/npm (lumberjack-client).
std::filesystem::path npm_dir();
bool have_lumberjack_client();

}  // namespace logferry::testing

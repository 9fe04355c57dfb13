// TcpClient: one outgoing TCP connection, optionally TLS, for sinks that write a stream (syslog
// over TCP/TLS, later HTTP/Elasticsearch). Blocking API over a non-blocking socket: every wait
// is a poll() in short slices, so a call honours its timeout and returns soon after a stop is
// requested. Not thread-safe; one owner thread.
//
// Example:
//   TcpClient c;
//   if (auto r = c.connect({.host = "127.0.0.1", .port = 514}, stop); !r) ... r.error().message
//   if (c.peer_closed()) c.close();            // before writing a batch to an idle connection
//   if (auto r = c.write_all(buffer, stop); !r) c.close();
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>

#include "core/result.h"
#include "net/resolver.h"
#include "net/tls_context.h"

struct ssl_st;  // SSL

namespace logferry::net {

class TcpClient {
 public:
  struct Options {
    std::string host;
    uint16_t port = 0;
    std::chrono::milliseconds connect_timeout{10'000};  // TCP connect + TLS handshake
    // A write fails when the peer accepts no byte for this long (a stalled receiver).
    std::chrono::milliseconds write_timeout{30'000};
    std::shared_ptr<TlsContext> tls;  // null: plain TCP
    // TLS: SNI and the name checked against the certificate; empty = host. An IP address is
    // checked against the certificate's IP SANs and not sent as SNI.
    std::string server_name;
    // Resolves host on every connect (null: Resolver::system()); within connect_timeout.
    std::shared_ptr<Resolver> resolver;
  };

  TcpClient() = default;
  ~TcpClient() { close(); }
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  // Resolves host (again on every call), tries each address until one connects, then does the
  // TLS handshake. Errors are kUnavailable (retry later) or kInvalidArgument (certificate
  // rejected, bad host); dns_failed() tells a failed name lookup from a failed connect.
  Result<void> connect(const Options& options, const std::stop_token& stop);
  bool dns_failed() const { return dns_failed_; }
  bool connected() const { return fd_ >= 0; }
  // Checks without blocking whether the peer has closed or reset the connection. Bytes the
  // peer sent are appended to `received`, or discarded when it is null (a syslog receiver
  // sends none).
  bool peer_closed(std::string* received = nullptr);
  // Sends the ACK for what was read now instead of after the delayed-ACK timer (~40 ms): a
  // peer whose Nagle holds its next small reply until that ACK (RELP acks) answers at once.
  void quick_ack();
  // Writes all of data. On error the connection is unusable: close() and reconnect.
  Result<void> write_all(std::string_view data, const std::stop_token& stop);
  // Reads what is available (waiting up to `timeout` for the first byte) and appends it to `out`.
  // Returns the number of bytes read (> 0); the peer closing is an error (kUnavailable).
  Result<std::size_t> read_some(std::string& out, std::chrono::milliseconds timeout,
                                const std::stop_token& stop);
  void close();
  // "host:port" of the current or last connection, for log messages.
  const std::string& peer() const { return peer_; }

 private:
  enum class Wait { kReadable, kWritable };
  // Polls in slices until fd is ready, the deadline passes or stop is requested.
  Result<void> wait_for(Wait what, std::chrono::steady_clock::time_point deadline,
                        const std::stop_token& stop, const char* doing);
  Result<void> connect_address(const void* sockaddr, unsigned len,
                               std::chrono::steady_clock::time_point deadline,
                               const std::stop_token& stop);
  Result<void> handshake(const Options& options, std::chrono::steady_clock::time_point deadline,
                         const std::stop_token& stop);

  int fd_ = -1;
  ssl_st* ssl_ = nullptr;
  bool dns_failed_ = false;
  std::chrono::milliseconds write_timeout_{30'000};
  std::string peer_;
};

}  // namespace logferry::net

// ListenerRegistry: keeps network sockets open across a reload, so a reload refuses nothing
// and loses nothing that the kernel already accepted.
//
// During a reload (begin_handover() .. end_handover()) a source that stops parks its sockets
// here instead of closing them: the listening or UDP socket, its open connections (fd, peer and
// whatever per-connection state the source needs to go on: the bytes read but not yet framed)
// and state of the socket itself (e.g. the kernel drop counter already counted). The new
// pipeline's source with the same key adopts them instead of binding; end_handover() closes
// whatever the new config no longer uses. Outside a reload park() closes at once, as before.
//
// Keys are made by listener_key(kind, address, tls): the kind names the source type and mode
// ("syslog/tcp", "beats"), so a socket is only adopted by code that understands its state.
//
// Example (in a source):
//   auto& reg = ListenerRegistry::instance();
//   std::string key = listener_key("syslog/udp", options.address, false);
//   if (auto parked = reg.adopt(key)) fd = parked->fd; else fd = bind_new();
//   ...at stop:  reg.park(key, {fd, state, std::move(conns)});   // closes unless reloading
#pragma once

#include <any>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct ssl_st;  // OpenSSL's SSL

namespace logferry::runtime {

// One open TCP connection handed from the stopping source to the next one.
struct HandedConnection {
  int fd = -1;
  std::string peer_ip;
  std::any state;  // the source's own (e.g. its FrameSplitter with a half-read frame)
  // A TLS connection's session (net::TlsSession): keys, and bytes read from the fd but not yet
  // returned. Freed (not closed: the fd is) if nobody adopts the connection.
  std::shared_ptr<ssl_st> tls;
};

// A datagram read from a parked UDP socket, for its next owner to take first.
struct HeldDatagram {
  std::string bytes;
  std::string peer_ip;
  bool truncated = false;  // longer than kMaxDatagram
};

struct ParkedSocket {
  int fd = -1;  // listening TCP socket or bound UDP socket
  std::any state;
  std::vector<HandedConnection> connections;
  // UDP: read while parked, so a long drain does not overflow the kernel's receive buffer.
  bool datagrams = false;
  std::vector<HeldDatagram> held;  // filled by the registry, in arrival order
};

// "kind|address|tls" (address as configured: "0.0.0.0:514" and ":514" are different keys).
std::string listener_key(const std::string& kind, const std::string& address, bool tls);

class ListenerRegistry {
 public:
  // While parked, a UDP socket is read into memory up to this many bytes (then the kernel
  // buffers, and drops what does not fit: the new owner counts those, SO_MEMINFO).
  static constexpr std::size_t kMaxHeldBytes = 64 * 1024 * 1024;
  static constexpr std::size_t kMaxDatagram = 64 * 1024;

  // The process's registry (sockets are process-wide; so is the handover).
  static ListenerRegistry& instance();

  ListenerRegistry();
  ~ListenerRegistry();
  ListenerRegistry(const ListenerRegistry&) = delete;
  ListenerRegistry& operator=(const ListenerRegistry&) = delete;

  // A reload starts: from now on park() keeps sockets.
  void begin_handover();
  // The new pipeline runs: closes every socket and connection nobody adopted; returns how
  // many sockets that was. park() closes again from now on.
  std::size_t end_handover();
  bool handing_over() const;

  // Keeps `socket` for the next pipeline during a handover (true); otherwise closes its fds
  // (false). A second park under the same key closes the older one.
  bool park(const std::string& key, ParkedSocket socket);
  // What was parked under `key`, now owned by the caller; nullopt if nothing.
  std::optional<ParkedSocket> adopt(const std::string& key);
  std::size_t parked() const;

 private:
  struct Entry;
  static void close_all(ParkedSocket& s);
  static ParkedSocket take(Entry& e);
  mutable std::mutex mu_;
  bool handing_over_ = false;
  std::map<std::string, std::unique_ptr<Entry>> parked_;
};

}  // namespace logferry::runtime

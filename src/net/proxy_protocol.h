// HAProxy's PROXY protocol header (v1 text, v2 binary), which a load balancer sends at the
// start of a proxied TCP connection to tell the client's address. Spec:
// https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace logferry::net {

struct ProxyHeader {
  std::size_t length = 0;  // header bytes; the stream's data starts after them
  bool local = false;      // LOCAL (v2) or UNKNOWN (v1): the connection's own addresses apply
  std::string source_ip, dest_ip;
  uint16_t source_port = 0, dest_port = 0;
};

// The longest header accepted: v1's own bound is 107 bytes; v2 is 16 bytes and a length, which
// TLVs (AWS's VPC endpoint id, HAProxy's SSL facts) stretch to a few hundred bytes at most.
constexpr std::size_t kMaxProxyHeaderBytes = 1024;

enum class ProxyStatus { kNeedMore, kDone, kBad };

struct ProxyParse {
  ProxyStatus status = ProxyStatus::kNeedMore;
  ProxyHeader header;
  std::string error;  // with kBad
};

// Parses the header at the start of `data` (what a connection sent so far).
ProxyParse parse_proxy_header(std::string_view data);

}  // namespace logferry::net

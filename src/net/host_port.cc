#include "net/host_port.h"

#include <charconv>

namespace logferry::net {

Result<std::pair<std::string, uint16_t>> split_host_port(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos)
    return unexpected(ErrorCode::kInvalidArgument, "address '" + address + "' must be HOST:PORT");
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  unsigned port = 0;
  auto p = address.substr(colon + 1);
  auto r = std::from_chars(p.data(), p.data() + p.size(), port);
  if (p.empty() || r.ec != std::errc() || r.ptr != p.data() + p.size() || port > 65535)
    return unexpected(ErrorCode::kInvalidArgument, "address '" + address + "' has no valid port");
  return std::pair<std::string, uint16_t>(host, static_cast<uint16_t>(port));
}

}  // namespace logferry::net

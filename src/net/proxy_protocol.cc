#include "net/proxy_protocol.h"

#include <arpa/inet.h>

#include <charconv>
#include <vector>

namespace logferry::net {

namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::string_view kV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};
constexpr std::size_t kV1MaxLength = 107;  // the spec's bound, CRLF included
constexpr std::size_t kV2FixedLength = 16;

ProxyParse bad(std::string why) { return {ProxyStatus::kBad, {}, std::move(why)}; }

// Whether `data` so far could still become `whole`.
bool is_start_of(std::string_view data, std::string_view whole) {
  return whole.substr(0, data.size()) == data.substr(0, whole.size());
}

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> parts;
  for (std::size_t at = 0; at <= line.size();) {
    std::size_t end = std::min(line.find(' ', at), line.size());
    parts.push_back(line.substr(at, end - at));
    at = end + 1;
  }
  return parts;
}

bool parse_port(std::string_view text, uint16_t& port) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool valid_ip(int family, std::string_view text) {
  unsigned char buf[16];
  return ::inet_pton(family, std::string(text).c_str(), buf) == 1;
}

// "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n" or "PROXY UNKNOWN ...\r\n".
ProxyParse parse_v1(std::string_view data) {
  std::size_t crlf = data.substr(0, kV1MaxLength).find("\r\n");
  if (crlf == std::string_view::npos)
    return data.size() < kV1MaxLength ? ProxyParse{} : bad("v1 header without CRLF in 107 bytes");
  ProxyParse out{ProxyStatus::kDone, {}, {}};
  out.header.length = crlf + 2;
  auto parts = split_spaces(data.substr(0, crlf));
  if (parts.size() >= 2 && parts[1] == "UNKNOWN") {
    out.header.local = true;
    return out;
  }
  if (parts.size() != 6 || (parts[1] != "TCP4" && parts[1] != "TCP6")) return bad("v1 header: " + std::string(data.substr(0, crlf)));
  int family = parts[1] == "TCP4" ? AF_INET : AF_INET6;
  if (!valid_ip(family, parts[2]) || !valid_ip(family, parts[3])) return bad("v1 header: bad address");
  if (!parse_port(parts[4], out.header.source_port) || !parse_port(parts[5], out.header.dest_port))
    return bad("v1 header: bad port");
  out.header.source_ip = parts[2];
  out.header.dest_ip = parts[3];
  return out;
}

std::string ip_text(int family, const char* bytes) {
  char buf[INET6_ADDRSTRLEN];
  return ::inet_ntop(family, bytes, buf, sizeof(buf)) ? buf : "";
}

uint16_t be16(const char* p) {
  return static_cast<uint16_t>((static_cast<unsigned char>(p[0]) << 8) | static_cast<unsigned char>(p[1]));
}

// Signature, version/command, family/transport, length, then the addresses.
ProxyParse parse_v2(std::string_view data) {
  if (data.size() < kV2FixedLength) return {};
  auto version_command = static_cast<unsigned char>(data[12]);
  auto family = static_cast<unsigned char>(data[13]);
  std::size_t length = kV2FixedLength + be16(data.data() + 14);
  if ((version_command >> 4) != 2) return bad("v2 header: version is not 2");
  if (length > kMaxProxyHeaderBytes)
    return bad("v2 header of " + std::to_string(length) + " bytes (at most " + std::to_string(kMaxProxyHeaderBytes) + ")");
  if (data.size() < length) return {};
  ProxyParse out{ProxyStatus::kDone, {}, {}};
  out.header.length = length;
  const char* a = data.data() + kV2FixedLength;
  bool proxy = (version_command & 0x0F) == 1;
  if (proxy && family == 0x11 && length >= kV2FixedLength + 12) {  // TCP over IPv4
    out.header.source_ip = ip_text(AF_INET, a);
    out.header.dest_ip = ip_text(AF_INET, a + 4);
    out.header.source_port = be16(a + 8);
    out.header.dest_port = be16(a + 10);
  } else if (proxy && family == 0x21 && length >= kV2FixedLength + 36) {  // TCP over IPv6
    out.header.source_ip = ip_text(AF_INET6, a);
    out.header.dest_ip = ip_text(AF_INET6, a + 16);
    out.header.source_port = be16(a + 32);
    out.header.dest_port = be16(a + 34);
  } else if (proxy && (family == 0x11 || family == 0x21)) {
    return bad("v2 header: address block too short");
  } else {
    out.header.local = true;  // LOCAL (health checks), UNSPEC, UNIX, UDP: keep the connection's
  }
  return out;
}

}  // namespace

ProxyParse parse_proxy_header(std::string_view data) {
  if (data.substr(0, kV1Prefix.size()) == kV1Prefix) return parse_v1(data);
  if (data.substr(0, kV2Signature.size()) == kV2Signature) return parse_v2(data);
  if (is_start_of(data, kV1Prefix) || is_start_of(data, kV2Signature)) return {};
  return bad("no PROXY protocol header");
}

}  // namespace logferry::net

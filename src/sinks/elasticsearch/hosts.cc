#include "sinks/elasticsearch/hosts.h"

#include <charconv>

namespace logferry::sinks::elasticsearch {

namespace {

std::string normalize_path(std::string p) {
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (!p.empty() && p.front() != '/') p.insert(p.begin(), '/');
  return p;
}

}  // namespace

Result<std::string> host_base_url(const std::string& host, std::optional<bool> ssl, const std::string& path) {
  std::string rest = host;
  std::string scheme;
  if (auto p = rest.find("://"); p != std::string::npos) {
    scheme = rest.substr(0, p);
    rest = rest.substr(p + 3);
    if (scheme != "http" && scheme != "https")
      return unexpected(ErrorCode::kInvalidArgument, "'" + host + "': scheme must be http or https");
    if (ssl && *ssl != (scheme == "https"))
      return unexpected(ErrorCode::kInvalidArgument,
                        "'" + host + "': the scheme contradicts ssl: " + (*ssl ? "true" : "false"));
  } else if (rest.starts_with("//")) {
    rest = rest.substr(2);  // the plugin's own default is written "//127.0.0.1"
  }
  if (scheme.empty()) scheme = ssl.value_or(false) ? "https" : "http";
  std::string host_path;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    host_path = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  std::string authority = rest;
  std::string userinfo;
  if (auto at = authority.rfind('@'); at != std::string::npos) {
    userinfo = authority.substr(0, at + 1);
    authority = authority.substr(at + 1);
  }
  // A port after the host, or after the ']' of an IPv6 literal.
  std::size_t colon = authority.rfind(':');
  bool has_port = colon != std::string::npos &&
                  (authority.front() != '[' || authority.find(']') < colon);
  if (authority.empty() || authority == "[]")
    return unexpected(ErrorCode::kInvalidArgument, "'" + host + "': no host name");
  if (has_port) {
    std::string_view port(authority.data() + colon + 1, authority.size() - colon - 1);
    int value = 0;
    auto r = std::from_chars(port.data(), port.data() + port.size(), value);
    if (r.ec != std::errc() || r.ptr != port.data() + port.size() || value < 1 || value > 65535)
      return unexpected(ErrorCode::kInvalidArgument, "'" + host + "': port must be 1..65535");
  } else {
    authority += ":9200";
  }
  std::string prefix = normalize_path(host_path.empty() || host_path == "/" ? path : host_path);
  return scheme + "://" + userinfo + authority + prefix;
}

std::string base64_encode(std::string_view in) {
  static constexpr char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) | uint8_t(in[i + 2]);
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += kTable[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    if (i + 1 < in.size()) v |= uint32_t(uint8_t(in[i + 1])) << 8;
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += i + 1 < in.size() ? kTable[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string basic_auth_header(const std::string& user, const std::string& password) {
  return "Authorization: Basic " + base64_encode(user + ":" + password);
}

std::string api_key_header(const std::string& api_key) {
  // An "id:key" pair is encoded; anything else (already base64, a Cloud "essu_" key) is sent as is.
  bool pair = api_key.find(':') != std::string::npos;
  return "Authorization: ApiKey " + (pair ? base64_encode(api_key) : api_key);
}

}  // namespace logferry::sinks::elasticsearch

// HTTP/1.x request heads for the API server: finding where a head ends in bytes read so far,
// and parsing it (RFC 9112 §2-§6). Pure functions over bytes, so the fuzz target
// (tests/fuzz/http_request_fuzz.cc) drives exactly what a client can send.
//
// Example:
//   std::size_t end = find_head_end(buffer);           // npos: read more (or 431 when full)
//   HttpRequestHead head = parse_request_head(buffer.substr(0, end));
//   if (head.error != 0) answer head.error and close;
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace logferry::net {

struct HttpRequestHead {
  int error = 0;                // 0: parsed; else the status to answer (400, 501, 505)
  std::string_view method;      // "GET", ...
  std::string_view target;      // as sent: "/metrics?x=1"
  std::string_view path;        // target without the query: "/metrics"
  std::string_view query;       // after '?', may be empty
  uint64_t content_length = 0;  // bytes of body that follow the head
};

// Offset just past the blank line that ends the head ("\r\n\r\n", or "\n\n" which RFC 9112 §2.2
// lets a server accept), or npos when `bytes` holds no complete head yet.
std::size_t find_head_end(std::string_view bytes);

// Parses a head (request line, header fields, blank line). Only what the API needs is read:
// method, target, Content-Length. Transfer-Encoding is refused with 501 (no API route takes a
// body, and a chunked body has no length to check before it is read); Content-Length that is
// not digits, or differs between repeated fields, is 400 (RFC 9112 §6.3).
HttpRequestHead parse_request_head(std::string_view head);

}  // namespace logferry::net

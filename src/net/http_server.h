// HttpServer: a small HTTP/1.1 server for the API (/metrics, /healthz, /readyz). One thread,
// one request per connection, GET and HEAD only. Not for event traffic.
//
// Whatever clients send, it stays small and answers: the request head and body are capped,
// requests and silent connections time out, and at the connection cap the oldest connection
// makes room for the new one (so silent connections cannot lock out a health check). Memory is
// about 24 KiB per connection plus the responses being written; see docs/api.md.
//
// Why our own and not a library (measured, cmake/Dependencies.cmake has the details):
// cpp-httplib 0.11.4 (Debian 12) serves each connection on one of 8 pool threads with an
// unbounded queue, so 8 silent connections held /healthz back 4.8 s and 20 held it 7.8 s;
// libmicrohttpd 0.9.75 times out only inactivity (a client sending a byte now and then keeps a
// slot forever) and refuses new connections at its cap instead of evicting the oldest.
//
// Adding a route is one map entry: {"/path", [&] { return HttpResponse{...}; }}.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/metrics.h"
#include "core/result.h"

namespace logferry::net {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct HttpServerLimits {
  std::size_t max_header_bytes = 16 * 1024;  // request line + fields; more is answered 431
  uint64_t max_body_bytes = 64 * 1024;       // read and discarded (no route takes one); more: 413
  std::chrono::milliseconds request_timeout{10'000};  // accept to the whole request read
  std::chrono::milliseconds idle_timeout{5'000};      // no byte received for this long
  std::chrono::milliseconds write_timeout{10'000};    // the client does not take the response
  std::size_t max_connections = 256;  // at the cap, the oldest connection is closed for a new one
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse()>;
  // address: HOST:PORT (port 0 picks a free one; see port()). Handlers run on the server's
  // thread. `metrics` (optional) gets the logferry_api_* counters.
  static Result<std::unique_ptr<HttpServer>> start(const std::string& address,
                                                   std::map<std::string, Handler> routes,
                                                   HttpServerLimits limits = {},
                                                   Metrics* metrics = nullptr);
  virtual ~HttpServer() = default;
  virtual uint16_t port() const = 0;
};

}  // namespace logferry::net

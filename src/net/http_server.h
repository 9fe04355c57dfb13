// HttpServer: a small HTTP/1.1 server for the API (/metrics, /healthz, /readyz). GET only,
// one request per connection, on its own thread. Not for event traffic.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/result.h"

namespace logferry::net {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse()>;
  // address: HOST:PORT (port 0 picks a free one; see port()).
  static Result<std::unique_ptr<HttpServer>> start(const std::string& address,
                                                   std::map<std::string, Handler> routes);
  virtual ~HttpServer() = default;
  virtual uint16_t port() const = 0;
};

// Splits "HOST:PORT" / "[v6]:PORT" / ":PORT". Port must be 0..65535.
Result<std::pair<std::string, uint16_t>> split_host_port(const std::string& address);

}  // namespace logferry::net

// TestHttpListener: the HTTP/1.1 plumbing the stand-ins share (EsTestServer, KubeApiTestServer):
// a listener on 127.0.0.1 (optional TLS), one thread per connection with blocking reads and
// writes, requests read into HttpMessage, stop() that closes every connection and start() again
// on the same port. What to answer is the stand-in's: it gets each connection to serve.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace logferry::testing {

struct HttpMessage {
  std::string method, target, path, query;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One accepted connection, plain or TLS.
class HttpConnection {
 public:
  virtual ~HttpConnection() = default;
  virtual bool read_request(HttpMessage& m) = 0;  // false: closed or not HTTP
  virtual bool write(std::string_view data) = 0;
  virtual bool peer_closed() = 0;  // the client went away (checked without blocking)
};

class TestHttpListener {
 public:
  using Serve = std::function<void(HttpConnection&)>;  // returns when the connection is done

  // TLS when cert_file is set (PEM files).
  TestHttpListener(const std::string& cert_file, const std::string& key_file, Serve serve);
  ~TestHttpListener();
  TestHttpListener(const TestHttpListener&) = delete;
  TestHttpListener& operator=(const TestHttpListener&) = delete;

  bool start(uint16_t port);  // 0 the first time: the kernel picks, then that port is kept
  // Closes the listener and every connection; `wake` runs before the connection threads are
  // joined (to wake those that wait on something else than their socket).
  void stop(const std::function<void()>& wake = {});
  bool running() const;
  uint16_t port() const;
  bool tls() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace logferry::testing

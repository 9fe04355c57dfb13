// EsTestServer: stands in for Elasticsearch in tests and benchmarks (no real Elasticsearch can
// be installed on these machines: it is neither a Debian nor an npm package). A real HTTP/1.1
// server (standalone Asio, keep-alive, optional TLS) on 127.0.0.1 that implements what the
// elasticsearch sink uses, with the response shapes of Elasticsearch 6, 7 and 8:
//   GET|HEAD /                       version.number, tagline (X-elastic-product from 7.14)
//   POST [/prefix]/_bulk             NDJSON index/create, per-item results and errors, `errors`,
//                                    filter_path=errors,items.*.error,items.*.status honoured;
//                                    ES 6 needs _type, ES 8 rejects it (whole request 400)
//   HEAD|GET|PUT /_template/NAME     legacy templates; /_index_template/NAME from 7 on
// and stores the documents so tests can check them. Faults: whole requests answered with a
// status, items answered 429/400/... when their source contains a marker (a number of times
// or always), a connection reset in the middle of a response, a delay before each answer,
// and stop()/start() on the same port (down, then up). `fast` mode counts items without
// parsing or storing them (the benchmark endpoint).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace logferry::testing {

class EsTestServer {
 public:
  struct Options {
    std::string version = "7.17.9";
    uint16_t port = 0;            // 0: the kernel picks
    bool fast = false;
    std::string tls_cert_file;    // PEM; TLS when set
    std::string tls_key_file;
  };
  struct Document {
    std::string index, type, id, source, action, routing, pipeline;
    int version = 1;
  };
  struct Request {
    std::string method, path, authorization, content_encoding;
    std::size_t body_bytes = 0;
    int status = 0;
  };
  struct ItemFault {
    std::string marker;  // substring of the document line
    int status;
    int times;           // -1: always
  };

  explicit EsTestServer(Options options);
  ~EsTestServer();
  EsTestServer(const EsTestServer&) = delete;
  EsTestServer& operator=(const EsTestServer&) = delete;

  bool start();  // listens (again) on options.port, or a new port the first time it is 0
  void stop();   // closes the listener and every connection
  uint16_t port() const;
  std::string url() const;

  // Faults.
  void fail_requests(int count, int status);       // the next `count` _bulk requests
  void add_item_fault(ItemFault fault);
  void reset_responses(int count);                 // next `count` _bulk answers cut mid-way
  void set_delay_ms(int ms);

  // What it saw and stores.
  std::vector<Document> documents() const;
  std::vector<Request> requests() const;
  // How many times each document line reached the server (whatever the answer).
  std::map<std::string, int> received() const;
  std::map<std::string, std::string> templates() const;  // "_template/NAME" -> body
  uint64_t items_seen() const;
  uint64_t bulk_requests() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace logferry::testing

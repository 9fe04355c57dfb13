// HttpClient: a small blocking HTTP/1.1 client over libcurl (keep-alive connection reuse, TLS,
// timeouts), for the alert sink's webhooks and the Elasticsearch sink. One instance per thread.
//
// Example:
//   HttpClient client;
//   HttpRequest req{.method = "POST", .url = "http://127.0.0.1:8080/hook", .body = json};
//   req.headers.push_back("Content-Type: application/json");
//   auto res = client.send(req);
//   if (!res) ... res.error().code == ErrorCode::kUnavailable: connection problem
//   else if (res->status >= 500) ...
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace logferry::net {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds connect_timeout{5'000};
  bool verify_tls = true;
  std::string ca_file;                // empty: system CAs
  std::string cert_file;              // client certificate (PEM), optional
  std::string key_file;               // its key (PEM)
  // Response bodies are kept up to this size (the rest is read and discarded).
  std::size_t max_response_bytes = 1u << 20;
};

struct HttpClientResponse {
  long status = 0;
  std::string body;
};

// One request of HttpClient::send_all(). `body`, when set, is sent instead of request->body
// (a view into a buffer the caller owns, so a request is not copied). The response's body
// keeps its capacity across calls.
struct HttpExchange {
  const HttpRequest* request = nullptr;
  std::optional<std::string_view> body;
  HttpClientResponse response;
  std::optional<Error> error;  // set when no response came back (as send() returns)
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // A response for any HTTP status; an error (kUnavailable) when no response came back:
  // refused, reset, timed out, DNS, TLS. kInvalidArgument for an unusable URL.
  Result<HttpClientResponse> send(const HttpRequest& request);
  // Several requests at once (curl multi: each on its own keep-alive connection from one
  // shared pool, reused across calls). Returns when every exchange has a response or an
  // error, or soon after `stop` is requested (the unfinished ones get kUnavailable).
  void send_all(std::span<HttpExchange> exchanges, const std::stop_token& stop);
  // A request whose response body is handed to `on_data` as it arrives (a Kubernetes watch:
  // one JSON object per line, for minutes). Returns the status once the server ends the
  // response; `on_data` returning false, abort() or request.timeout end it early (an error).
  // No limit on the body: the caller bounds what it keeps.
  using DataCallback = std::function<bool(std::string_view)>;
  Result<long> stream(const HttpRequest& request, const DataCallback& on_data);
  // Makes a send() in progress (on another thread) return soon with an error.
  void abort() { aborted_.store(true); }
  void reset_abort() { aborted_.store(false); }

 private:
  void* curl_;  // CURL*, kept out of the header; nullptr when libcurl could not be loaded
  void* multi_ = nullptr;              // CURLM*, created by the first send_all()
  std::vector<void*> multi_handles_;   // CURL* per parallel slot, reused
  std::atomic<bool> aborted_{false};
};

// `s` percent-encoded for a URL's path segment or query value (RFC 3986: all but unreserved).
std::string url_escape(std::string_view s);

// true for statuses worth retrying: 408, 429 and 5xx.
inline bool http_status_retryable(long status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

}  // namespace logferry::net

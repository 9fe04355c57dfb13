#include "net/http_client.h"

#include "net/curl_library.h"

namespace logferry::net {

namespace {

// Only called once the constructor has loaded the library (curl_ != nullptr).
const CurlLibrary& curl() { return *CurlLibrary::get(); }

Unexpected<Error> not_loaded() {
  const std::string& why = CurlLibrary::load_error();
  return unexpected(ErrorCode::kUnavailable, why.empty() ? "curl_easy_init failed" : why);
}

// Where a transfer's response body goes, and how much of it to keep.
struct BodySink {
  std::string* body;
  std::size_t limit;
};

std::size_t collect_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  std::size_t bytes = size * n;
  std::string& out = *sink->body;
  if (out.size() < sink->limit) out.append(data, std::min(bytes, sink->limit - out.size()));
  return bytes;
}

std::size_t pass_on(char* data, std::size_t size, std::size_t n, void* user) {
  auto* on_data = static_cast<const HttpClient::DataCallback*>(user);
  std::size_t bytes = size * n;
  return (*on_data)(std::string_view(data, bytes)) ? bytes : 0;  // 0 ends the transfer
}

ErrorCode code_of(CURLcode rc) {
  return (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) ? ErrorCode::kInvalidArgument
                                                                         : ErrorCode::kUnavailable;
}

// Sets every option of one transfer on `c` (after curl_easy_reset, which keeps its connection
// cache). `headers` must outlive the transfer.
void configure(CURL* c, const HttpRequest& request, std::string_view body, curl_slist* headers,
               BodySink* sink, std::atomic<bool>* aborted);

int check_abort(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(user)->load() ? 1 : 0;
}

}  // namespace

HttpClient::HttpClient() {
  const CurlLibrary* lib = CurlLibrary::get();
  curl_ = lib != nullptr ? lib->easy_init() : nullptr;
}

HttpClient::~HttpClient() {
  if (curl_ == nullptr) return;
  for (void* h : multi_handles_) curl().easy_cleanup(static_cast<CURL*>(h));
  if (multi_ != nullptr) curl().multi_cleanup(static_cast<CURLM*>(multi_));
  if (curl_ != nullptr) curl().easy_cleanup(static_cast<CURL*>(curl_));
}

namespace {

curl_slist* header_list(const HttpRequest& request) {
  curl_slist* headers = nullptr;
  for (const auto& h : request.headers) headers = curl().slist_append(headers, h.c_str());
  // No "Expect: 100-continue" round trip for larger bodies.
  return curl().slist_append(headers, "Expect:");
}

void configure(CURL* c, const HttpRequest& request, std::string_view body, curl_slist* headers,
               BodySink* sink, std::atomic<bool>* aborted) {
  curl().easy_reset(c);  // keeps the connection cache
  curl().easy_setopt(c, CURLOPT_URL, request.url.c_str());
  if (request.method == "HEAD") {
    curl().easy_setopt(c, CURLOPT_NOBODY, 1L);  // a HEAD answer has no body to wait for
  } else {
    curl().easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.method != "GET" && request.method != "HEAD") {
    curl().easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl().easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl().easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl().easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl().easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout.count()));
  curl().easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl().easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect_body);
  curl().easy_setopt(c, CURLOPT_WRITEDATA, sink);
  curl().easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl().easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &check_abort);
  curl().easy_setopt(c, CURLOPT_XFERINFODATA, aborted);
  curl().easy_setopt(c, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  curl().easy_setopt(c, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
  if (!request.ca_file.empty()) curl().easy_setopt(c, CURLOPT_CAINFO, request.ca_file.c_str());
  if (!request.cert_file.empty()) curl().easy_setopt(c, CURLOPT_SSLCERT, request.cert_file.c_str());
  if (!request.key_file.empty()) curl().easy_setopt(c, CURLOPT_SSLKEY, request.key_file.c_str());
  curl().easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
}

}  // namespace

Result<HttpClientResponse> HttpClient::send(const HttpRequest& request) {
  CURL* c = static_cast<CURL*>(curl_);
  if (c == nullptr) return not_loaded();
  HttpClientResponse response;
  BodySink sink{&response.body, request.max_response_bytes};
  curl_slist* headers = header_list(request);
  configure(c, request, request.body, headers, &sink, &aborted_);
  CURLcode rc = curl().easy_perform(c);
  curl().slist_free_all(headers);
  if (rc != CURLE_OK) return unexpected(code_of(rc), std::string(curl().easy_strerror(rc)));
  curl().easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

Result<long> HttpClient::stream(const HttpRequest& request, const DataCallback& on_data) {
  CURL* c = static_cast<CURL*>(curl_);
  if (c == nullptr) return not_loaded();
  curl_slist* headers = header_list(request);
  configure(c, request, request.body, headers, nullptr, &aborted_);
  curl().easy_setopt(c, CURLOPT_WRITEFUNCTION, &pass_on);
  curl().easy_setopt(c, CURLOPT_WRITEDATA, &on_data);
  CURLcode rc = curl().easy_perform(c);
  curl().slist_free_all(headers);
  if (rc != CURLE_OK) return unexpected(code_of(rc), std::string(curl().easy_strerror(rc)));
  long status = 0;
  curl().easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

void HttpClient::send_all(std::span<HttpExchange> exchanges, const std::stop_token& stop) {
  if (curl_ == nullptr) {
    for (HttpExchange& x : exchanges) x.error = not_loaded().error;
    return;
  }
  if (multi_ == nullptr) multi_ = curl().multi_init();
  CURLM* multi = static_cast<CURLM*>(multi_);
  while (multi_handles_.size() < exchanges.size()) multi_handles_.push_back(curl().easy_init());
  std::vector<curl_slist*> headers(exchanges.size(), nullptr);
  std::vector<BodySink> sinks(exchanges.size());
  for (std::size_t i = 0; i < exchanges.size(); ++i) {
    HttpExchange& x = exchanges[i];
    x.response.status = 0;
    x.response.body.clear();
    x.error.reset();
    CURL* c = static_cast<CURL*>(multi_handles_[i]);
    sinks[i] = BodySink{&x.response.body, x.request->max_response_bytes};
    headers[i] = header_list(*x.request);
    configure(c, *x.request, x.body.value_or(std::string_view(x.request->body)), headers[i],
              &sinks[i], &aborted_);
    curl().easy_setopt(c, CURLOPT_PRIVATE, &x);
    curl().multi_add_handle(multi, c);
  }
  int running = static_cast<int>(exchanges.size());
  while (running > 0 && !stop.stop_requested() && !aborted_.load()) {
    if (curl().multi_perform(multi, &running) != CURLM_OK) break;
    int queued = 0;
    while (CURLMsg* msg = curl().multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      HttpExchange* x = nullptr;
      curl().easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &x);
      if (msg->data.result == CURLE_OK) {
        curl().easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &x->response.status);
      } else {
        x->error = Error{code_of(msg->data.result), curl().easy_strerror(msg->data.result)};
      }
    }
    if (running > 0) curl().multi_poll(multi, nullptr, 0, 100, nullptr);  // wakes for stop checks
  }
  for (std::size_t i = 0; i < exchanges.size(); ++i) {
    HttpExchange& x = exchanges[i];
    if (x.response.status == 0 && !x.error) x.error = Error{ErrorCode::kUnavailable, "aborted"};
    curl().multi_remove_handle(multi, static_cast<CURL*>(multi_handles_[i]));
    curl().slist_free_all(headers[i]);
  }
}

std::string url_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace logferry::net

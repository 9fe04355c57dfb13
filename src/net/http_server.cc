#include "net/http_server.h"

#include <asio.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <list>
#include <thread>

#include "core/log.h"
#include "net/host_port.h"
#include "net/http_request.h"

namespace logferry::net {

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::size_t kReadChunk = 4096;
constexpr auto kSweepInterval = std::chrono::milliseconds(100);

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

struct Counters {
  Counter* requests = nullptr;    // answered by a route (any status the route chose)
  Counter* refused = nullptr;     // answered 4xx/5xx by the server: malformed or over a limit
  Counter* timed_out = nullptr;   // closed by request, idle or write timeout
  Counter* evicted = nullptr;     // closed at the connection cap to make room
  Gauge* connections = nullptr;
};

Counters make_counters(Metrics* m) {
  if (m == nullptr) return {};
  return {&m->counter("logferry_api_requests_total", "API requests answered by a route"),
          &m->counter("logferry_api_requests_refused_total",
                      "API requests refused: malformed, head or body over the limit, not GET"),
          &m->counter("logferry_api_connections_timed_out_total",
                      "API connections closed by the request, idle or write timeout"),
          &m->counter("logferry_api_connections_evicted_total",
                      "API connections closed at the connection cap to admit a new one"),
          &m->gauge("logferry_api_connections", "Open API connections")};
}

void add(Counter* c) {
  if (c != nullptr) c->add();
}

// Every connection lives in one list, oldest first: the sweep walks it for deadlines and the
// cap evicts its front. All of it runs on the server's one thread.
class AsioHttpServer final : public HttpServer {
 public:
  AsioHttpServer(asio::ip::tcp::endpoint ep, std::map<std::string, Handler> routes,
                 HttpServerLimits limits, Metrics* metrics)
      : acceptor_(io_, ep),
        sweep_(io_),
        routes_(std::move(routes)),
        limits_(limits),
        counters_(make_counters(metrics)) {
    if (limits_.max_connections == 0) limits_.max_connections = 1;
    accept();
    sweep();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~AsioHttpServer() override {
    io_.stop();
    if (thread_.joinable()) thread_.join();
    std::error_code ignored;
    acceptor_.close(ignored);
    sweep_.cancel();
    for (auto& c : connections_) c->socket.close(ignored);
    // The handlers of the operations just cancelled hold their connections: let them run once
    // (poll never blocks) so that every connection is released before the server goes.
    io_.restart();
    io_.poll();
    connections_.clear();
  }
  uint16_t port() const override { return acceptor_.local_endpoint().port(); }

 private:
  struct Connection;
  using ConnectionPtr = std::shared_ptr<Connection>;
  using List = std::list<ConnectionPtr>;

  struct Connection {
    explicit Connection(asio::ip::tcp::socket s) : socket(std::move(s)) {}
    asio::ip::tcp::socket socket;
    std::array<char, kReadChunk> chunk;
    std::string head;          // bytes of the request head so far
    uint64_t body_left = 0;    // body bytes still to read and discard
    bool in_body = false;
    bool open = true;
    std::string method, path;  // copied out of `head` once parsed
    std::string response;
    SteadyClock::time_point request_deadline;
    SteadyClock::time_point deadline;  // the earliest of the timeouts that apply now
    List::iterator position;
  };

  void accept() {
    acceptor_.async_accept([this](std::error_code ec, asio::ip::tcp::socket socket) {
      if (!ec) admit(std::move(socket));
      if (ec != asio::error::operation_aborted) accept();
    });
  }

  void admit(asio::ip::tcp::socket socket) {
    while (connections_.size() >= limits_.max_connections) {
      add(counters_.evicted);
      close(connections_.front());
    }
    auto c = std::make_shared<Connection>(std::move(socket));
    auto now = SteadyClock::now();
    c->request_deadline = now + limits_.request_timeout;
    c->deadline = std::min(c->request_deadline, now + limits_.idle_timeout);
    c->position = connections_.insert(connections_.end(), c);
    if (counters_.connections) counters_.connections->set(static_cast<int64_t>(connections_.size()));
    read(c);
  }

  void close(const ConnectionPtr& c) {
    if (!c->open) return;
    c->open = false;
    std::error_code ignored;
    c->socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    c->socket.close(ignored);
    connections_.erase(c->position);
    if (counters_.connections) counters_.connections->set(static_cast<int64_t>(connections_.size()));
  }

  void sweep() {
    sweep_.expires_after(kSweepInterval);
    sweep_.async_wait([this](std::error_code ec) {
      if (ec) return;
      auto now = SteadyClock::now();
      for (auto it = connections_.begin(); it != connections_.end();) {
        ConnectionPtr c = *it++;  // close() erases c's own node only
        if (c->deadline <= now) {
          add(counters_.timed_out);
          close(c);
        }
      }
      sweep();
    });
  }

  void read(const ConnectionPtr& c) {
    c->socket.async_read_some(asio::buffer(c->chunk), [this, c](std::error_code ec, std::size_t n) {
      if (!c->open) return;
      if (ec) return close(c);
      c->deadline = std::min(c->request_deadline, SteadyClock::now() + limits_.idle_timeout);
      std::string_view data(c->chunk.data(), n);
      if (c->in_body) return body_read(c, n);
      head_read(c, data);
    });
  }

  void head_read(const ConnectionPtr& c, std::string_view data) {
    // Only the head is kept (capped); body bytes in the same read are counted, not stored.
    std::size_t received = c->head.size() + data.size();
    std::size_t room = limits_.max_header_bytes + 4 - c->head.size();  // +4: the blank line
    c->head.append(data.substr(0, room));
    std::size_t end = find_head_end(c->head);
    if (end == std::string::npos) {
      if (c->head.size() >= limits_.max_header_bytes) return refuse(c, 431);
      return read(c);
    }
    HttpRequestHead h = parse_request_head(std::string_view(c->head).substr(0, end));
    if (h.error != 0) return refuse(c, h.error);
    if (h.content_length > limits_.max_body_bytes) return refuse(c, 413);
    c->method = h.method;
    c->path = h.path;
    uint64_t have = received - end;  // body bytes that came with the head
    std::string().swap(c->head);
    if (have >= h.content_length) return respond(c);
    c->body_left = h.content_length - have;
    c->in_body = true;
    read(c);
  }

  void body_read(const ConnectionPtr& c, std::size_t n) {
    c->body_left -= std::min<uint64_t>(c->body_left, n);
    if (c->body_left == 0) return respond(c);
    read(c);
  }

  void respond(const ConnectionPtr& c) {
    HttpResponse r;
    auto it = routes_.find(c->path);
    if (c->method != "GET" && c->method != "HEAD") {
      add(counters_.refused);
      r = {405, "text/plain", "only GET\n"};
    } else if (it == routes_.end()) {
      add(counters_.requests);
      r = {404, "text/plain", "not found\n"};
    } else {
      add(counters_.requests);
      r = it->second();
    }
    write(c, r, c->method != "HEAD");
  }

  void refuse(const ConnectionPtr& c, int status) {
    add(counters_.refused);
    write(c, {status, "text/plain", std::string(reason(status)) + "\n"}, true);
  }

  void write(const ConnectionPtr& c, const HttpResponse& r, bool with_body) {
    std::string().swap(c->head);
    c->in_body = false;
    c->deadline = SteadyClock::now() + limits_.write_timeout;
    c->response = fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        r.status, reason(r.status), r.content_type, r.body.size());
    if (with_body) c->response += r.body;
    asio::async_write(c->socket, asio::buffer(c->response),
                      [this, c](std::error_code, std::size_t) { close(c); });
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer sweep_;
  std::map<std::string, Handler> routes_;
  HttpServerLimits limits_;
  Counters counters_;
  List connections_;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& address,
                                                      std::map<std::string, Handler> routes,
                                                      HttpServerLimits limits, Metrics* metrics) {
  auto hp = split_host_port(address);
  if (!hp) return unexpected(hp.error());
  std::error_code ec;
  auto ip = asio::ip::make_address(hp->first, ec);
  if (ec) return unexpected(ErrorCode::kInvalidArgument, "api address: '" + hp->first + "' is not an IP address");
  try {
    return std::unique_ptr<HttpServer>(
        std::make_unique<AsioHttpServer>(asio::ip::tcp::endpoint(ip, hp->second), std::move(routes),
                                         limits, metrics));
  } catch (const std::system_error& e) {
    return unexpected(ErrorCode::kUnavailable, "cannot listen on " + address + ": " + e.what());
  }
}

}  // namespace logferry::net

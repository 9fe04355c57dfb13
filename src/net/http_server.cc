#include "net/http_server.h"

#include <asio.hpp>
#include <fmt/format.h>

#include <charconv>
#include <thread>

#include "core/log.h"

namespace logferry::net {

Result<std::pair<std::string, uint16_t>> split_host_port(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos)
    return unexpected(ErrorCode::kInvalidArgument, "address '" + address + "' must be HOST:PORT");
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  unsigned port = 0;
  auto p = address.substr(colon + 1);
  auto r = std::from_chars(p.data(), p.data() + p.size(), port);
  if (p.empty() || r.ec != std::errc() || r.ptr != p.data() + p.size() || port > 65535)
    return unexpected(ErrorCode::kInvalidArgument, "address '" + address + "' has no valid port");
  return std::pair<std::string, uint16_t>(host, static_cast<uint16_t>(port));
}

namespace {

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

class AsioHttpServer final : public HttpServer {
 public:
  AsioHttpServer(asio::ip::tcp::endpoint ep, std::map<std::string, Handler> routes)
      : acceptor_(io_, ep), routes_(std::move(routes)) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~AsioHttpServer() override {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const override { return acceptor_.local_endpoint().port(); }

 private:
  struct Connection : std::enable_shared_from_this<Connection> {
    explicit Connection(asio::ip::tcp::socket s) : socket(std::move(s)) {}
    asio::ip::tcp::socket socket;
    asio::streambuf request;
    std::string response;
  };

  void accept() {
    acceptor_.async_accept([this](std::error_code ec, asio::ip::tcp::socket socket) {
      if (!ec) serve(std::make_shared<Connection>(std::move(socket)));
      if (ec != asio::error::operation_aborted) accept();
    });
  }

  void serve(std::shared_ptr<Connection> c) {
    asio::async_read_until(c->socket, c->request, "\r\n\r\n",
                           [this, c](std::error_code ec, std::size_t) {
      if (ec) return;
      std::istream in(&c->request);
      std::string method, target;
      in >> method >> target;
      auto q = target.find('?');
      if (q != std::string::npos) target.resize(q);
      HttpResponse r;
      auto it = routes_.find(target);
      if (method != "GET" && method != "HEAD") {
        r = {405, "text/plain", "only GET\n"};
      } else if (it == routes_.end()) {
        r = {404, "text/plain", "not found\n"};
      } else {
        r = it->second();
      }
      c->response = fmt::format(
          "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
          r.status, reason(r.status), r.content_type, r.body.size());
      if (method != "HEAD") c->response += r.body;
      asio::async_write(c->socket, asio::buffer(c->response), [c](std::error_code, std::size_t) {
        std::error_code ignored;
        c->socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      });
    });
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::map<std::string, Handler> routes_;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& address,
                                                      std::map<std::string, Handler> routes) {
  auto hp = split_host_port(address);
  if (!hp) return unexpected(hp.error());
  std::error_code ec;
  auto ip = asio::ip::make_address(hp->first, ec);
  if (ec) return unexpected(ErrorCode::kInvalidArgument, "api address: '" + hp->first + "' is not an IP address");
  try {
    return std::unique_ptr<HttpServer>(
        std::make_unique<AsioHttpServer>(asio::ip::tcp::endpoint(ip, hp->second), std::move(routes)));
  } catch (const std::system_error& e) {
    return unexpected(ErrorCode::kUnavailable, "cannot listen on " + address + ": " + e.what());
  }
}

}  // namespace logferry::net

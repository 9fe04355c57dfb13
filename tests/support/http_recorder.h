// HttpRecorder: a small real HTTP/1.1 server on 127.0.0.1 for tests of HTTP clients (alert
// webhooks, Elasticsearch). Records every request (method, path, body) and answers with the
// status the test scripts (a queue of statuses, then a default). Keep-alive and
// Content-Length bodies; chunked request bodies are not supported. Header-only.
//
// Example:
//   HttpRecorder server;
//   server.script({500});                 // first request gets 500, the rest 200
//   ... point the client at server.url("/hook") ...
//   wait_until([&] { return server.requests().size() == 2; });
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace logferry::testing {

class HttpRecorder {
 public:
  struct Request {
    std::string method;
    std::string path;
    std::string body;
    int status = 0;  // what we answered
  };

  HttpRecorder() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~HttpRecorder() {
    stop_ = true;
    thread_.join();
    for (auto& t : connections_) t.join();
    ::close(listen_fd_);
  }
  HttpRecorder(const HttpRecorder&) = delete;
  HttpRecorder& operator=(const HttpRecorder&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // The next requests get these statuses, in order; afterwards default_status.
  void script(std::vector<int> statuses) {
    std::lock_guard lock(mu_);
    for (int s : statuses) scripted_.push_back(s);
  }
  void set_default_status(int status) { default_status_ = status; }
  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Bodies of the requests answered with 2xx.
  std::vector<std::string> accepted_bodies() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& r : requests_)
      if (r.status >= 200 && r.status < 300) out.push_back(r.body);
    return out;
  }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      connections_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    std::string buf;
    char chunk[16384];
    while (!stop_) {
      auto header_end = buf.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::string head = buf.substr(0, header_end);
        std::size_t length = 0;
        std::string lower;
        for (char c : head) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto cl = lower.find("content-length:");
        if (cl != std::string::npos) length = std::stoul(head.substr(cl + 15));
        if (buf.size() >= header_end + 4 + length) {
          Request r;
          auto sp1 = head.find(' ');
          auto sp2 = head.find(' ', sp1 + 1);
          r.method = head.substr(0, sp1);
          r.path = head.substr(sp1 + 1, sp2 - sp1 - 1);
          r.body = buf.substr(header_end + 4, length);
          buf.erase(0, header_end + 4 + length);
          {
            std::lock_guard lock(mu_);
            r.status = default_status_;
            if (!scripted_.empty()) {
              r.status = scripted_.front();
              scripted_.pop_front();
            }
            requests_.push_back(r);
          }
          std::string body = r.status < 300 ? "ok" : "error";
          std::string response = "HTTP/1.1 " + std::to_string(r.status) + " X\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\nContent-Type: text/plain\r\n\r\n" + body;
          if (::send(fd, response.data(), response.size(), MSG_NOSIGNAL) < 0) break;
          continue;
        }
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buf.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(fd);
  }

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> default_status_{200};
  mutable std::mutex mu_;
  std::deque<int> scripted_;
  std::vector<Request> requests_;
  std::thread thread_;
  std::vector<std::thread> connections_;
};

}  // namespace logferry::testing

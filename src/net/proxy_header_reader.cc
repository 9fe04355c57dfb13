#include "net/proxy_header_reader.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

namespace logferry::net {

namespace {

using asio::ip::tcp;

// One read in progress: waits for the socket to be readable, peeks, and takes what belongs to
// the header, until the header is whole, bad, or late.
class Reader : public std::enable_shared_from_this<Reader> {
 public:
  Reader(tcp::socket& socket, const ProxyHeaderOptions& options, std::string peer_ip, ProxyHeaderDone done)
      : socket_(socket), timer_(socket.get_executor()), options_(options), peer_ip_(std::move(peer_ip)),
        done_(std::move(done)) {}

  void start() {
    auto self = shared_from_this();
    timer_.expires_after(options_.timeout);
    timer_.async_wait([self](asio::error_code e) {
      if (e || self->finished_) return;
      asio::error_code ignored;
      self->socket_.cancel(ignored);  // now: once done has run, the socket may be gone
      self->fail("no complete header within " + std::to_string(self->options_.timeout.count()) + " ms");
    });
    wait();
  }

 private:
  void wait() {
    auto self = shared_from_this();
    socket_.async_wait(tcp::socket::wait_read, [self](asio::error_code e) {
      if (self->finished_) return;
      if (e == asio::error::operation_aborted) return self->finish(std::nullopt);  // closed by its owner
      if (e) return self->fail(e.message());
      self->on_readable();
    });
  }

  void on_readable() {
    std::array<char, kMaxProxyHeaderBytes> peeked;
    ssize_t n = ::recv(socket_.native_handle(), peeked.data(), peeked.size() - got_.size(), MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return wait();
    if (n < 0) return fail(std::string("read: ") + std::strerror(errno));
    if (n == 0) {
      if (got_.empty()) return finish(std::nullopt);  // connected and closed: a port check
      return fail("connection closed after " + std::to_string(got_.size()) + " bytes of the header");
    }
    std::string so_far = got_ + std::string(peeked.data(), static_cast<std::size_t>(n));
    ProxyParse parsed = parse_proxy_header(so_far);
    if (parsed.status == ProxyStatus::kBad) return fail(parsed.error);
    // Incomplete: every byte there is part of the header. Whole: take it and no more.
    std::size_t take = parsed.status == ProxyStatus::kDone ? parsed.header.length - got_.size() : static_cast<std::size_t>(n);
    if (!consume(take)) return fail(std::string("read: ") + std::strerror(errno));
    if (parsed.status == ProxyStatus::kDone) return finish(std::move(parsed.header));
    wait();
  }

  // Takes `count` bytes already peeked off the socket.
  bool consume(std::size_t count) {
    std::array<char, kMaxProxyHeaderBytes> taken;
    ssize_t n = ::recv(socket_.native_handle(), taken.data(), count, MSG_DONTWAIT);
    if (n != static_cast<ssize_t>(count)) return false;
    got_.append(taken.data(), count);
    return true;
  }

  void fail(const std::string& why) {
    if (options_.on_error) options_.on_error(peer_ip_, why);
    finish(std::nullopt);
  }

  void finish(std::optional<ProxyHeader> header) {
    finished_ = true;
    timer_.cancel();
    ProxyHeaderDone done = std::move(done_);  // drops what `done` holds once it has run
    done(std::move(header));
  }

  tcp::socket& socket_;
  asio::steady_timer timer_;
  ProxyHeaderOptions options_;
  std::string peer_ip_;
  ProxyHeaderDone done_;
  std::string got_;  // the header's bytes taken so far
  bool finished_ = false;
};

}  // namespace

void async_read_proxy_header(tcp::socket& socket, const ProxyHeaderOptions& options, std::string peer_ip,
                             ProxyHeaderDone done) {
  std::make_shared<Reader>(socket, options, std::move(peer_ip), std::move(done))->start();
}

}  // namespace logferry::net

// line_counter: the receiving end of the collector benchmark. Listens on 127.0.0.1, accepts any
// number of TCP connections, counts LF-terminated lines (4 MiB reads + memchr, so it is never
// the bottleneck), and reports when it has seen the expected count.
//
// stdout protocol (one line each, flushed):
//   PORT <n>                      once listening
//   DONE <monotonic ns>           the moment the expected count was reached
//   RESULT {json}                 at exit: lines, bytes, first_byte_ns, done_ns, last_byte_ns,
//                                 status = complete | idle | timeout | terminated
// After the expected count it keeps reading for --grace-ms of silence, so extra lines (repeats)
// are counted too. Exits on --idle-ms without data (after the first byte), --timeout-ms in all,
// or SIGTERM/SIGINT.
//
// usage: line_counter [--port P] [--expect N] [--idle-ms MS] [--timeout-ms MS] [--grace-ms MS]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  uint64_t expect = 0;
  int64_t idle_ms = 30000, timeout_ms = 900000, grace_ms = 500;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    const char* v = argv[i + 1];
    if (a == "--port") port = std::atoi(v);
    else if (a == "--expect") expect = std::strtoull(v, nullptr, 10);
    else if (a == "--idle-ms") idle_ms = std::atoll(v);
    else if (a == "--timeout-ms") timeout_ms = std::atoll(v);
    else if (a == "--grace-ms") grace_ms = std::atoll(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(lfd, 128) != 0) {
    std::perror("bind/listen");
    return 1;
  }
  socklen_t len = sizeof addr;
  getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("PORT %d\n", ntohs(addr.sin_port));
  std::fflush(stdout);

  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);

  std::vector<char> buf(4 << 20);
  uint64_t lines = 0, bytes = 0;
  int64_t first_ns = 0, done_ns = 0, last_ns = 0;
  const int64_t start_ns = now_ns();
  const char* status = "timeout";
  epoll_event events[64];
  for (;;) {
    if (g_stop) {
      status = "terminated";
      break;
    }
    const int64_t t = now_ns();
    if (t - start_ns > timeout_ms * 1000000LL) {
      status = "timeout";
      break;
    }
    if (done_ns && t - last_ns > grace_ms * 1000000LL) {
      status = "complete";
      break;
    }
    if (!done_ns && first_ns && t - last_ns > idle_ms * 1000000LL) {
      status = "idle";
      break;
    }
    const int wait_ms = done_ns ? static_cast<int>(grace_ms / 4 + 1) : 100;
    const int n = epoll_wait(ep, events, 64, wait_ms);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == lfd) {
        for (;;) {
          int c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          int rcvbuf = 4 << 20;
          setsockopt(c, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLRDHUP;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        }
        continue;
      }
      for (;;) {
        ssize_t r = read(fd, buf.data(), buf.size());
        if (r > 0) {
          const int64_t t_read = now_ns();
          if (!first_ns) first_ns = t_read;
          last_ns = t_read;
          bytes += static_cast<uint64_t>(r);
          const char* p = buf.data();
          const char* end = p + r;
          while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p))))) {
            ++lines;
            ++p;
          }
          if (!done_ns && expect && lines >= expect) {
            done_ns = t_read;
            std::printf("DONE %lld\n", static_cast<long long>(done_ns));
            std::fflush(stdout);
          }
          if (static_cast<std::size_t>(r) < buf.size()) break;
          continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
          epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
          close(fd);
        }
        break;
      }
    }
  }
  std::printf(
      "RESULT {\"lines\":%llu,\"bytes\":%llu,\"first_byte_ns\":%lld,\"done_ns\":%lld,"
      "\"last_byte_ns\":%lld,\"status\":\"%s\"}\n",
      static_cast<unsigned long long>(lines), static_cast<unsigned long long>(bytes),
      static_cast<long long>(first_ns), static_cast<long long>(done_ns),
      static_cast<long long>(last_ns), status);
  std::fflush(stdout);
  return 0;
}

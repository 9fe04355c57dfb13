// syslog_flood: the sending end of the syslog server benchmark. Sends N RFC 5424 messages over
// TCP to 127.0.0.1:PORT as fast as the receiver accepts them (256 KiB writes), spread over
// --hosts x --apps (HOSTNAME, APP-NAME) pairs so a templated output path makes that many files.
// Framing: lf (message + "\n") or octet (RFC 6587 "LEN SP message"). --connections C splits the
// messages over C connections, one thread each. Prints a JSON summary on stdout at the end.
//
// usage: syslog_flood --port P [--count N] [--framing lf|octet] [--connections C]
//                     [--hosts H] [--apps A]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t kFlushBytes = 256 * 1024;

struct Options {
  int port = 0;
  uint64_t count = 1000000;
  bool octet = false;
  int connections = 1;
  int hosts = 4;
  int apps = 5;
};

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// Message bodies of realistic, varied length (~60-300 bytes); the sequence number is appended.
std::vector<std::string> make_bodies() {
  static const char* kWords[] = {"request", "completed", "user", "session", "cache", "miss",
                                 "database", "query", "timeout", "retry", "connection", "closed",
                                 "order", "payment", "token", "refresh", "worker", "queue",
                                 "latency", "threshold", "upstream", "gateway", "health"};
  std::vector<std::string> bodies;
  uint64_t s = 88172645463325252ull;
  for (int i = 0; i < 64; ++i) {
    std::string b;
    const std::size_t target = 50 + (i * 37) % 240;
    while (b.size() < target) {
      s ^= s << 13;
      s ^= s >> 7;
      s ^= s << 17;
      if (!b.empty()) b += ' ';
      b += kWords[s % (sizeof kWords / sizeof *kWords)];
    }
    bodies.push_back(b);
  }
  return bodies;
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool send_messages(const Options& o, int conn_index, uint64_t first, uint64_t count) {
  int sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    return false;
  }
  const std::vector<std::string> bodies = make_bodies();
  std::string out;
  out.reserve(kFlushBytes + 4096);
  char msg[1024];
  char ts[40] = "";
  time_t ts_sec = 0;
  for (uint64_t i = first; i < first + count; ++i) {
    if ((i & 1023) == 0 || ts[0] == 0) {  // wall-clock timestamp, refreshed every 1024 messages
      timespec rt;
      clock_gettime(CLOCK_REALTIME, &rt);
      if (rt.tv_sec != ts_sec) {
        ts_sec = rt.tv_sec;
        tm t;
        gmtime_r(&ts_sec, &t);
        std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d", t.tm_year + 1900,
                      t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec);
      }
    }
    const int host = static_cast<int>(i % static_cast<uint64_t>(o.hosts));
    const int app = static_cast<int>((i / static_cast<uint64_t>(o.hosts)) % static_cast<uint64_t>(o.apps));
    const int n = std::snprintf(
        msg, sizeof msg, "<%d>1 %s.%06dZ node-%02d app-%d %d ID%d - %s seq=%llu conn=%d",
        16 * 8 + static_cast<int>(i % 8), ts, static_cast<int>(i % 1000000), host, app,
        1000 + app, static_cast<int>(i % 100), bodies[i % bodies.size()].c_str(),
        static_cast<unsigned long long>(i), conn_index);
    if (o.octet) {
      out += std::to_string(n);
      out += ' ';
      out.append(msg, static_cast<std::size_t>(n));
    } else {
      out.append(msg, static_cast<std::size_t>(n));
      out += '\n';
    }
    if (out.size() >= kFlushBytes) {
      if (!write_all(sock, out.data(), out.size())) {
        std::perror("write");
        return false;
      }
      out.clear();
    }
  }
  if (!out.empty() && !write_all(sock, out.data(), out.size())) {
    std::perror("write");
    return false;
  }
  // close() after shutdown still delivers what is queued (no unread input, so no RST).
  shutdown(sock, SHUT_WR);
  close(sock);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    const char* v = argv[i + 1];
    if (a == "--port") o.port = std::atoi(v);
    else if (a == "--count") o.count = std::strtoull(v, nullptr, 10);
    else if (a == "--framing") o.octet = std::string_view(v) == "octet";
    else if (a == "--connections") o.connections = std::atoi(v);
    else if (a == "--hosts") o.hosts = std::atoi(v);
    else if (a == "--apps") o.apps = std::atoi(v);
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (o.port <= 0 || o.connections <= 0 || o.hosts <= 0 || o.apps <= 0) {
    std::fprintf(stderr, "usage: syslog_flood --port P [--count N] [--framing lf|octet] "
                         "[--connections C] [--hosts H] [--apps A]\n");
    return 2;
  }
  const int64_t start = now_ns();
  std::vector<std::thread> threads;
  std::vector<char> ok(static_cast<std::size_t>(o.connections), 0);
  const uint64_t per = o.count / static_cast<uint64_t>(o.connections);
  for (int c = 0; c < o.connections; ++c) {
    const uint64_t first = per * static_cast<uint64_t>(c);
    const uint64_t n = c + 1 == o.connections ? o.count - first : per;
    threads.emplace_back([&, c, first, n] { ok[static_cast<std::size_t>(c)] = send_messages(o, c, first, n); });
  }
  bool all_ok = true;
  for (std::size_t c = 0; c < threads.size(); ++c) {
    threads[c].join();
    all_ok = all_ok && ok[c];
  }
  std::printf("{\"sent\":%llu,\"seconds\":%.3f,\"ok\":%s}\n",
              static_cast<unsigned long long>(o.count), static_cast<double>(now_ns() - start) / 1e9,
              all_ok ? "true" : "false");
  return all_ok ? 0 : 1;
}

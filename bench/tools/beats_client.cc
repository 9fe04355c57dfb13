// beats_client: a sending end that behaves like Filebeat's logstash output (libbeat
// outputs/logstash + elastic/go-lumber), for the beats benchmark and for trying the beats
// source by hand. Per connection: a window of `W n` + one `C` frame holding n `J` frames
// (seq 1..n, as go-lumber does), or plain J frames with --compression 0. The window starts
// at 10 events and grows x1.5 after each acked window up to --bulk-max-size (libbeat's
// window.go); a read that sees neither an ACK nor a keep-alive (`2A 0`) for --timeout
// seconds closes the connection, reconnects and resends every un-acked window (what makes
// duplicates when a server does not send keep-alives). --pipelining K keeps up to K windows
// in flight before waiting for the oldest ACK.
//
// Events are shaped like ICP's Filebeat 5.x with json.keys_under_root (REFERENCE.md §7), or
// with --shape apache like Filebeat reading an Apache/nginx access log (line in `message`).
// Compressing every window would make the client the bottleneck, so --distinct windows of
// each size are built once and sent in turn (the events of one window all differ).
//
// usage: beats_client --port P [--count N] [--connections C] [--bulk-max-size 2048]
//                     [--compression 3] [--pipelining 1] [--timeout 15] [--distinct 8]
//                     [--shape icp|apache] [--dump N (print N events and exit)]
// Prints a JSON summary on stdout.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/lumberjack.h"

namespace lj = logferry::net::lumberjack;

namespace {

struct Options {
  int port = 0;
  uint64_t count = 1000000;
  int connections = 1;
  uint32_t bulk_max_size = 2048;
  int compression = 3;
  int pipelining = 1;
  int timeout_s = 15;
  int distinct = 8;
  bool apache = false;  // --shape apache: access log lines in `message`; default icp
  uint64_t dump = 0;    // --dump N: print N events (JSON lines) and exit
};

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// One ICP-shaped event as JSON. One line in four is a JSON application log (the ICP pipeline's
// json filter merges it).
std::string icp_event(uint64_t n) {
  // Already JSON-escaped: they go between quotes as they are. The counter n goes between
  // prefix and suffix, so the events of a window all differ.
  static const char* kLines[][2] = {
      {"GET /api/v1/namespaces/default/pods?limit=500 200 12ms ", ""},
      {R"(level=info ts=2018-04-07T12:00:01.123Z caller=main.go:212 msg=\"reconcile finished\" )"
       R"(controller=deployment key=default/web duration=3.2ms )", ""},
      {R"({\"level\":\"warn\",\"msg\":\"slow query\",\"query\":\"SELECT * FROM orders WHERE id = ?\",)"
       R"(\"elapsed_ms\":812,\"n\":)", "}"},
      {"I0407 12:00:01.123456       1 controller.go:105] Syncing pod default/web-7d9f8 (generation 14) ", ""}};
  char buf[1024];
  int len = std::snprintf(
      buf, sizeof buf,
      "{\"@timestamp\":\"2018-04-07T12:00:01.%03dZ\",\"@metadata\":{\"beat\":\"filebeat\",\"type\":"
      "\"kube-logs\"},\"log\":\"%s%llu%s\",\"stream\":\"stdout\",\"time\":\"2018-04-07T12:00:01.%09lluZ\","
      "\"source\":\"/var/log/containers/web-7d9f8_default_nginx-"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log\",\"offset\":%llu,"
      "\"type\":\"kube-logs\",\"beat\":{\"name\":\"worker-3\",\"hostname\":\"worker-3\","
      "\"version\":\"5.6.3\"},\"input_type\":\"log\"}",
      static_cast<int>(n % 1000), kLines[n % 4][0], static_cast<unsigned long long>(n), kLines[n % 4][1],
      static_cast<unsigned long long>(n % 1000000000), static_cast<unsigned long long>(n * 211));
  return std::string(buf, static_cast<std::size_t>(len));
}

// One Filebeat event carrying an Apache/nginx combined access log line in `message` (the
// grok benchmark's %{COMBINEDAPACHELOG}).
std::string apache_event(uint64_t n) {
  static const char* kRequests[] = {
      "GET /index.html HTTP/1.1", "POST /api/v2/orders?id=%llu HTTP/1.1",
      "GET /static/js/app.3f9a1c.js HTTP/2.0", "GET /images/logo.png HTTP/1.1"};
  static const char* kAgents[] = {
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
      "curl/7.88.1", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15"};
  char request[128];
  std::snprintf(request, sizeof request, kRequests[n % 4], static_cast<unsigned long long>(n));
  char buf[1024];
  int len = std::snprintf(
      buf, sizeof buf,
      "{\"@timestamp\":\"2018-04-07T12:00:01.%03dZ\",\"@metadata\":{\"beat\":\"filebeat\",\"type\":"
      "\"log\"},\"message\":\"10.%d.%d.%d - - [07/Apr/2018:12:00:%02d +0000] \\\"%s\\\" %d %llu "
      "\\\"https://shop.example.com/cart\\\" \\\"%s\\\"\",\"source\":\"/var/log/nginx/access.log\","
      "\"offset\":%llu,\"type\":\"log\",\"beat\":{\"name\":\"web-1\",\"hostname\":\"web-1\","
      "\"version\":\"5.6.3\"},\"input_type\":\"log\"}",
      static_cast<int>(n % 1000), static_cast<int>(n % 256), static_cast<int>(n / 256 % 256),
      static_cast<int>(n / 65536 % 256), static_cast<int>(n % 60), request, n % 10 == 0 ? 404 : 200,
      static_cast<unsigned long long>(200 + n % 50000), kAgents[n % 3], static_cast<unsigned long long>(n * 173));
  return std::string(buf, static_cast<std::size_t>(len));
}

// Encoded windows, built once per (size, variant).
class WindowCache {
 public:
  explicit WindowCache(const Options& o) : o_(o) {}
  const std::string& get(uint32_t size, uint64_t variant) {
    std::lock_guard lock(mu_);
    auto key = std::make_pair(size, variant % static_cast<uint64_t>(o_.distinct));
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    std::string frames, out;
    for (uint32_t i = 0; i < size; ++i)
      {
      uint64_t n = key.second * 1000003ull + i;
      lj::append_json(frames, i + 1, o_.apache ? apache_event(n) : icp_event(n));
    }
    lj::append_window(out, size);
    if (o_.compression > 0) {
      lj::append_compressed(out, frames, o_.compression);
    } else {
      out += frames;
    }
    return cache_.emplace(key, std::move(out)).first->second;
  }

 private:
  const Options& o_;
  std::mutex mu_;
  std::map<std::pair<uint32_t, uint64_t>, std::string> cache_;
};

int connect_to(int port, int timeout_s) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{timeout_s, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool send_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

struct Totals {
  std::atomic<uint64_t> acked{0}, windows{0}, keepalives{0}, resent_windows{0}, reconnects{0};
};

// One connection's loop: windows from `quota` events, resent after a timeout.
void run_connection(const Options& o, uint64_t quota, uint64_t seed, WindowCache& cache, Totals& t) {
  struct InFlight {
    uint32_t size;
    uint64_t variant;
  };
  std::deque<InFlight> in_flight;
  double window = 10;
  uint64_t sent = 0, variant = seed;
  int fd = -1;
  lj::AckReader reader;
  auto reconnect = [&] {
    if (fd >= 0) ::close(fd);
    while ((fd = connect_to(o.port, o.timeout_s)) < 0) ::usleep(100000);
    reader = lj::AckReader();
    for (const InFlight& w : in_flight) {  // resend what has no ack
      send_all(fd, cache.get(w.size, w.variant));
      t.resent_windows++;
    }
  };
  reconnect();
  while (sent < quota || !in_flight.empty()) {
    while (sent < quota && in_flight.size() < static_cast<std::size_t>(o.pipelining)) {
      uint32_t size = static_cast<uint32_t>(std::min<uint64_t>(static_cast<uint64_t>(window), quota - sent));
      in_flight.push_back({size, variant++});
      sent += size;
      if (!send_all(fd, cache.get(size, in_flight.back().variant))) break;
    }
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {  // timeout (no ack, no keep-alive), reset or EOF: reconnect and resend
      t.reconnects++;
      window = std::max(1.0, window / 2);
      reconnect();
      continue;
    }
    bool ok = reader.feed(std::string_view(buf, static_cast<std::size_t>(n)), [&](uint32_t seq) {
      if (seq == 0) {
        t.keepalives++;
        return;
      }
      if (in_flight.empty() || seq != in_flight.front().size) return;  // partial ack: wait on
      t.acked += seq;
      t.windows++;
      in_flight.pop_front();
      window = std::min<double>(window * 1.5, o.bulk_max_size);
    });
    if (!ok) {
      std::fprintf(stderr, "beats_client: not an ACK frame from the server\n");
      std::exit(1);
    }
  }
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--port") o.port = std::atoi(v);
    else if (k == "--count") o.count = std::strtoull(v, nullptr, 10);
    else if (k == "--connections") o.connections = std::max(1, std::atoi(v));
    else if (k == "--bulk-max-size") o.bulk_max_size = static_cast<uint32_t>(std::max(1, std::atoi(v)));
    else if (k == "--compression") o.compression = std::atoi(v);
    else if (k == "--pipelining") o.pipelining = std::max(1, std::atoi(v));
    else if (k == "--timeout") o.timeout_s = std::max(1, std::atoi(v));
    else if (k == "--distinct") o.distinct = std::max(1, std::atoi(v));
    else if (k == "--dump") o.dump = std::strtoull(v, nullptr, 10);
    else if (k == "--shape" && (std::strcmp(v, "icp") == 0 || std::strcmp(v, "apache") == 0))
      o.apache = std::strcmp(v, "apache") == 0;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  for (uint64_t n = 0; n < o.dump; ++n) std::printf("%s\n", (o.apache ? apache_event(n) : icp_event(n)).c_str());
  if (o.dump > 0) return 0;
  if (o.port == 0) {
    std::fprintf(stderr, "usage: beats_client --port P [--count N] [--connections C] ...\n");
    return 2;
  }
  WindowCache cache(o);
  // Build the windows before the clock starts.
  for (uint64_t v = 0; v < static_cast<uint64_t>(o.distinct); ++v) cache.get(o.bulk_max_size, v);
  Totals t;
  int64_t start = now_ns();
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c) {
    uint64_t quota = o.count / static_cast<uint64_t>(o.connections) +
                     (static_cast<uint64_t>(c) < o.count % static_cast<uint64_t>(o.connections) ? 1 : 0);
    threads.emplace_back([&, quota, c] { run_connection(o, quota, static_cast<uint64_t>(c), cache, t); });
  }
  for (auto& th : threads) th.join();
  double secs = static_cast<double>(now_ns() - start) / 1e9;
  std::printf("{\"events\":%llu,\"windows\":%llu,\"seconds\":%.3f,\"events_per_s\":%.0f,"
              "\"keepalives\":%llu,\"reconnects\":%llu,\"resent_windows\":%llu}\n",
              static_cast<unsigned long long>(t.acked.load()), static_cast<unsigned long long>(t.windows.load()),
              secs, static_cast<double>(t.acked.load()) / secs,
              static_cast<unsigned long long>(t.keepalives.load()),
              static_cast<unsigned long long>(t.reconnects.load()),
              static_cast<unsigned long long>(t.resent_windows.load()));
  return t.acked.load() == o.count ? 0 : 1;
}

// gen_cri_corpus: writes a Kubernetes node log tree as kubelet + containerd leave it, for the
// collector benchmark:
//   ROOT/pods/<ns>_<pod>_<uid>/<container>/0.log          CRI lines
//   ROOT/containers/<pod>_<ns>_<container>-<64 hex>.log   symlinks to those files
// Lines: "<RFC3339Nano> <stdout|stderr> <P|F> <content>\n". Content is a realistic mix (JSON app
// logs, access logs, plain text, ~100-400 bytes; a few 1-4 KiB lines; a few 20-60 KiB stack
// dumps that containerd splits into 16 KiB P chunks; a few lines an application wrote in
// pieces, i.e. P ... F). Deterministic for a given seed.
// Prints a JSON manifest (also written to ROOT/manifest.json) with the counts the harness checks:
// physical_lines (what a line-by-line reader delivers) and logical_lines (after joining P..F).
//
// usage: gen_cri_corpus --root DIR --bytes N [--files K] [--seed S]
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kContainerdChunk = 16384;  // max_container_log_line_size default

class Rng {  // xorshift64*: fast and deterministic; statistical quality is irrelevant here
 public:
  explicit Rng(uint64_t seed) : s_(seed ? seed : 0x9E3779B97F4A7C15ull) {}
  uint64_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1Dull;
  }
  uint64_t below(uint64_t n) { return next() % n; }
  uint64_t between(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }

 private:
  uint64_t s_;
};

const std::vector<std::string_view> kWords = {
    "request", "completed", "user", "session", "cache", "miss", "hit", "database", "query",
    "timeout", "retry", "connection", "established", "closed", "order", "payment", "invoice",
    "shipment", "inventory", "updated", "created", "deleted", "token", "refresh", "handler",
    "worker", "queue", "message", "consumer", "producer", "partition", "offset", "commit",
    "snapshot", "replica", "leader", "election", "heartbeat", "latency", "threshold", "exceeded",
    "warning", "upstream", "downstream", "gateway", "service", "endpoint", "health", "check",
    "passed", "failed", "config", "reloaded", "scheduler", "job", "started", "finished", "metric",
    "flush", "batch", "records", "bytes", "tenant", "region", "zone", "node", "pod", "volume"};
const std::vector<std::string_view> kLevels = {"info", "info", "info", "info", "debug", "warn",
                                               "error"};
const std::vector<std::string_view> kPaths = {
    "/api/v1/orders", "/api/v1/users/me", "/healthz", "/metrics", "/api/v2/search?q=shoes",
    "/static/js/app.3f9a1c.js", "/api/v1/payments/authorize", "/login", "/api/v1/cart/items"};
const std::vector<std::string_view> kMethods = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
const std::vector<std::string_view> kNamespaces = {"default",    "kube-system", "payments",
                                                   "checkout",   "search",      "monitoring",
                                                   "ingress-nginx", "batch"};
const std::vector<std::string_view> kApps = {"api",    "web",      "worker", "nginx",
                                             "coredns", "exporter", "indexer", "cron"};

void append_hex(std::string& out, Rng& rng, int digits) {
  static const char* kHex = "0123456789abcdef";
  for (int i = 0; i < digits; ++i) out += kHex[rng.below(16)];
}

void append_alnum(std::string& out, Rng& rng, int n) {
  static const char* kChars = "bcdfghjklmnpqrstvwxz2456789";
  for (int i = 0; i < n; ++i) out += kChars[rng.below(27)];
}

void append_words(std::string& out, Rng& rng, std::size_t target_len) {
  bool first = true;
  while (out.size() < target_len) {
    if (!first) out += ' ';
    first = false;
    out += kWords[rng.below(kWords.size())];
  }
}

// civil-from-days (Howard Hinnant), for RFC 3339 timestamps without libc time zone calls.
void civil(int64_t days, int& y, unsigned& m, unsigned& d) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

// containerd writes time.RFC3339Nano: trailing zeros of the fraction are trimmed.
void append_timestamp(std::string& out, int64_t unix_ns) {
  const int64_t secs = unix_ns / 1000000000;
  int64_t frac = unix_ns % 1000000000;
  int y;
  unsigned mo, d;
  civil(secs / 86400, y, mo, d);
  const int64_t sod = secs % 86400;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", y, mo, d,
                        static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                        static_cast<int>(sod % 60));
  out.append(buf, static_cast<std::size_t>(n));
  if (frac != 0) {
    char f[16];
    std::snprintf(f, sizeof f, "%09lld", static_cast<long long>(frac));
    int len = 9;
    while (len > 0 && f[len - 1] == '0') --len;
    out += '.';
    out.append(f, static_cast<std::size_t>(len));
  }
  out += 'Z';
}

struct Container {
  std::string ns, pod, uid, name, id;
  fs::path log_path;
};

struct Counts {
  uint64_t bytes = 0, physical = 0, logical = 0, partial = 0, long_split = 0, app_split = 0;
};

class Writer {
 public:
  Writer(FILE* f, Rng& rng, int64_t start_ns, Counts& counts)
      : f_(f), rng_(rng), now_ns_(start_ns), counts_(counts) {}

  // Emits one logical line; containerd-style P chunks when it is longer than 16 KiB, or
  // application-style pieces when `pieces` > 1.
  void emit(std::string_view content, bool stderr_stream, int pieces) {
    const char* stream = stderr_stream ? "stderr" : "stdout";
    std::vector<std::string_view> chunks;
    if (content.size() > kContainerdChunk) {
      for (std::size_t off = 0; off < content.size(); off += kContainerdChunk)
        chunks.push_back(content.substr(off, kContainerdChunk));
      ++counts_.long_split;
    } else if (pieces > 1 && content.size() > static_cast<std::size_t>(pieces) * 4) {
      std::size_t off = 0;
      for (int i = 0; i < pieces - 1; ++i) {
        std::size_t remaining = content.size() - off;
        std::size_t len = 1 + rng_.below(remaining / 2);
        chunks.push_back(content.substr(off, len));
        off += len;
      }
      chunks.push_back(content.substr(off));
      ++counts_.app_split;
    } else {
      chunks.push_back(content);
    }
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      now_ns_ += static_cast<int64_t>(rng_.between(1000, 400000));
      line_.clear();
      append_timestamp(line_, now_ns_);
      line_ += ' ';
      line_ += stream;
      const bool last = i + 1 == chunks.size();
      line_ += last ? " F " : " P ";
      line_ += chunks[i];
      line_ += '\n';
      if (std::fwrite(line_.data(), 1, line_.size(), f_) != line_.size()) {
        std::perror("write");
        std::exit(1);
      }
      counts_.bytes += line_.size();
      ++counts_.physical;
      if (!last) ++counts_.partial;
    }
    ++counts_.logical;
  }

 private:
  FILE* f_;
  Rng& rng_;
  int64_t now_ns_;
  Counts& counts_;
  std::string line_;
};

void make_content(std::string& out, Rng& rng, const Container& c, uint64_t seq) {
  out.clear();
  const uint64_t kind = rng.below(10000);
  if (kind < 5600) {  // structured JSON application log, ~150-400 bytes
    out += R"({"level":")";
    out += kLevels[rng.below(kLevels.size())];
    out += R"(","ts":")";
    out += std::to_string(1764000000 + seq / 100);
    out += '.';
    out += std::to_string(rng.below(1000000));
    out += R"(","logger":")";
    out += c.name;
    out += '.';
    out += kWords[rng.below(kWords.size())];
    out += R"(","msg":")";
    std::size_t msg_start = out.size();
    append_words(out, rng, msg_start + rng.between(20, 120));
    out += R"(","trace_id":")";
    append_hex(out, rng, 32);
    out += R"(","span_id":")";
    append_hex(out, rng, 16);
    out += R"(","user_id":)";
    out += std::to_string(rng.below(10000000));
    out += R"(,"duration_ms":)";
    out += std::to_string(rng.below(5000));
    if (rng.below(2)) {
      out += R"(,"detail":")";
      std::size_t d = out.size();
      append_words(out, rng, d + rng.between(10, 140));
      out += '"';
    }
    out += '}';
  } else if (kind < 8200) {  // access log, ~130-250 bytes
    char buf[96];
    std::snprintf(buf, sizeof buf, "10.%u.%u.%u - - [25/Nov/2026:10:%02u:%02u +0000] \"",
                  static_cast<unsigned>(rng.below(256)), static_cast<unsigned>(rng.below(256)),
                  static_cast<unsigned>(rng.below(256)), static_cast<unsigned>(seq / 60 % 60),
                  static_cast<unsigned>(seq % 60));
    out += buf;
    out += kMethods[rng.below(kMethods.size())];
    out += ' ';
    out += kPaths[rng.below(kPaths.size())];
    std::snprintf(buf, sizeof buf, " HTTP/1.1\" %u %u \"-\" \"",
                  static_cast<unsigned>(rng.below(10) ? 200 : 500 + rng.below(4)),
                  static_cast<unsigned>(rng.below(100000)));
    out += buf;
    out += rng.below(3) ? "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0"
                        : "kube-probe/1.29";
    out += "\" rt=0.";
    out += std::to_string(rng.below(1000));
    out += " upstream=";
    append_hex(out, rng, 12);
  } else if (kind < 9900) {  // plain text, ~60-250 bytes
    out += "I1125 10:";
    out += std::to_string(10 + seq % 50);
    out += ":00.";
    out += std::to_string(100000 + rng.below(900000));
    out += "       1 ";
    out += kWords[rng.below(kWords.size())];
    out += ".go:";
    out += std::to_string(rng.below(900));
    out += "] ";
    append_words(out, rng, out.size() + rng.between(30, 200));
  } else if (kind < 9995) {  // 1-4 KiB line (a request dump)
    out += R"({"level":"debug","msg":"request body","body":")";
    append_words(out, rng, out.size() + rng.between(1000, 4000));
    out += R"("})";
  } else {  // 20-60 KiB stack dump on one line: containerd splits it into 16 KiB P chunks
    out += "panic: runtime error: index out of range [recovered] goroutine dump:";
    const std::size_t target = out.size() + rng.between(20000, 60000);
    while (out.size() < target) {
      out += " at com.example.";
      out += kWords[rng.below(kWords.size())];
      out += '.';
      out += kWords[rng.below(kWords.size())];
      out += "(";
      out += kApps[rng.below(kApps.size())];
      out += ".java:";
      out += std::to_string(rng.below(2000));
      out += ')';
    }
  }
}

uint64_t parse_size(const char* s) {
  char* end = nullptr;
  double v = std::strtod(s, &end);
  std::string unit(end ? end : "");
  uint64_t mul = 1;
  if (unit == "K" || unit == "KB") mul = 1000;
  else if (unit == "KiB" || unit == "k") mul = 1024;
  else if (unit == "M" || unit == "MB") mul = 1000 * 1000;
  else if (unit == "MiB" || unit == "m") mul = 1024 * 1024;
  else if (unit == "G" || unit == "GB") mul = 1000ull * 1000 * 1000;
  else if (unit == "GiB" || unit == "g") mul = 1024ull * 1024 * 1024;
  else if (!unit.empty()) {
    std::fprintf(stderr, "bad size unit: %s\n", s);
    std::exit(2);
  }
  return static_cast<uint64_t>(v * static_cast<double>(mul));
}

}  // namespace

int main(int argc, char** argv) {
  std::string root;
  uint64_t total = 0;
  int files = 8;
  uint64_t seed = 42;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    if (a == "--root") root = argv[i + 1];
    else if (a == "--bytes") total = parse_size(argv[i + 1]);
    else if (a == "--files") files = std::atoi(argv[i + 1]);
    else if (a == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (root.empty() || total == 0 || files <= 0) {
    std::fprintf(stderr, "usage: gen_cri_corpus --root DIR --bytes N[M|G|MiB|GiB] [--files K] [--seed S]\n");
    return 2;
  }
  const fs::path root_path = fs::absolute(root);
  fs::create_directories(root_path / "pods");
  fs::create_directories(root_path / "containers");

  Rng rng(seed);
  Counts counts;
  std::string content;
  std::vector<char> iobuf(1 << 20);
  const int64_t start_ns = 1764064800LL * 1000000000LL;  // 2025-11-25T10:00:00Z
  for (int i = 0; i < files; ++i) {
    Container c;
    c.ns = kNamespaces[static_cast<std::size_t>(i) % kNamespaces.size()];
    c.name = kApps[static_cast<std::size_t>(i) % kApps.size()];
    c.pod = c.name + "-";
    append_hex(c.pod, rng, 10);
    c.pod += '-';
    append_alnum(c.pod, rng, 5);
    append_hex(c.uid, rng, 8);
    c.uid += '-';
    append_hex(c.uid, rng, 4);
    c.uid += "-4";
    append_hex(c.uid, rng, 3);
    c.uid += "-a";
    append_hex(c.uid, rng, 3);
    c.uid += '-';
    append_hex(c.uid, rng, 12);
    append_hex(c.id, rng, 64);
    const fs::path dir = root_path / "pods" / (c.ns + "_" + c.pod + "_" + c.uid) / c.name;
    fs::create_directories(dir);
    c.log_path = dir / "0.log";
    FILE* f = std::fopen(c.log_path.c_str(), "wb");
    if (!f) {
      std::perror(c.log_path.c_str());
      return 1;
    }
    std::setvbuf(f, iobuf.data(), _IOFBF, iobuf.size());
    const uint64_t file_target = total / static_cast<uint64_t>(files) * static_cast<uint64_t>(i + 1);
    Writer w(f, rng, start_ns, counts);
    uint64_t seq = 0;
    while (counts.bytes < file_target) {
      make_content(content, rng, c, seq++);
      const int pieces = rng.below(200) == 0 ? static_cast<int>(rng.between(2, 3)) : 1;
      w.emit(content, rng.below(100) < 15, pieces);
    }
    if (std::fclose(f) != 0) {
      std::perror("close");
      return 1;
    }
    const fs::path link =
        root_path / "containers" / (c.pod + "_" + c.ns + "_" + c.name + "-" + c.id + ".log");
    std::error_code ec;
    fs::remove(link, ec);
    fs::create_symlink(c.log_path, link);
  }
  char manifest[512];
  std::snprintf(manifest, sizeof manifest,
                "{\"bytes\":%llu,\"files\":%d,\"seed\":%llu,\"physical_lines\":%llu,"
                "\"logical_lines\":%llu,\"partial_lines\":%llu,\"long_lines_split\":%llu,"
                "\"app_lines_split\":%llu}\n",
                static_cast<unsigned long long>(counts.bytes), files,
                static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(counts.physical),
                static_cast<unsigned long long>(counts.logical),
                static_cast<unsigned long long>(counts.partial),
                static_cast<unsigned long long>(counts.long_split),
                static_cast<unsigned long long>(counts.app_split));
  FILE* m = std::fopen((root_path / "manifest.json").c_str(), "w");
  if (!m || std::fputs(manifest, m) < 0 || std::fclose(m) != 0) {
    std::perror("manifest.json");
    return 1;
  }
  std::fputs(manifest, stdout);
  return 0;
}

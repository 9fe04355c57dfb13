// The syslog source with real senders: util-linux logger and rsyslogd (TCP, UDP, RELP, TLS)
// into the real build/logferry, events read back from the console sink's JSON on stdout.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/net_util.h"
#include "support/proxy_relay.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

using namespace std::chrono_literals;

std::string hostname() {
  char buf[256] = {};
  ::gethostname(buf, sizeof(buf) - 1);
  return buf;
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (auto nl = s.find('\n'); nl != std::string::npos; nl = s.find('\n', start)) {
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// logferry with one syslog source into the console sink (JSON lines on stdout).
class Logferry {
 public:
  Logferry(const TempDir& dir, const std::string& source_yaml, const std::string& sink_yaml = "",
           uint16_t api_port = 0) {
    std::string cfg = "data_dir: " + (dir / "data").string() + "\n";
    if (api_port) cfg += "api: { address: 127.0.0.1:" + std::to_string(api_port) + " }\n";
    cfg += "sources:\n  in:\n" + source_yaml + "sinks:\n" +
           (sink_yaml.empty() ? "  out: { type: console, inputs: [in], encoding: json }\n" : sink_yaml);
    auto path = dir.write("logferry.yaml", cfg);
    process_ = std::make_unique<ChildProcess>(ChildProcess::Options{
        {logferry_binary().string(), "run", "-c", path.string()}, {}, dir.path(), "logferry"});
    // The source's own line: the API server logs "listening on" earlier.
    EXPECT_TRUE(wait_until([&] { return process_->err().find("syslog source in: listening on") != std::string::npos; },
                           10s, "logferry listening"))
        << process_->err();
  }
  ChildProcess& process() { return *process_; }
  std::string out() { return process_->out(); }
  std::size_t count(const std::string& needle) { return count_of(out(), needle); }

 private:
  std::unique_ptr<ChildProcess> process_;
};

int run_logger(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/logger");
  std::string output;
  int rc = run_command(args, &output, 30s);
  EXPECT_EQ(rc, 0) << output;
  return rc;
}

std::string source_yaml(const std::string& mode, uint16_t port, const std::string& extra = "") {
  return "    type: syslog\n    mode: " + mode + "\n    address: 127.0.0.1:" + std::to_string(port) +
         "\n" + extra;
}

// Writes n numbered lines "<prefix> N" to a file.
std::filesystem::path write_lines(const TempDir& dir, const std::string& name,
                                  const std::string& prefix, int n) {
  std::string text;
  for (int i = 0; i < n; ++i) text += prefix + " " + std::to_string(i) + "\n";
  return dir.write(name, text);
}

// Every numbered line arrived exactly once.
void expect_each_once(Logferry& lf, const std::string& prefix, int n) {
  ASSERT_TRUE(wait_until([&] { return lf.count("\"message\":\"" + prefix + " ") >= static_cast<std::size_t>(n); },
                         30s, prefix + " lines"))
      << "got " << lf.count("\"message\":\"" + prefix + " ") << " of " << n << "\n"
      << lf.process().err();
  std::string out = lf.out();
  for (int i = 0; i < n; ++i) {
    std::string needle = "\"message\":\"" + prefix + " " + std::to_string(i) + "\"";
    ASSERT_EQ(count_of(out, needle), 1u) << needle;
  }
}

TEST(SyslogSourceIntegration, LoggerTcpRfc5424OctetCounting) {
  TempDir dir;
  uint16_t port = free_tcp_port();
  Logferry lf(dir, source_yaml("tcp", port));
  auto input = write_lines(dir, "in.txt", "octet", 300);
  run_logger({"-T", "--octet-count", "--rfc5424", "-n", "127.0.0.1", "-P", std::to_string(port),
              "-t", "myapp", "--id=4242", "--msgid", "MID7", "-p", "local3.warning",
              "--sd-id", "origin@32473", "--sd-param", "team=\"ops\"", "-f", input.string()});
  expect_each_once(lf, "octet", 300);
  auto line = lines_of(lf.out()).front();
  EXPECT_NE(line.find("\"host\":\"" + hostname() + "\",\"appname\":\"myapp\",\"procid\":\"4242\","
                      "\"msgid\":\"MID7\",\"facility\":19,\"severity\":4"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("\"origin@32473\":{\"team\":\"ops\"}"), std::string::npos) << line;
  EXPECT_NE(line.find("\"source_ip\":\"127.0.0.1\""), std::string::npos) << line;
}

TEST(SyslogSourceIntegration, LoggerTcpRfc3164Newline) {
  TempDir dir;
  uint16_t port = free_tcp_port();
  Logferry lf(dir, source_yaml("tcp", port));
  auto input = write_lines(dir, "in.txt", "bsd", 300);
  run_logger({"-T", "--rfc3164", "-n", "127.0.0.1", "-P", std::to_string(port), "-t", "oldapp",
              "--id=99", "-p", "auth.err", "-f", input.string()});
  expect_each_once(lf, "bsd", 300);
  auto line = lines_of(lf.out()).front();
  EXPECT_NE(line.find("\"appname\":\"oldapp\",\"procid\":\"99\",\"facility\":4,\"severity\":3"),
            std::string::npos)
      << line;
}

TEST(SyslogSourceIntegration, LoggerUdpBothFormats) {
  TempDir dir;
  uint16_t port = free_udp_port();
  Logferry lf(dir, source_yaml("udp", port));
  auto a = write_lines(dir, "a.txt", "udp5424", 100);
  auto b = write_lines(dir, "b.txt", "udp3164", 100);
  run_logger({"-d", "--rfc5424", "-n", "127.0.0.1", "-P", std::to_string(port), "-t", "u1", "-f", a.string()});
  run_logger({"-d", "--rfc3164", "-n", "127.0.0.1", "-P", std::to_string(port), "-t", "u2", "-f", b.string()});
  expect_each_once(lf, "udp5424", 100);
  expect_each_once(lf, "udp3164", 100);
  EXPECT_EQ(lf.count("\"appname\":\"u1\""), 100u);
  EXPECT_EQ(lf.count("\"appname\":\"u2\""), 100u);
}

// rsyslogd forwarding lines it reads from a file (imfile), with its own config and no imuxsock.
class Rsyslog {
 public:
  Rsyslog(const TempDir& dir, const std::string& modules, const std::string& global,
          const std::string& action, const std::filesystem::path& input) {
    std::filesystem::create_directories(dir / "rsyslog-work");
    std::string conf = "global(workDirectory=\"" + (dir / "rsyslog-work").string() + "\"" + global + ")\n" +
                       "module(load=\"imfile\")\n" + modules +
                       "input(type=\"imfile\" file=\"" + input.string() + "\" tag=\"filetag:\" ruleset=\"fwd\")\n"
                       "ruleset(name=\"fwd\") {\n  " + action + "\n}\n";
    auto path = dir.write("rsyslog.conf", conf);
    process_ = std::make_unique<ChildProcess>(ChildProcess::Options{
        {rsyslogd_path().string(), "-n", "-M", rsyslog_module_dir().string(), "-f", path.string(),
         "-i", (dir / "rsyslog.pid").string()},
        {},
        dir.path(),
        "rsyslogd"});
  }
  ChildProcess& process() { return *process_; }

 private:
  std::unique_ptr<ChildProcess> process_;
};

TEST(SyslogSourceIntegration, RsyslogOmfwdTcpOctetCounted) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  TempDir dir;
  uint16_t port = free_tcp_port();
  Logferry lf(dir, source_yaml("tcp", port));
  auto input = write_lines(dir, "in.log", "rsyslog-tcp", 1000);
  Rsyslog rs(dir, "", "",
             "action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" + std::to_string(port) +
                 "\" protocol=\"tcp\" tcp_framing=\"octet-counted\" template=\"RSYSLOG_SyslogProtocol23Format\")",
             input);
  expect_each_once(lf, "rsyslog-tcp", 1000);
  EXPECT_EQ(lf.count("\"appname\":\"filetag\""), 1000u);
  EXPECT_EQ(lf.count("\"severity\":5"), 1000u);
}

TEST(SyslogSourceIntegration, RsyslogOmfwdUdp3164) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  TempDir dir;
  uint16_t port = free_udp_port();
  Logferry lf(dir, source_yaml("udp", port));
  auto input = write_lines(dir, "in.log", "rsyslog-udp", 200);
  Rsyslog rs(dir, "", "",
             "action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" + std::to_string(port) +
                 "\" protocol=\"udp\" template=\"RSYSLOG_ForwardFormat\")",
             input);
  expect_each_once(lf, "rsyslog-udp", 200);
  EXPECT_EQ(lf.count("\"appname\":\"filetag\""), 200u);
}

TEST(SyslogSourceIntegration, RsyslogOmrelp) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  TempDir dir;
  uint16_t port = free_tcp_port();
  Logferry lf(dir, source_yaml("relp", port));
  auto input = write_lines(dir, "in.log", "relp", 2000);
  Rsyslog rs(dir, "module(load=\"omrelp\")\n", "",
             "action(type=\"omrelp\" target=\"127.0.0.1\" port=\"" + std::to_string(port) +
                 "\" template=\"RSYSLOG_SyslogProtocol23Format\")",
             input);
  expect_each_once(lf, "relp", 2000);
  EXPECT_EQ(lf.count("\"appname\":\"filetag\""), 2000u);
}

// CA + server certificate made with the openssl CLI.
void make_certs(const TempDir& dir) {
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "/usr/bin/openssl");
    std::string out;
    ASSERT_EQ(run_command(args, &out), 0) << out;
  };
  std::string d = dir.path().string();
  run({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
       "-keyout", d + "/ca.key", "-out", d + "/ca.pem"});
  run({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
       d + "/server.key", "-out", d + "/server.csr"});
  dir.write("ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run({"x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key",
       "-CAcreateserial", "-days", "2", "-extfile", d + "/ext.cnf", "-out", d + "/server.pem"});
}

TEST(SyslogSourceIntegration, RsyslogTlsOssl) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  TempDir dir;
  make_certs(dir);
  uint16_t port = free_tcp_port();
  std::string d = dir.path().string();
  Logferry lf(dir, source_yaml("tls", port,
                               "    tls: { cert_file: " + d + "/server.pem, key_file: " + d + "/server.key }\n"));
  auto input = write_lines(dir, "in.log", "tls", 1000);
  Rsyslog rs(dir, "", " defaultNetstreamDriverCAFile=\"" + d + "/ca.pem\"",
             "action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" + std::to_string(port) +
                 "\" protocol=\"tcp\" streamDriver=\"ossl\" streamDriverMode=\"1\" "
                 "streamDriverAuthMode=\"x509/certvalid\" template=\"RSYSLOG_SyslogProtocol23Format\")",
             input);
  expect_each_once(lf, "tls", 1000);
}

// Behind a load balancer (proxy_protocol): a relay standing in for HAProxy's `send-proxy-v2`
// writes a PROXY v2 header naming 198.51.100.23, then passes rsyslog's TLS session through
// untouched. logferry reads the header in clear, then does the handshake: every message
// arrives once, from the client the header names.
TEST(SyslogSourceIntegration, RsyslogTlsBehindAProxyProtocolRelay) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  TempDir dir;
  make_certs(dir);
  uint16_t port = free_tcp_port();
  std::string d = dir.path().string();
  Logferry lf(dir, source_yaml("tls", port,
                               "    proxy_protocol: true\n"
                               "    tls: { cert_file: " + d + "/server.pem, key_file: " + d + "/server.key }\n"));
  // v2, PROXY, TCP over IPv4: 198.51.100.23:5555 -> 10.0.0.1:6514
  std::string v2 = std::string("\r\n\r\n\0\r\nQUIT\n", 12) + std::string("\x21\x11\x00\x0c", 4) +
                   std::string("\xc6\x33\x64\x17\x0a\x00\x00\x01\x15\xb3\x19\x72", 12);
  ProxyRelay relay(port, v2);
  auto input = write_lines(dir, "in.log", "pptls", 500);
  Rsyslog rs(dir, "", " defaultNetstreamDriverCAFile=\"" + d + "/ca.pem\"",
             "action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" + std::to_string(relay.port()) +
                 "\" protocol=\"tcp\" streamDriver=\"ossl\" streamDriverMode=\"1\" "
                 "streamDriverAuthMode=\"x509/certvalid\" template=\"RSYSLOG_SyslogProtocol23Format\")",
             input);
  expect_each_once(lf, "pptls", 500);
  EXPECT_EQ(lf.count("\"source_ip\":\"198.51.100.23\""), 500u) << lf.out().substr(0, 2000);
  EXPECT_GE(relay.relayed(), 1u);
}

// Plain TCP behind the relay (a v1 header): util-linux logger's messages come from the client
// the header names; a connection straight to the port, without a header, is closed.
TEST(SyslogSourceIntegration, LoggerTcpBehindAProxyProtocolRelay) {
  TempDir dir;
  uint16_t port = free_tcp_port();
  Logferry lf(dir, source_yaml("tcp", port, "    proxy_protocol: true\n"));
  ProxyRelay relay(port, "PROXY TCP4 198.51.100.24 10.0.0.1 40000 514\r\n");
  auto lines = write_lines(dir, "lines.txt", "pptcp", 100);
  run_logger({"--tcp", "--rfc5424", "--octet-count", "-n", "127.0.0.1", "-P", std::to_string(relay.port()), "-t",
              "pp", "-f", lines.string()});
  expect_each_once(lf, "pptcp", 100);
  EXPECT_EQ(lf.count("\"source_ip\":\"198.51.100.24\""), 100u) << lf.out().substr(0, 2000);
  int direct = tcp_connect(port);
  ASSERT_GE(direct, 0);
  send_all(direct, "<13>1 2024-01-01T00:00:00Z h app - - - no header\n");
  EXPECT_EQ(read_until_closed(direct), "");
  ::close(direct);
  EXPECT_TRUE(wait_until([&] { return lf.process().err().find("PROXY protocol: no PROXY protocol header") != std::string::npos; },
                         5s, "the bad header logged")) << lf.process().err();
  EXPECT_EQ(lf.count("no header"), 0u);
}

// omrelp tls="on" into the relp source with a certificate: RELP over TLS, acknowledged.
TEST(SyslogSourceIntegration, RsyslogOmrelpOverTls) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  TempDir dir;
  make_certs(dir);
  uint16_t port = free_tcp_port();
  std::string d = dir.path().string();
  Logferry lf(dir, source_yaml("relp", port,
                               "    tls: { cert_file: " + d + "/server.pem, key_file: " + d + "/server.key }\n"));
  auto input = write_lines(dir, "in.log", "relptls", 2000);
  // tls.authmode certvalid: omrelp checks logferry's certificate against the CA.
  Rsyslog rs(dir, "module(load=\"omrelp\" tls.tlslib=\"openssl\")\n", "",
             "action(type=\"omrelp\" target=\"127.0.0.1\" port=\"" + std::to_string(port) +
                 "\" tls=\"on\" tls.cacert=\"" + d + "/ca.pem\" tls.authmode=\"certvalid\" "
                 "template=\"RSYSLOG_SyslogProtocol23Format\")",
             input);
  expect_each_once(lf, "relptls", 2000);
}

TEST(SyslogSourceIntegration, ValidateReportsBadOptions) {
  TempDir dir;
  auto path = dir.write("bad.yaml",
                        "sources:\n"
                        "  in:\n"
                        "    type: syslog\n"
                        "    mode: tls\n"
                        "    framing: lines\n"
                        "sinks:\n"
                        "  out: { type: console, inputs: [in] }\n");
  std::string output;
  int rc = run_command({logferry_binary().string(), "validate", "-c", path.string()}, &output);
  EXPECT_EQ(rc, 2) << output;
  EXPECT_NE(output.find("bad.yaml:5:"), std::string::npos) << output;  // framing: not a choice
  EXPECT_NE(output.find("mode tls needs tls.cert_file"), std::string::npos) << output;
  // A PROXY header comes on a connection: not over UDP.
  auto udp = dir.write("udp.yaml",
                       "sources:\n  in: { type: syslog, mode: udp, proxy_protocol: true }\n"
                       "sinks:\n  out: { type: console, inputs: [in] }\n");
  EXPECT_EQ(run_command({logferry_binary().string(), "validate", "-c", udp.string()}, &output), 2) << output;
  EXPECT_NE(output.find("proxy_protocol: needs mode tcp, tls or relp"), std::string::npos) << output;
}

int connect_tcp(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string metrics(uint16_t api_port) {
  std::string out;
  run_command({"/usr/bin/curl", "-s", "http://127.0.0.1:" + std::to_string(api_port) + "/metrics"}, &out, 10s);
  return out;
}

int64_t metric_value(const std::string& page, const std::string& name) {
  std::string key = name + "{component=\"in\"} ";
  auto p = page.find(key);
  return p == std::string::npos ? -1 : std::atoll(page.c_str() + p + key.size());
}

TEST(SyslogSourceIntegration, SurvivesGarbageHugeFramesAndManyConnections) {
  TempDir dir;
  uint16_t port = free_tcp_port();
  uint16_t api = free_tcp_port();
  Logferry lf(dir, source_yaml("tcp", port, "    max_connections: 300\n"), "", api);
  // Garbage.
  int junk = connect_tcp(port);
  ASSERT_GE(junk, 0);
  std::string bytes;
  for (int i = 0; i < 1 << 16; ++i) bytes += static_cast<char>((i * 7919) >> 3);
  send_all(junk, bytes);
  // A 10 MiB frame.
  int huge = connect_tcp(port);
  ASSERT_GE(huge, 0);
  send_all(huge, "<13>Oct 11 22:14:15 h app: " + std::string(10 << 20, 'H') + "\n<13>Oct 11 22:14:15 h app: after-huge 0\n");
  // Many connections, one message each, some closed mid-frame.
  std::vector<int> fds;
  for (int i = 0; i < 250; ++i) {
    int fd = connect_tcp(port);
    ASSERT_GE(fd, 0);
    send_all(fd, "<13>Oct 11 22:14:15 h app: conn " + std::to_string(i) + "\n");
    if (i % 10 == 0) send_all(fd, "300 <13>1 - - - - - - cut short");
    fds.push_back(fd);
  }
  for (int fd : fds) ::close(fd);
  ::close(junk);
  ::close(huge);
  expect_each_once(lf, "conn", 250);
  expect_each_once(lf, "after-huge", 1);
  EXPECT_TRUE(lf.process().running());
  std::string m;
  // The random bytes may add frames of their own; the 25 cut ones and the huge one are certain.
  ASSERT_TRUE(wait_until([&] {
    m = metrics(api);
    return metric_value(m, "logferry_syslog_incomplete_frames_total") >= 25;
  }, 10s, "metrics")) << m;
  EXPECT_GE(metric_value(m, "logferry_syslog_truncated_total"), 1) << m;
  EXPECT_GE(metric_value(m, "logferry_syslog_malformed_total"), 1) << m;
  // Still serving.
  run_logger({"-T", "-n", "127.0.0.1", "-P", std::to_string(port), "--rfc5424", "still alive"});
  EXPECT_TRUE(wait_until([&] { return lf.count("\"message\":\"still alive\"") == 1; }, 10s, "alive"));
  EXPECT_EQ(lf.process().stop(), 0);
}

// Throughput over TCP into the blackhole sink: a client in this test writes N pre-built
// LF-framed RFC 3164 messages (LOGFERRY_SYSLOG_BENCH_MESSAGES, default 200000) on one
// connection; the time runs until the sink counted all of them.
TEST(SyslogSourceIntegration, TcpThroughputIntoBlackhole) {
  TempDir dir;
  uint16_t port = free_tcp_port();
  uint16_t api = free_tcp_port();
  Logferry lf(dir, source_yaml("tcp", port), "  out: { type: blackhole, inputs: [in] }\n", api);
  int n = 200000;
  if (const char* env = std::getenv("LOGFERRY_SYSLOG_BENCH_MESSAGES")) n = std::atoi(env);
  std::string all;
  all.reserve(static_cast<std::size_t>(n) * 90);
  for (int i = 0; i < n; ++i)
    all += "<13>Nov 25 15:00:00 bench-host bench[123]: benchmark message number " + std::to_string(i) + "\n";
  auto start = std::chrono::steady_clock::now();
  int fd = connect_tcp(port);
  send_all(fd, all);
  ::close(fd);
  std::string want = "logferry_sink_events_delivered_total{component=\"out\"} " + std::to_string(n);
  ASSERT_TRUE(wait_until([&] { return metrics(api).find(want) != std::string::npos; }, 120s, "all delivered"))
      << metrics(api);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("syslog tcp -> blackhole: %d messages (%zu bytes) in %.3f s = %.0f msg/s\n", n, all.size(),
              secs, n / secs);
}

}  // namespace
}  // namespace logferry::testing

// Reload that keeps listening (issue 8), against the real binary: a paced stream (util-linux
// logger on one long-lived TCP connection, and UDP datagrams) into a syslog source, file sink, with 5 SIGHUP reloads during the send, one of which changes a transform
// so the pipeline really is rebuilt. Every sequence number must be in the output, the TCP
// connection must survive (one accept, the sender never sees an error), and UDP loss, if any,
// must be counted. The same send without reloads is the control. Before the fix, 5 reloads lost
// 299 of 100,000 datagrams (counted nowhere) and 5 of 20,000 TCP messages.
//
// The datagrams are sent by the test itself with plain sendto(): logger --udp writes on a
// connected socket and, after the ECONNREFUSED that a closed port causes, reconnects and sends
// again, which hides exactly the loss this test is about. Against the binary before the
// listener handover this test saw 90 of 100,000 datagrams lost and not counted, and the TCP
// connection closed at the first reload (logger's reconnect was refused in the gap).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/net_util.h"
#include "support/temp_dir.h"
#include "support/tls_test_certs.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int kTcpMessages = 20'000;
constexpr int kUdpMessages = 100'000;
// 2 TCP lines and 10 datagrams every 2 ms (~20 s): even enough that a socket closed for a
// millisecond loses datagrams, slow enough for the kernel buffer without reloads.
constexpr int kTicks = 10000;
constexpr auto kTick = 2ms;

std::string config(uint16_t tcp, uint16_t udp, uint16_t api, int generation) {
  return "data_dir: ./data\n"
         "api: { address: 127.0.0.1:" + std::to_string(api) + " }\n"
         "sources:\n"
         "  tcp: { type: syslog, mode: tcp, address: 127.0.0.1:" + std::to_string(tcp) + " }\n"
         "  udp: { type: syslog, mode: udp, address: 127.0.0.1:" + std::to_string(udp) + " }\n"
         "transforms:\n"
         "  tag: { type: mutate, inputs: [tcp, udp], replace: { gen: \"" + std::to_string(generation) + "\" } }\n"
         "sinks:\n"
         "  files: { type: file, inputs: [tag], path: out/all.log, format: '%{message} %{gen}' }\n";
}

// The same pipeline as a Logstash .conf: tcp and udp inputs (the socket source), file output
// (json_lines); `gen` comes from a mutate filter that each reload changes.
std::string logstash_conf(uint16_t tcp, uint16_t udp, int generation, const fs::path& dir) {
  return "input {\n"
         "  tcp { host => \"127.0.0.1\" port => " + std::to_string(tcp) + " }\n"
         "  udp { host => \"127.0.0.1\" port => " + std::to_string(udp) + " }\n"
         "}\n"
         "filter { mutate { add_field => { \"gen\" => \"" + std::to_string(generation) + "\" } } }\n"
         "output { file { path => \"" + (dir / "out" / "all.log").string() + "\" } }\n";
}

// What differs between the two pipelines under test: config, and where to read the outcome.
struct Setup {
  std::string file_name;
  std::function<std::string(uint16_t tcp, uint16_t udp, uint16_t api, int generation, const fs::path& dir)> config;
  std::string listening_tcp, listening_udp;  // log lines that say a source listens
  std::string udp_dropped, tcp_accepted;     // metric series (summed over labels)
  bool change_every_reload = false;          // else only the third reload changes the config
};

Setup syslog_setup() {
  return {"logferry.yaml", [](uint16_t tcp, uint16_t udp, uint16_t api, int gen, const fs::path&) {
            return config(tcp, udp, api, gen);
          },
          "syslog source tcp: listening", "syslog source udp: listening",
          "logferry_syslog_udp_dropped_total", "logferry_syslog_connections_accepted_total", false};
}

Setup logstash_setup() {
  return {"pipeline.conf", [](uint16_t tcp, uint16_t udp, uint16_t, int gen, const fs::path& dir) {
            return logstash_conf(tcp, udp, gen, dir);
          },
          "(tcp, port", "(udp, port", "logferry_socket_udp_dropped_total",
          "logferry_socket_connections_accepted_total", true};
}

// The sum of a metric over its label sets, e.g. metric_sum(api, "logferry_socket_udp_dropped_total").
int64_t metric_sum(uint16_t api, const std::string& name) {
  std::string body = http_exchange(api, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  int64_t sum = 0;
  bool found = false;
  for (std::size_t at = body.find(name); at != std::string::npos; at = body.find(name, at + 1)) {
    std::size_t end = at + name.size();
    if ((at > 0 && body[at - 1] != '\n') || end >= body.size() || (body[end] != '{' && body[end] != ' ')) continue;
    std::size_t value = body.find(' ', body[end] == '{' ? body.find('}', end) : end);
    sum += std::stoll(body.substr(value + 1));
    found = true;
  }
  return found ? sum : -1;
}

// A value from /metrics, e.g. metric(api, "logferry_config_reloads_total").
int64_t metric(uint16_t api, const std::string& series) {
  std::string body = http_exchange(api, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  for (std::size_t at = body.find(series + " "); at != std::string::npos; at = body.find(series + " ", at + 1)) {
    if (at > 0 && body[at - 1] != '\n') continue;
    return std::stoll(body.substr(at + series.size() + 1));
  }
  return -1;
}

struct Outcome {
  int tcp_missing = 0, udp_missing = 0;
  int64_t udp_dropped = 0, tcp_accepted = 0, reloads = 0;
  int tcp_logger_rc = -1, udp_send_errors = -1;
  std::string tcp_logger_err;
  int after_transform_change = 0;  // lines written with the changed transform
};

// Marks every line holding "tcp-N" / "udp-N" of `text` as seen; counts the lines written
// with the last generation `last_gen` ("... G" lines, or JSON with "gen":"G").
void mark(const std::string& text, std::vector<bool>& tcp, std::vector<bool>& udp, int& last_gen_lines,
          int last_gen) {
  const std::string gen = std::to_string(last_gen), gen_json = "\"gen\":\"" + gen + "\"";
  std::size_t start = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos; start = nl + 1, nl = text.find('\n', start)) {
    std::string_view line(text.data() + start, nl - start);
    std::size_t at = line.find("tcp-");
    if (at == std::string_view::npos) at = line.find("udp-");
    if (at == std::string_view::npos || line.size() < at + 10) continue;
    auto& seen = line.substr(at, 4) == "tcp-" ? tcp : udp;
    std::size_t n = static_cast<std::size_t>(std::atoi(std::string(line.substr(at + 4, 6)).c_str()));
    if (n < seen.size()) seen[n] = true;
    if (line.ends_with(" " + gen) || line.find(gen_json) != std::string_view::npos) ++last_gen_lines;
  }
}

Outcome send_with_reloads(const Setup& setup, int reloads) {
  ::signal(SIGPIPE, SIG_IGN);  // a sender that gave up (its connection failed) fails the test, not kills it
  TempDir dir;
  uint16_t tcp = free_tcp_port(), udp = free_udp_port(), api = free_tcp_port();
  auto cfg = dir.write(setup.file_name, setup.config(tcp, udp, api, 1, dir.path()));
  std::vector<std::string> argv{logferry_binary().string(), "run", "-c", cfg.string()};
  if (setup.file_name.ends_with(".conf"))  // a .conf has no data_dir or api settings
    argv.insert(argv.end(), {"--data-dir", (dir / "data").string(), "--api-address", "127.0.0.1:" + std::to_string(api)});
  ChildProcess logferry({argv, {}, dir.path(), "logferry"});
  EXPECT_TRUE(wait_until([&] {
    std::string err = logferry.err();
    return err.find(setup.listening_tcp) != std::string::npos && err.find(setup.listening_udp) != std::string::npos;
  }, 15s, "logferry listening")) << logferry.err();

  auto logger = [&](const char* transport, uint16_t port, const char* name) {
    return std::make_unique<ChildProcess>(ChildProcess::Options{
        {"/usr/bin/logger", transport, "-n", "127.0.0.1", "-P", std::to_string(port), "--rfc5424",
         "-t", "reload"}, {}, dir.path(), name, true});
  };
  auto tcp_logger = logger("--tcp", tcp, "logger_tcp");
  int udp_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(udp);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int udp_send_errors = 0;

  // Paced: each tick's lines go out, then the rest of the tick is waited off.
  int tcp_next = 0, udp_next = 0, reloaded = 0, generation = 1;
  auto next_tick = std::chrono::steady_clock::now();
  char line[64];
  for (int tick = 0; tick < kTicks; ++tick) {
    std::string tcp_lines;
    for (; tcp_next < (tick + 1) * kTcpMessages / kTicks; ++tcp_next)
      tcp_lines.append(line, static_cast<std::size_t>(std::snprintf(line, sizeof line, "tcp-%06d\n", tcp_next)));
    tcp_logger->write_stdin(tcp_lines);
    for (; udp_next < (tick + 1) * kUdpMessages / kTicks; ++udp_next) {
      int n = std::snprintf(line, sizeof line, "<13>1 - h reload - - - udp-%06d", udp_next);
      if (::sendto(udp_fd, line, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0)
        ++udp_send_errors;
    }
    // Reloads spread over the send, the third with a changed transform (a rebuilt pipeline).
    if (reloaded < reloads && tick == (reloaded + 1) * kTicks / (reloads + 1)) {
      ++reloaded;
      if (reloaded == 3 || setup.change_every_reload)  // whole or not at all: the file watcher may look at any moment
        fs::rename(dir.write(setup.file_name + ".new", setup.config(tcp, udp, api, ++generation, dir.path())), cfg);
      logferry.signal(SIGHUP);
    }
    next_tick += kTick;
    std::this_thread::sleep_until(next_tick);
  }
  tcp_logger->close_stdin();
  ::close(udp_fd);

  Outcome o;
  o.tcp_logger_rc = tcp_logger->wait(30s).value_or(-1);
  o.udp_send_errors = udp_send_errors;
  o.tcp_logger_err = tcp_logger->err();
  std::vector<bool> tcp_seen, udp_seen;
  auto settle = [&] {
    tcp_seen.assign(kTcpMessages, false);
    udp_seen.assign(kUdpMessages, false);
    o.after_transform_change = 0;
    std::ifstream in(dir / "out" / "all.log");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    mark(text, tcp_seen, udp_seen, o.after_transform_change, generation);
    o.tcp_missing = static_cast<int>(std::count(tcp_seen.begin(), tcp_seen.end(), false));
    o.udp_missing = static_cast<int>(std::count(udp_seen.begin(), udp_seen.end(), false));
    o.udp_dropped = metric_sum(api, setup.udp_dropped);
    return o.tcp_missing == 0 && o.udp_missing <= o.udp_dropped;
  };
  // Every message arrives, or (UDP only) is counted as dropped by the kernel.
  wait_until(settle, 30s, "every message written or counted as dropped");
  o.tcp_accepted = metric_sum(api, setup.tcp_accepted);
  o.reloads = metric(api, "logferry_config_reloads_total");
  EXPECT_EQ(logferry.stop(), 0) << logferry.err();
  return o;
}

TEST(ReloadIntegrationTest, FiveReloadsDuringAPacedTcpAndUdpSendLoseNothing) {
  // Control: the same send without reloads loses nothing, so a loss below is the reload's.
  Outcome control = send_with_reloads(syslog_setup(), 0);
  EXPECT_EQ(control.tcp_missing, 0);
  EXPECT_EQ(control.udp_missing, 0) << "the pacing overflows the kernel buffer even without reloads";
  EXPECT_EQ(control.udp_dropped, control.udp_missing) << "UDP loss must be counted";
  EXPECT_EQ(control.reloads, 0);

  Outcome o = send_with_reloads(syslog_setup(), 5);
  EXPECT_GE(o.reloads, 5);  // 6 if the file watcher saw the transform change before SIGHUP did
  EXPECT_EQ(o.tcp_logger_rc, 0) << o.tcp_logger_err;
  EXPECT_EQ(o.tcp_logger_err, "") << "the sender saw its connection fail";
  EXPECT_EQ(o.udp_send_errors, 0);
  EXPECT_EQ(o.tcp_accepted, 1) << "the TCP connection was closed and reopened";
  EXPECT_EQ(o.tcp_missing, 0) << "TCP messages lost over reloads";
  EXPECT_EQ(o.udp_missing, 0) << "datagrams lost over reloads";
  EXPECT_EQ(o.udp_dropped, o.udp_missing) << "UDP loss must be counted";
  EXPECT_GT(o.after_transform_change, 0) << "the changed transform never ran: the pipeline was not rebuilt";
}

// The same with a Logstash .conf: tcp and udp inputs (the socket source) keep their sockets,
// the TCP connection and its half-sent line over 3 reloads, each of which changes the filter.
TEST(ReloadIntegrationTest, ThreeReloadsOfALogstashTcpUdpConfLoseNothing) {
  Outcome o = send_with_reloads(logstash_setup(), 3);
  EXPECT_GE(o.reloads, 3);
  EXPECT_EQ(o.tcp_logger_rc, 0) << o.tcp_logger_err;
  EXPECT_EQ(o.tcp_logger_err, "") << "the sender saw its connection fail";
  EXPECT_EQ(o.udp_send_errors, 0);
  EXPECT_EQ(o.tcp_accepted, 1) << "the TCP connection was closed and reopened";
  EXPECT_EQ(o.tcp_missing, 0) << "TCP messages lost over reloads";
  EXPECT_EQ(o.udp_missing, 0) << "datagrams lost over reloads";
  EXPECT_EQ(o.udp_dropped, 0);
  EXPECT_GT(o.after_transform_change, 0) << "the last filter never ran: the pipeline was not rebuilt";
}

// Nothing is refused during reloads: a prober connects again and again to every listener
// (syslog TCP and RELP, beats, and the API server) while the config is reloaded 5 times.
TEST(ReloadIntegrationTest, NoListenerRefusesAConnectionDuringReloads) {
  TempDir dir;
  uint16_t tcp = free_tcp_port(), relp = free_tcp_port(), beats = free_tcp_port(), api = free_tcp_port();
  auto cfg = dir.write("logferry.yaml",
                       "data_dir: ./data\n"
                       "api: { address: 127.0.0.1:" + std::to_string(api) + " }\n"
                       "sources:\n"
                       "  tcp: { type: syslog, mode: tcp, address: 127.0.0.1:" + std::to_string(tcp) + " }\n"
                       "  relp: { type: syslog, mode: relp, address: 127.0.0.1:" + std::to_string(relp) + " }\n"
                       "  beats: { type: beats, address: 127.0.0.1:" + std::to_string(beats) + " }\n"
                       "sinks:\n"
                       "  out: { type: blackhole, inputs: [tcp, relp, beats] }\n");
  ChildProcess logferry({{logferry_binary().string(), "run", "-c", cfg.string()}, {}, dir.path(), "logferry"});
  ASSERT_TRUE(wait_until([&] { return logferry.err().find("beats source beats: listening") != std::string::npos; },
                         15s, "logferry listening")) << logferry.err();

  std::atomic<bool> done{false};
  std::atomic<int> attempts{0}, refused{0};
  std::string refused_ports;
  std::jthread prober([&] {
    while (!done) {
      for (uint16_t port : {tcp, relp, beats, api}) {
        int fd = tcp_connect(port);
        ++attempts;
        if (fd < 0) {
          if (refused++ < 5) refused_ports += std::to_string(port) + " ";
          continue;
        }
        ::close(fd);
      }
    }
  });
  for (int i = 1; i <= 5; ++i) {
    logferry.signal(SIGHUP);
    EXPECT_TRUE(wait_until([&] { return metric(api, "logferry_config_reloads_total") == i; }, 15s, "reload"));
  }
  done = true;
  prober.join();
  EXPECT_GT(attempts.load(), 100);
  EXPECT_EQ(refused.load(), 0) << "refused on ports " << refused_ports << "(tcp " << tcp << ", relp " << relp
                               << ", beats " << beats << ", api " << api << ")";
  EXPECT_EQ(logferry.stop(), 0) << logferry.err();
}

// How rsyslogd sends to logferry's syslog source in a session test below.
struct RsyslogSession {
  std::string mode;     // the source's mode: relp or tls
  bool tls = false;     // the source gets a certificate (RELP over TLS with mode relp)
  std::string modules;  // rsyslog module lines
  std::string global;   // extra rsyslog global() settings
  std::string action;   // rsyslog action sending to 127.0.0.1:PORT (PORT is replaced)
};

std::string session_config(const RsyslogSession& s, const TempDir& dir, uint16_t port, uint16_t api) {
  std::string d = dir.path().string();
  std::string tls = s.tls ? ", tls: { cert_file: " + d + "/server.pem, key_file: " + d + "/server.key }" : "";
  return "data_dir: ./data\n"
         "api: { address: 127.0.0.1:" + std::to_string(api) + " }\n"
         "sources:\n"
         "  in: { type: syslog, mode: " + s.mode + ", address: 127.0.0.1:" + std::to_string(port) + tls + " }\n"
         "sinks:\n"
         "  files: { type: file, inputs: [in], path: out/all.log, format: '%{message}' }\n";
}

// `text` with each `from` replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// PORT and CA_FILE in the session's settings become the port and dir/ca.pem.
std::string rsyslog_config(const RsyslogSession& s, const TempDir& dir, const fs::path& input, uint16_t port) {
  std::string ca = (dir / "ca.pem").string();
  std::string action = replaced(replaced(s.action, "PORT", std::to_string(port)), "CA_FILE", ca);
  return "global(workDirectory=\"" + (dir / "rsyslog-work").string() + "\"" + replaced(s.global, "CA_FILE", ca) +
         ")\n"
         "module(load=\"imfile\")\n" + s.modules +
         "input(type=\"imfile\" file=\"" + input.string() + "\" tag=\"reload:\" ruleset=\"fwd\")\n"
         "ruleset(name=\"fwd\") { " + action + " }\n";
}

// Appends `lines` numbered lines to `input`, 10 every 10 ms, with 5 SIGHUPs spread over them.
void write_paced_with_reloads(const fs::path& input, int lines, ChildProcess& logferry) {
  std::ofstream out(input, std::ios::app);
  int reloaded = 0;
  auto next_tick = std::chrono::steady_clock::now();
  for (int i = 0; i < lines; ++i) {
    out << "line-" << std::setw(6) << std::setfill('0') << i << "\n";
    if (i % 10 != 9) continue;
    out.flush();
    if (reloaded < 5 && i / 10 == (reloaded + 1) * (lines / 10) / 6) {
      ++reloaded;
      logferry.signal(SIGHUP);
    }
    next_tick += 10ms;
    std::this_thread::sleep_until(next_tick);
  }
}

// rsyslogd (imfile -> `s.action`) sends at a steady pace over 5 reloads: every line arrives,
// on one connection, and none twice (nothing was left unacked to resend).
void expect_session_survives_reloads(const RsyslogSession& s) {
  constexpr int kLines = 10'000;
  TempDir dir;
  if (s.tls) make_certs(dir);
  uint16_t port = free_tcp_port(), api = free_tcp_port();
  auto cfg = dir.write("logferry.yaml", session_config(s, dir, port, api));
  ChildProcess logferry({{logferry_binary().string(), "run", "-c", cfg.string()}, {}, dir.path(), "logferry"});
  ASSERT_TRUE(wait_until([&] { return logferry.err().find("syslog source in: listening") != std::string::npos; },
                         15s, "logferry listening")) << logferry.err();
  auto input = dir.write("in.log", "");
  fs::create_directories(dir / "rsyslog-work");
  auto rs_conf = dir.write("rsyslog.conf", rsyslog_config(s, dir, input, port));
  ChildProcess rsyslogd({{rsyslogd_path().string(), "-n", "-M", rsyslog_module_dir().string(), "-f",
                          rs_conf.string(), "-i", (dir / "rsyslog.pid").string()}, {}, dir.path(), "rsyslogd"});
  write_paced_with_reloads(input, kLines, logferry);
  std::vector<int> seen(kLines, 0);
  int missing = kLines, repeated = 0;
  wait_until([&] {
    std::fill(seen.begin(), seen.end(), 0);
    std::ifstream in(dir / "out" / "all.log");
    for (std::string line; std::getline(in, line);)
      if (line.rfind("line-", 0) == 0) ++seen[static_cast<std::size_t>(std::atoi(line.c_str() + 5)) % kLines];
    missing = static_cast<int>(std::count(seen.begin(), seen.end(), 0));
    repeated = 0;
    for (int n : seen) repeated += n > 1 ? n - 1 : 0;
    return missing == 0;
  }, 60s, "every line from rsyslogd");
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(repeated, 0) << "lines resent: a session was closed with acks outstanding";
  EXPECT_GE(metric(api, "logferry_config_reloads_total"), 5);
  EXPECT_EQ(metric(api, "logferry_syslog_connections_accepted_total{component=\"in\"}"), 1)
      << "rsyslogd had to reconnect";
  EXPECT_EQ(logferry.stop(), 0) << logferry.err();
}

TEST(ReloadIntegrationTest, RsyslogRelpSessionSurvivesReloads) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  expect_session_survives_reloads({"relp", false, "module(load=\"omrelp\")\n", "",
                                   "action(type=\"omrelp\" target=\"127.0.0.1\" port=\"PORT\" "
                                   "template=\"RSYSLOG_SyslogProtocol23Format\")"});
}

// The TLS session moves to the next pipeline with its fd (net::TlsSocket): omfwd over TLS
// (ossl driver) stays on one connection and loses nothing. Before, each reload closed it: rsyslogd
// reconnected and lines it had sent on the closed connection were lost.
TEST(ReloadIntegrationTest, RsyslogTlsSessionSurvivesReloads) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  expect_session_survives_reloads({"tls", true, "", " defaultNetstreamDriverCAFile=\"CA_FILE\"",
                                   "action(type=\"omfwd\" target=\"127.0.0.1\" port=\"PORT\" protocol=\"tcp\" "
                                   "streamDriver=\"ossl\" streamDriverMode=\"1\" streamDriverAuthMode=\"x509/certvalid\" "
                                   "template=\"RSYSLOG_SyslogProtocol23Format\")"});
}

// RELP over TLS (omrelp tls="on"): the session and its unacked window move together.
TEST(ReloadIntegrationTest, RsyslogRelpOverTlsSessionSurvivesReloads) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  expect_session_survives_reloads({"relp", true, "module(load=\"omrelp\" tls.tlslib=\"openssl\")\n", "",
                                   "action(type=\"omrelp\" target=\"127.0.0.1\" port=\"PORT\" tls=\"on\" "
                                   "tls.cacert=\"CA_FILE\" tls.authmode=\"certvalid\" "
                                   "template=\"RSYSLOG_SyslogProtocol23Format\")"});
}

// A reload whose config fails to start (a new source cannot bind) falls back to the previous
// config, which takes the parked sockets back: the sender's connection survives that too.
TEST(ReloadIntegrationTest, AReloadThatFailsToStartGivesTheSocketsBack) {
  TempDir dir;
  uint16_t tcp = free_tcp_port(), api = free_tcp_port();
  std::string good = "data_dir: ./data\n"
                     "api: { address: 127.0.0.1:" + std::to_string(api) + " }\n"
                     "sources:\n"
                     "  tcp: { type: syslog, mode: tcp, address: 127.0.0.1:" + std::to_string(tcp) + " }\n";
  std::string sinks = "sinks:\n  files: { type: file, inputs: [tcp], path: out/all.log, format: '%{message}' }\n";
  auto cfg = dir.write("logferry.yaml", good + sinks);
  ChildProcess logferry({{logferry_binary().string(), "run", "-c", cfg.string()}, {}, dir.path(), "logferry"});
  ASSERT_TRUE(wait_until([&] { return logferry.err().find("syslog source tcp: listening") != std::string::npos; },
                         15s, "logferry listening")) << logferry.err();
  ChildProcess sender({{"/usr/bin/logger", "--tcp", "-n", "127.0.0.1", "-P", std::to_string(tcp), "--rfc5424"},
                       {}, dir.path(), "logger", true});
  auto send = [&](int from, int to) {
    for (int i = from; i < to; ++i) sender.write_stdin("line-" + std::to_string(i) + "\n");
  };
  auto lines = [&] {
    std::ifstream in(dir / "out" / "all.log");
    std::set<std::string> unique;
    for (std::string line; std::getline(in, line);) unique.insert(line);
    return unique.size();
  };
  send(0, 100);
  ASSERT_TRUE(wait_until([&] { return lines() == 100; }, 10s, "first lines"));
  // The new source wants the API server's port: the new pipeline cannot start.
  fs::rename(dir.write("next.yaml", good + "  bad: { type: syslog, mode: tcp, address: 127.0.0.1:" +
                                        std::to_string(api) + " }\n" + sinks), cfg);
  logferry.signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return metric(api, "logferry_config_reload_errors_total") >= 1; }, 10s, "refused"));
  send(100, 200);
  sender.close_stdin();
  EXPECT_EQ(sender.wait(10s), 0) << sender.err();
  EXPECT_TRUE(wait_until([&] { return lines() == 200; }, 10s, "every line")) << lines();
  EXPECT_EQ(metric(api, "logferry_syslog_connections_accepted_total{component=\"tcp\"}"), 1);
  EXPECT_NE(logferry.err().find("restarting the previous one"), std::string::npos) << logferry.err();
  EXPECT_EQ(logferry.stop(), 0) << logferry.err();
}

}  // namespace
}  // namespace logferry::testing

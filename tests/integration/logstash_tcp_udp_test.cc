// Logstash's tcp and udp inputs, run from a .conf by the real build/logferry, fed by real
// senders: rsyslogd (omfwd over TCP with raw lines, over UDP with a JSON template) and
// util-linux logger (--tcp, --udp). The file output's default codec (json_lines) writes the
// events; each sent line must arrive exactly once, with the input's type, tags and add_field.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/net_util.h"
#include "support/proxy_relay.h"
#include "support/temp_dir.h"
#include "support/tls_test_certs.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines_containing(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    if (line.find(needle) != std::string::npos) out.push_back(line);
    start = nl + 1;
  }
  return out;
}

std::filesystem::path numbered(const TempDir& dir, const std::string& name, const std::string& prefix, int n) {
  std::string text;
  for (int i = 0; i < n; ++i) text += prefix + " " + std::to_string(i) + "\n";
  return dir.write(name, text);
}

std::string conf(uint16_t tcp, uint16_t udp, const std::filesystem::path& out) {
  return R"(input {
  tcp {
    host => "127.0.0.1"
    port => )" + std::to_string(tcp) + R"(
    type => "tcp_in"
    tags => ["net"]
    add_field => { "via" => "tcp from %{host}" }
  }
  udp {
    host => "127.0.0.1"
    port => )" + std::to_string(udp) + R"(
    codec => json
    workers => 2
    type => "udp_in"
    tags => ["net", "json"]
    add_field => { "via" => "udp" }
  }
}
output { file { path => ")" + out.string() + R"(" } }
)";
}

// rsyslogd reads two files (imfile): one goes out over TCP as raw lines (omfwd adds the LF),
// the other over UDP, each line wrapped in a JSON object.
std::unique_ptr<ChildProcess> start_rsyslogd(const TempDir& dir, uint16_t tcp, uint16_t udp,
                                             const std::filesystem::path& tcp_in,
                                             const std::filesystem::path& udp_in) {
  std::filesystem::create_directories(dir / "rsyslog-work");
  std::string c = "global(workDirectory=\"" + (dir / "rsyslog-work").string() + "\")\n"
                  "module(load=\"imfile\")\n"
                  "template(name=\"raw\" type=\"string\" string=\"%msg%\")\n"
                  "template(name=\"json\" type=\"string\" string=\"{\\\"line\\\":\\\"%msg:::json%\\\",\\\"sender\\\":\\\"rsyslog\\\"}\")\n"
                  "input(type=\"imfile\" file=\"" + tcp_in.string() + "\" tag=\"t\" ruleset=\"to_tcp\")\n"
                  "input(type=\"imfile\" file=\"" + udp_in.string() + "\" tag=\"u\" ruleset=\"to_udp\")\n"
                  "ruleset(name=\"to_tcp\") { action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" +
                  std::to_string(tcp) + "\" protocol=\"tcp\" template=\"raw\") }\n"
                  "ruleset(name=\"to_udp\") { action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" +
                  std::to_string(udp) + "\" protocol=\"udp\" template=\"json\") }\n";
  auto path = dir.write("rsyslog.conf", c);
  return std::make_unique<ChildProcess>(ChildProcess::Options{
      {rsyslogd_path().string(), "-n", "-M", rsyslog_module_dir().string(), "-f", path.string(), "-i",
       (dir / "rsyslog.pid").string()},
      {},
      dir.path(),
      "rsyslogd"});
}

void logger(std::vector<std::string> args) {
  args.insert(args.begin(), "/usr/bin/logger");
  std::string output;
  EXPECT_EQ(run_command(args, &output, 30s), 0) << output;
}

TEST(LogstashTcpUdpTest, RsyslogAndLoggerIntoTheFileOutputsDefaultCodec) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  TempDir dir;
  uint16_t tcp = free_tcp_port(), udp = free_udp_port();
  auto out = dir.path() / "out.json";
  auto pipeline = dir.write("pipeline.conf", conf(tcp, udp, out));
  ChildProcess lf({.argv = {LOGFERRY_BINARY, "run", "-c", pipeline.string(), "--data-dir", (dir / "data").string()},
                   .env = {},
                   .output_dir = dir.path(),
                   .name = "logferry"});
  ASSERT_TRUE(wait_until([&] { return lines_containing(lf.err(), "socket source").size() == 2; }, 15s,
                         "both inputs listening"))
      << lf.err();

  constexpr int kRsyslog = 300, kLogger = 50;
  auto tcp_in = numbered(dir, "tcp.log", "rs-tcp", kRsyslog);
  auto udp_in = numbered(dir, "udp.log", "rs-udp", kRsyslog);
  auto rsyslogd = start_rsyslogd(dir, tcp, udp, tcp_in, udp_in);
  auto lg_tcp = numbered(dir, "lg-tcp.txt", "lg-tcp", kLogger);
  auto lg_udp = numbered(dir, "lg-udp.txt", "lg-udp", kLogger);
  logger({"--tcp", "-n", "127.0.0.1", "-P", std::to_string(tcp), "-t", "lgt", "-f", lg_tcp.string()});
  logger({"--udp", "-n", "127.0.0.1", "-P", std::to_string(udp), "-t", "lgu", "-f", lg_udp.string()});

  auto count = [&](const std::string& needle) { return lines_containing(read_file(out), needle).size(); };
  ASSERT_TRUE(wait_until([&] {
    return count("\"message\":\"rs-tcp ") == kRsyslog && count("\"line\":\"rs-udp ") == kRsyslog &&
           count("lg-tcp ") == kLogger && count("lg-udp ") == kLogger;
  }, 30s, "every line in the file"))
      << "rs-tcp " << count("\"message\":\"rs-tcp ") << " rs-udp " << count("\"line\":\"rs-udp ") << " lg-tcp "
      << count("lg-tcp ") << " lg-udp " << count("lg-udp ") << "\n" << lf.err() << rsyslogd->err();

  std::string text = read_file(out);
  for (int i = 0; i < kRsyslog; ++i) {
    // TCP, line codec: the raw line is the message; the peer is host and port.
    auto t = lines_containing(text, "\"message\":\"rs-tcp " + std::to_string(i) + "\"");
    ASSERT_EQ(t.size(), 1u) << "rs-tcp " << i;
    EXPECT_NE(t[0].find(R"("host":"127.0.0.1","port":)"), std::string::npos) << t[0];
    EXPECT_NE(t[0].find(R"("type":"tcp_in","via":"tcp from 127.0.0.1","tags":["net"],"@version":"1"})"),
              std::string::npos) << t[0];
    // UDP, json codec: the object's keys are fields, no port.
    auto u = lines_containing(text, "\"line\":\"rs-udp " + std::to_string(i) + "\"");
    ASSERT_EQ(u.size(), 1u) << "rs-udp " << i;
    EXPECT_NE(u[0].find(R"("sender":"rsyslog","@timestamp":")"), std::string::npos) << u[0];
    EXPECT_NE(u[0].find(R"("host":"127.0.0.1","type":"udp_in","via":"udp","tags":["net","json"],"@version":"1"})"),
              std::string::npos) << u[0];
    EXPECT_EQ(u[0].find("\"port\""), std::string::npos) << u[0];
  }
  for (int i = 0; i < kLogger; ++i) {
    // logger sends syslog frames: the tcp input keeps the whole frame as the message ...
    auto t = lines_containing(text, "lg-tcp " + std::to_string(i) + "\"");
    ASSERT_EQ(t.size(), 1u) << "lg-tcp " << i;
    EXPECT_NE(t[0].find(R"("type":"tcp_in")"), std::string::npos) << t[0];
    // ... and to the json codec they are not JSON: kept in message, tagged, still decorated.
    auto u = lines_containing(text, "lg-udp " + std::to_string(i) + "\"");
    ASSERT_EQ(u.size(), 1u) << "lg-udp " << i;
    EXPECT_NE(u[0].find(R"("tags":["_jsonparsefailure","net","json"])"), std::string::npos) << u[0];
  }
  EXPECT_EQ(lines_containing(text, "{").size(), static_cast<std::size_t>(2 * kRsyslog + 2 * kLogger));
}

// A tcp input with ssl_enable and proxy_protocol behind a load balancer: a relay standing in
// for HAProxy's `send-proxy` writes a v1 header naming 198.51.100.30, then passes rsyslog's
// TLS session (omfwd, ossl driver) through untouched. Every line arrives once, its host and
// port the client's from the header, proxy_host and proxy_port where it connected.
TEST(LogstashTcpUdpTest, TcpInputWithTlsBehindAProxyProtocolRelay) {
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  TempDir dir;
  make_certs(dir);
  uint16_t tcp = free_tcp_port();
  auto out = dir.path() / "out.json";
  auto pipeline = dir.write("pipeline.conf", R"(input {
  tcp {
    host => "127.0.0.1"
    port => )" + std::to_string(tcp) + R"(
    ssl_enable => true
    ssl_cert => ")" + (dir / "server.pem").string() + R"("
    ssl_key => ")" + (dir / "server.key").string() + R"("
    proxy_protocol => true
  }
}
output { file { path => ")" + out.string() + R"(" } }
)");
  ChildProcess lf({.argv = {LOGFERRY_BINARY, "run", "-c", pipeline.string(), "--data-dir", (dir / "data").string()},
                   .env = {},
                   .output_dir = dir.path(),
                   .name = "logferry"});
  ASSERT_TRUE(wait_until([&] { return lines_containing(lf.err(), "socket source").size() == 1; }, 15s, "listening"))
      << lf.err();
  ProxyRelay relay(tcp, "PROXY TCP4 198.51.100.30 10.0.0.1 50123 6514\r\n");
  constexpr int kLines = 300;
  auto input = numbered(dir, "in.log", "pp-tls", kLines);
  std::filesystem::create_directories(dir / "rsyslog-work");
  auto conf = dir.write("rsyslog.conf",
                        "global(workDirectory=\"" + (dir / "rsyslog-work").string() + "\" defaultNetstreamDriverCAFile=\"" +
                            (dir / "ca.pem").string() + "\")\nmodule(load=\"imfile\")\n"
                            "template(name=\"raw\" type=\"string\" string=\"%msg%\")\n"
                            "input(type=\"imfile\" file=\"" + input.string() + "\" tag=\"t\")\n"
                            "action(type=\"omfwd\" target=\"127.0.0.1\" port=\"" + std::to_string(relay.port()) +
                            "\" protocol=\"tcp\" streamDriver=\"ossl\" streamDriverMode=\"1\" "
                            "streamDriverAuthMode=\"x509/certvalid\" template=\"raw\")\n");
  ChildProcess rsyslogd({.argv = {rsyslogd_path().string(), "-n", "-M", rsyslog_module_dir().string(), "-f",
                                  conf.string(), "-i", (dir / "rsyslog.pid").string()},
                         .env = {},
                         .output_dir = dir.path(),
                         .name = "rsyslogd"});
  auto count = [&] { return lines_containing(read_file(out), "\"message\":\"pp-tls ").size(); };
  ASSERT_TRUE(wait_until([&] { return count() == kLines; }, 30s, "every line"))
      << count() << "\n" << lf.err() << rsyslogd.err();
  std::string text = read_file(out);
  for (int i = 0; i < kLines; ++i) {
    auto t = lines_containing(text, "\"message\":\"pp-tls " + std::to_string(i) + "\"");
    ASSERT_EQ(t.size(), 1u) << "pp-tls " << i;
    EXPECT_NE(t[0].find(R"("host":"198.51.100.30","port":50123,"proxy_host":"10.0.0.1","proxy_port":6514)"),
              std::string::npos) << t[0];
  }
}

}  // namespace
}  // namespace logferry::testing

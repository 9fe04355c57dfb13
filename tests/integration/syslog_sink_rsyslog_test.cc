// The syslog sink against a real rsyslogd: the real logferry binary reads lines on stdin
// (fields `message`, `host` = $NODE_NAME) and sends them over tcp / udp / tls; rsyslog parses
// them and writes HOSTNAME, APP-NAME, PROCID, MSGID, SD and MSG through a template to a file.
// Every line must arrive exactly once with the right fields (at least once across a restart).
#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "support/child_process.h"
#include "support/net_util.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

using namespace std::chrono_literals;

struct Received {
  std::string host, app, procid, msgid, sd, msg;
};

// rsyslogd on 127.0.0.1 with imtcp (plain or TLS) and imudp, writing one tab-separated line per
// message.
class Rsyslog {
 public:
  Rsyslog(const TempDir& dir, bool tls) : dir_(dir), tls_(tls) {
    tcp_port_ = free_tcp_port();
    udp_port_ = free_udp_port();
    relp_port_ = free_tcp_port();
    relp_tls_port_ = free_tcp_port();
  }
  ~Rsyslog() { stop(); }

  void start() {
    std::string d = dir_.path().string();
    std::ostringstream conf;
    conf << "global(workDirectory=\"" << d << "\" maxMessageSize=\"256k\"";
    if (tls_) {
      conf << " DefaultNetstreamDriver=\"ossl\" DefaultNetstreamDriverCAFile=\"" << d << "/ca.pem\""
           << " DefaultNetstreamDriverCertFile=\"" << d << "/server.pem\""
           << " DefaultNetstreamDriverKeyFile=\"" << d << "/server.key\"";
    }
    conf << ")\n";
    if (tls_) {
      // x509/certvalid: the client must present a certificate signed by our CA.
      conf << "module(load=\"imtcp\" StreamDriver.Name=\"ossl\" StreamDriver.Mode=\"1\" "
              "StreamDriver.AuthMode=\"x509/certvalid\")\n";
    } else {
      conf << "module(load=\"imtcp\")\n";
    }
    // imrelp's TLS is librelp's: Debian's librelp0 links both GnuTLS and OpenSSL; OpenSSL is
    // chosen so the same certificates and verification rules apply as for imtcp above.
    conf << "module(load=\"imudp\")\nmodule(load=\"imrelp\" tls.tlslib=\"openssl\")\n"
         << "input(type=\"imrelp\" address=\"127.0.0.1\" port=\"" << relp_port_ << "\")\n";
    if (tls_) {
      conf << "input(type=\"imrelp\" address=\"127.0.0.1\" port=\"" << relp_tls_port_
           << "\" tls=\"on\" tls.cacert=\"" << d << "/ca.pem\" tls.mycert=\"" << d
           << "/server.pem\" tls.myprivkey=\"" << d << "/server.key\" tls.authmode=\"certvalid\")\n";
    }
    conf
         << "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" << tcp_port_ << "\")\n"
         << "input(type=\"imudp\" address=\"127.0.0.1\" port=\"" << udp_port_ << "\")\n"
         << "template(name=\"t\" type=\"string\" string=\"%hostname%\\t%app-name%\\t%procid%\\t"
            "%msgid%\\t%structured-data%\\t%msg%\\n\")\n"
         << "action(type=\"omfile\" file=\"" << d << "/out.log\" template=\"t\")\n";
    auto conf_path = dir_.write("rsyslog.conf", conf.str());
    ChildProcess::Options o;
    o.argv = {rsyslogd_path().string(), "-n", "-M", rsyslog_module_dir().string(), "-f",
              conf_path.string(), "-i", (dir_.path() / "rsyslog.pid").string()};
    o.output_dir = dir_.path();
    o.name = "rsyslogd-" + std::to_string(++starts_);
    process_ = std::make_unique<ChildProcess>(o);
    ASSERT_TRUE(wait_until([&] { return tcp_port_open(tcp_port_); }, 15s, "rsyslogd listening"))
        << process_->err();
  }
  void stop() {
    if (process_) process_->stop();
    process_.reset();
  }

  uint16_t tcp_port() const { return tcp_port_; }
  uint16_t udp_port() const { return udp_port_; }
  uint16_t relp_port() const { return relp_port_; }
  uint16_t relp_tls_port() const { return relp_tls_port_; }

  std::vector<Received> received() const {
    std::vector<Received> out;
    std::ifstream in(dir_.path() / "out.log");
    std::string line;
    while (std::getline(in, line)) {
      Received r;
      std::string* parts[] = {&r.host, &r.app, &r.procid, &r.msgid, &r.sd};
      std::size_t pos = 0;
      for (std::string* p : parts) {
        auto tab = line.find('\t', pos);
        if (tab == std::string::npos) break;
        *p = line.substr(pos, tab - pos);
        pos = tab + 1;
      }
      r.msg = line.substr(pos);
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  const TempDir& dir_;
  bool tls_;
  uint16_t tcp_port_, udp_port_, relp_port_, relp_tls_port_;
  int starts_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// CA, server certificate (localhost + 127.0.0.1) and client certificate, made with openssl.
void make_certificates(const TempDir& dir) {
  auto run = [&](const std::string& cmd) {
    ASSERT_EQ(run_command({"/bin/sh", "-c", "cd '" + dir.path().string() + "' && " + cmd + " 2>/dev/null"}), 0)
        << cmd;
  };
  run("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca");
  run("openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost");
  dir.write("san.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem "
      "-days 2 -extfile san.ext");
  run("openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=logferry");
  run("openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2");
}

class Logferry {
 public:
  // `top_yaml`: extra top-level keys (e.g. `api:`).
  Logferry(const TempDir& dir, const std::string& sink_yaml, const std::string& top_yaml = "") {
    auto conf = dir.write("logferry.yaml", "data_dir: " + (dir.path() / "data").string() + "\n" +
                                               top_yaml + "sources: { in: { type: stdin } }\n"
                                               "sinks:\n  out:\n    type: syslog\n    inputs: [in]\n" +
                                               sink_yaml);
    ChildProcess::Options o;
    o.argv = {logferry_binary().string(), "run", "-c", conf.string()};
    o.env = {{"NODE_NAME", "node-a.example"}};
    o.output_dir = dir.path();
    o.name = "logferry";
    o.stdin_pipe = true;
    process_ = std::make_unique<ChildProcess>(o);
  }
  ChildProcess& process() { return *process_; }

 private:
  std::unique_ptr<ChildProcess> process_;
};

std::string big_line(std::size_t n) {
  std::string s = "big ";
  while (s.size() < n) s += "0123456789abcdefghijklmnopqrstuvwxyz";
  s.resize(n);
  return s;
}

// Lines every test sends: numbered ASCII, multibyte UTF-8, and optionally a 40 KB line.
std::vector<std::string> test_lines(int n, bool with_big) {
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) lines.push_back("line " + std::to_string(i) + " of the test");
  lines.push_back("utf8 h\xC3\xA9llo w\xC3\xB6rld \xE2\x82\xAC \xF0\x9F\x98\x80 \xE6\x97\xA5\xE6\x9C\xAC");
  if (with_big) lines.push_back(big_line(40 * 1024));
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// rsyslog's RFC 3164 MSG keeps the space after "TAG:".
std::string msg_text(const Received& r, bool rfc3164) {
  return rfc3164 && !r.msg.empty() && r.msg[0] == ' ' ? r.msg.substr(1) : r.msg;
}

std::map<std::string, int> count_messages(const std::vector<Received>& got, bool rfc3164) {
  std::map<std::string, int> counts;
  for (const auto& r : got) ++counts[msg_text(r, rfc3164)];
  return counts;
}

class SyslogSinkRsyslogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
    std::signal(SIGPIPE, SIG_IGN);
  }

  // Sends `lines` through logferry with `sink_yaml`, waits for all of them and checks fields.
  void round_trip(Rsyslog& rs, const std::string& sink_yaml, const std::vector<std::string>& lines,
                  bool rfc3164, const std::string& host, const std::string& app,
                  const std::string& msgid = "-", const std::string& sd = "-") {
    Logferry lf(dir_, sink_yaml);
    lf.process().write_stdin(joined(lines));
    bool all = wait_until([&] { return rs.received().size() >= lines.size(); }, 30s, "all lines at rsyslog");
    lf.process().close_stdin();
    EXPECT_EQ(lf.process().wait(20s), 0) << lf.process().err();
    ASSERT_TRUE(all) << lf.process().err();
    auto got = rs.received();
    ASSERT_EQ(got.size(), lines.size());
    auto counts = count_messages(got, rfc3164);
    for (const auto& l : lines) EXPECT_EQ(counts[l], 1) << "line: " << l.substr(0, 80);
    for (const auto& r : got) {
      EXPECT_EQ(r.host, host);
      EXPECT_EQ(r.app, app);
      EXPECT_EQ(r.msgid, msgid);
      EXPECT_EQ(r.sd, sd);
    }
  }

  TempDir dir_;
};

TEST_F(SyslogSinkRsyslogTest, TcpRfc3164NewlineFraming) {
  Rsyslog rs(dir_, false);
  rs.start();
  // A '/' or a space would end rsyslog's 3164 HOSTNAME/TAG: they arrive as '_'.
  round_trip(rs,
             "    address: 127.0.0.1:" + std::to_string(rs.tcp_port()) +
                 "\n    mode: tcp\n    sourcehost: '%{host}/pod'\n    appname: 'my app'\n",
             test_lines(200, true), true, "node-a.example_pod", "my_app");
}

TEST_F(SyslogSinkRsyslogTest, TcpRfc5424OctetCountingWithStructuredData) {
  Rsyslog rs(dir_, false);
  rs.start();
  auto lines = test_lines(200, true);
  round_trip(rs,
             "    host: 127.0.0.1\n    port: " + std::to_string(rs.tcp_port()) +
                 "\n    protocol: tcp\n    rfc: rfc5424\n    framing: octet_counting\n"
                 "    sourcehost: '%{host}'\n    appname: 'ns/pod'\n    msgid: ID47\n"
                 "    structured_data_id: kubernetes@32473\n"
                 "    structured_data_params: { node: '%{host}', quote: 'a\"b]c' }\n",
             lines, false, "node-a.example", "ns/pod", "ID47",
             R"([kubernetes@32473 node="node-a.example" quote="a\"b\]c"])");
}

TEST_F(SyslogSinkRsyslogTest, UdpRfc5424) {
  Rsyslog rs(dir_, false);
  rs.start();
  round_trip(rs,
             "    address: 127.0.0.1:" + std::to_string(rs.udp_port()) +
                 "\n    mode: udp\n    rfc: rfc5424\n    appname: app\n",
             test_lines(100, false), false, "node-a.example", "app");
}

TEST_F(SyslogSinkRsyslogTest, RelpAcknowledgedDelivery) {
  Rsyslog rs(dir_, false);
  rs.start();
  round_trip(rs,
             "    address: 127.0.0.1:" + std::to_string(rs.relp_port()) +
                 "\n    mode: relp\n    rfc: rfc5424\n    appname: relp-app\n",
             test_lines(300, true), false, "node-a.example", "relp-app");
}

// RELP over TLS into imrelp tls="on" with tls.authmode certvalid: the client certificate must be
// signed by the CA, and logferry verifies the server's certificate and IP SAN.
TEST_F(SyslogSinkRsyslogTest, RelpOverTlsWithVerificationAndClientCertificate) {
  make_certificates(dir_);
  if (HasFatalFailure()) return;
  Rsyslog rs(dir_, true);
  rs.start();
  ASSERT_TRUE(wait_until([&] { return tcp_port_open(rs.relp_tls_port()); }, 15s, "imrelp TLS listening"));
  std::string d = dir_.path().string();
  round_trip(rs,
             "    address: 127.0.0.1:" + std::to_string(rs.relp_tls_port()) +
                 "\n    mode: relp\n    rfc: rfc5424\n    appname: relp-tls\n    window_size: 16\n"
                 "    tls: { enabled: true, verify: true, ca_file: " + d + "/ca.pem, cert_file: " + d +
                 "/client.pem, key_file: " + d + "/client.key }\n",
             test_lines(300, true), false, "node-a.example", "relp-tls");
}

TEST_F(SyslogSinkRsyslogTest, TlsWithVerificationAndClientCertificate) {
  make_certificates(dir_);
  if (HasFatalFailure()) return;
  Rsyslog rs(dir_, true);
  rs.start();
  std::string d = dir_.path().string();
  // Connect by IP: the certificate is checked against its IP SAN.
  round_trip(rs,
             "    address: 127.0.0.1:" + std::to_string(rs.tcp_port()) +
                 "\n    protocol: ssl-tcp\n    rfc: rfc5424\n    framing: octet_counting\n"
                 "    ssl_verify: true\n    ssl_certificate_authorities: [" + d + "/ca.pem]\n"
                 "    ssl_certificate: " + d + "/client.pem\n    ssl_key: " + d + "/client.key\n",
             test_lines(100, true), false, "node-a.example", "LOGSTASH");
}

TEST_F(SyslogSinkRsyslogTest, TlsRefusesAServerWhoseNameDoesNotMatch) {
  make_certificates(dir_);
  if (HasFatalFailure()) return;
  Rsyslog rs(dir_, true);
  rs.start();
  std::string d = dir_.path().string();
  Logferry lf(dir_, "    address: 127.0.0.1:" + std::to_string(rs.tcp_port()) +
                        "\n    mode: tls\n    tls: { ca_file: " + d + "/ca.pem, verify: true, cert_file: " + d +
                        "/client.pem, key_file: " + d + "/client.key, server_name: other.example }\n");
  lf.process().write_stdin("secret\n");
  EXPECT_TRUE(wait_until([&] { return lf.process().err().find("certificate rejected") != std::string::npos; },
                         15s, "a certificate error in the log"))
      << lf.process().err();
  EXPECT_TRUE(rs.received().empty());
  lf.process().close_stdin();
  lf.process().stop(15s);
}

// The value of the first sample of `metric` (name with labels) in a Prometheus page, or -1.
double metric_value(const std::string& page, const std::string& metric) {
  auto at = page.find("\n" + metric + " ");
  if (at == std::string::npos) return -1;
  return std::stod(page.substr(at + metric.size() + 2));
}

// A receiver whose certificate logferry does not trust (signed by another CA): nothing is
// delivered, /readyz turns 503 naming the sink and the reason once api.ready_timeout has
// passed, the failure is in /metrics, and the log says it once, not once per attempt.
TEST_F(SyslogSinkRsyslogTest, UntrustedCertificateMakesReadyzFailWithTheSinkAndReason) {
  make_certificates(dir_);
  if (HasFatalFailure()) return;
  ASSERT_EQ(run_command({"/bin/sh", "-c", "cd '" + dir_.path().string() + "' && openssl req -x509 "
                         "-newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 "
                         "-subj /CN=other-ca 2>/dev/null"}), 0);
  Rsyslog rs(dir_, true);
  rs.start();
  std::string d = dir_.path().string();
  uint16_t api = free_tcp_port();
  Logferry lf(dir_,
              "    address: 127.0.0.1:" + std::to_string(rs.tcp_port()) +
                  "\n    mode: tls\n    reconnect_interval: 200ms\n"
                  "    tls: { ca_file: " + d + "/other-ca.pem, verify: true, cert_file: " + d +
                  "/client.pem, key_file: " + d + "/client.key }\n",
              "api: { address: 127.0.0.1:" + std::to_string(api) + ", ready_timeout: 1s }\n");
  auto get = [&](const std::string& path) {
    return http_exchange(api, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
  };
  ASSERT_TRUE(wait_until([&] { return get("/readyz").rfind("HTTP/1.1 200", 0) == 0; }, 10s, "ready at start"))
      << lf.process().err();
  lf.process().write_stdin("secret 1\nsecret 2\n");
  std::string readyz;
  EXPECT_TRUE(wait_until([&] {
    readyz = get("/readyz");
    return readyz.rfind("HTTP/1.1 503", 0) == 0;
  }, 15s, "/readyz not ready")) << lf.process().err();
  EXPECT_NE(readyz.find("not ready: sink out has not delivered for"), std::string::npos) << readyz;
  EXPECT_NE(readyz.find("certificate rejected"), std::string::npos) << readyz;

  std::string page;
  EXPECT_TRUE(wait_until([&] {
    page = get("/metrics");
    return metric_value(page, "logferry_syslog_sink_connect_errors_total{component=\"out\"}") >= 5;
  }, 15s, "several failed attempts")) << page;
  EXPECT_EQ(metric_value(page, "logferry_sink_failing{component=\"out\"}"), 1) << page;
  EXPECT_EQ(metric_value(page, "logferry_sink_events_delivered_total{component=\"out\"}"), 0) << page;
  std::string log = lf.process().err();
  std::size_t said = 0;
  for (auto p = log.find("sink out: cannot deliver"); p != std::string::npos;
       p = log.find("sink out: cannot deliver", p + 1)) {
    ++said;
  }
  EXPECT_EQ(said, 1u) << "logged once per change, not once per attempt:\n" << log;
  EXPECT_TRUE(rs.received().empty());
  lf.process().close_stdin();
  lf.process().stop(15s);
}

// rsyslog stopped for ~30 s mid-stream and started again: the sink retries with backoff and
// no line is lost (repeats are allowed by at-least-once and reported).
void receiver_down_for_30_seconds(const TempDir& dir, bool relp) {
  Rsyslog rs(dir, false);
  rs.start();
  uint16_t port = relp ? rs.relp_port() : rs.tcp_port();
  Logferry lf(dir, "    address: 127.0.0.1:" + std::to_string(port) + "\n    mode: " +
                       (relp ? "relp" : "tcp") + "\n    rfc: rfc5424\n    appname: app\n");
  std::vector<std::string> sent;
  int next = 0;
  auto send_some = [&](int n) {
    std::string chunk;
    for (int i = 0; i < n; ++i) {
      sent.push_back("restart line " + std::to_string(next++));
      chunk += sent.back() + "\n";
    }
    lf.process().write_stdin(chunk);
  };
  send_some(500);
  ASSERT_TRUE(wait_until([&] { return rs.received().size() >= 500; }, 20s, "first part delivered"));
  for (int i = 0; i < 10; ++i) {  // a stream in flight when the receiver goes away
    send_some(20);
    std::this_thread::sleep_for(20ms);
  }
  rs.stop();
  auto down_since = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - down_since < 30s) {  // the outage itself
    send_some(10);
    std::this_thread::sleep_for(500ms);
  }
  rs.start();
  send_some(500);
  bool all = wait_until(
      [&] {
        auto counts = count_messages(rs.received(), false);
        for (const auto& l : sent)
          if (counts[l] == 0) return false;
        return true;
      },
      90s, "every line after the restart");
  auto counts = count_messages(rs.received(), false);
  int missing = 0, repeated = 0;
  for (const auto& l : sent) {
    if (counts[l] == 0) ++missing;
    if (counts[l] > 1) repeated += counts[l] - 1;
  }
  std::printf("[ measure  ] %s restart: %zu lines sent, %d missing, %d repeated\n", relp ? "relp" : "tcp",
              sent.size(), missing, repeated);
  EXPECT_TRUE(all);
  EXPECT_EQ(missing, 0);
  lf.process().close_stdin();
  EXPECT_EQ(lf.process().wait(20s), 0) << lf.process().err();
}

TEST_F(SyslogSinkRsyslogTest, ReceiverDownFor30SecondsLosesNothing) { receiver_down_for_30_seconds(dir_, false); }

TEST_F(SyslogSinkRsyslogTest, RelpReceiverDownFor30SecondsLosesNothing) {
  receiver_down_for_30_seconds(dir_, true);
}

}  // namespace
}  // namespace logferry::testing

namespace logferry::testing {
namespace {

// The product's main path end to end: a kubelet-style tree (CRI with partial lines and a
// 40 KB line split into 16 KiB P chunks, Docker json-file with its 16 KiB splits, multibyte
// text) -> kubernetes_logs -> syslog sink (the Kubernetes mapping) -> a real rsyslogd.
TEST_F(SyslogSinkRsyslogTest, KubernetesLogsToRsyslogEndToEnd) {
  Rsyslog rs(dir_, false);
  rs.start();
  namespace fs = std::filesystem;
  fs::path pods = dir_.path() / "node/var/log/pods";
  fs::path containers = dir_.path() / "node/var/log/containers";
  fs::create_directories(containers);
  const std::string id(64, 'a');
  std::vector<std::string> expected;
  // CRI: ordinary lines, a line written in two P pieces, a 40 KB line in 16 KiB chunks, UTF-8.
  {
    fs::path dir = pods / "shop_cart-1_0000-1111/cart";
    fs::create_directories(dir);
    std::string text;
    for (int i = 0; i < 100; ++i) {
      std::string l = "cart line " + std::to_string(i);
      text += "2026-11-25T10:00:00.000000001Z stdout F " + l + "\n";
      expected.push_back(l);
    }
    text += "2026-11-25T10:00:01Z stderr P first half, \n2026-11-25T10:00:01Z stderr F second half\n";
    expected.push_back("first half, second half");
    std::string big = big_line(40 * 1024);
    for (std::size_t off = 0; off < big.size(); off += 16384)
      text += std::string("2026-11-25T10:00:02Z stdout ") + (off + 16384 < big.size() ? "P " : "F ") +
              big.substr(off, 16384) + "\n";
    expected.push_back(big);
    std::string utf8 = "gr\xC3\xBC\xC3\x9F" "e \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80";
    text += "2026-11-25T10:00:03Z stdout F " + utf8 + "\n";
    expected.push_back(utf8);
    dir_.write("node/var/log/pods/shop_cart-1_0000-1111/cart/0.log", text);
    fs::create_symlink(dir / "0.log", containers / ("cart-1_shop_cart-" + id + ".log"));
  }
  // Docker json-file: a 20 KB line split at 16 KiB (only the last chunk ends in \n).
  {
    fs::path dir = pods / "kube-system_dns-1_2222-3333/dns";
    fs::create_directories(dir);
    std::string text;
    for (int i = 0; i < 50; ++i) {
      std::string l = "dns query " + std::to_string(i);
      text += "{\"log\":\"" + l + "\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-25T10:00:00.5Z\"}\n";
      expected.push_back(l);
    }
    std::string big = big_line(20 * 1024);
    text += "{\"log\":\"" + big.substr(0, 16384) + "\",\"stream\":\"stdout\",\"time\":\"2026-11-25T10:00:04Z\"}\n";
    text += "{\"log\":\"" + big.substr(16384) + "\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-25T10:00:04Z\"}\n";
    expected.push_back(big);
    dir_.write("node/var/log/pods/kube-system_dns-1_2222-3333/dns/0.log", text);
    fs::create_symlink(dir / "0.log", containers / ("dns-1_kube-system_dns-" + id + ".log"));
  }
  auto conf = dir_.write(
      "collector.yaml",
      "data_dir: " + (dir_.path() / "data").string() +
          "\nsources:\n  pods: {type: kubernetes_logs, include: ['" + containers.string() +
          "/*.log']}\nsinks:\n  out:\n    type: syslog\n    inputs: [pods]\n"
          "    address: 127.0.0.1:" + std::to_string(rs.tcp_port()) +
          "\n    mode: tcp\n    rfc: rfc5424\n    framing: octet_counting\n"
          "    sourcehost: '%{host}'\n    appname: '%{kubernetes.container}'\n"
          "    procid: '%{kubernetes.namespace}/%{kubernetes.pod}'\n    msgid: '%{stream}'\n"
          "    message: '%{log}'\n");
  ChildProcess lf({{logferry_binary().string(), "run", "-c", conf.string()},
                   {{"NODE_NAME", "node-a.example"}}, dir_.path(), "collector", false});
  ASSERT_TRUE(wait_until([&] { return rs.received().size() >= expected.size(); }, 30s,
                         "every container line at rsyslog"))
      << lf.err();
  EXPECT_EQ(lf.stop(), 0);
  auto got = rs.received();
  ASSERT_EQ(got.size(), expected.size());
  auto counts = count_messages(got, false);
  for (const auto& l : expected) EXPECT_EQ(counts[l], 1) << "line: " << l.substr(0, 60);
  for (const auto& r : got) {
    EXPECT_EQ(r.host, "node-a.example");
    if (r.app == "cart") {
      EXPECT_EQ(r.procid, "shop/cart-1");
    } else {
      EXPECT_EQ(r.app, "dns");
      EXPECT_EQ(r.procid, "kube-system/dns-1");
    }
    EXPECT_TRUE(r.msgid == "stdout" || r.msgid == "stderr") << r.msgid;
  }
}

// Throughput check, not a timed test (run it by hand with --gtest_also_run_disabled_tests):
// 5,000 lines/s offered in batches of 50 for 10 s, into a real imrelp, once through logferry's
// RELP client and once through rsyslog's own omrelp (fed over imtcp at the same pace). Prints
// delivered lines/s for both. LOGFERRY_BENCH_BINARY=/path/to/logferry compares another build.
// Figures: docs/syslog_sink.md "RELP".
template <class Write>
double offer_paced(Rsyslog& rs, int total, Write&& write) {
  constexpr int kBatch = 50;
  auto start = std::chrono::steady_clock::now();
  for (int sent = 0; sent < total; sent += kBatch) {
    std::string chunk;
    for (int i = sent; i < sent + kBatch; ++i) chunk += "bench line " + std::to_string(i) + "\n";
    write(chunk);
    std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * (sent + kBatch) / 5000));
  }
  wait_until([&] { return rs.received().size() >= static_cast<std::size_t>(total); }, 120s, "all bench lines");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return static_cast<double>(rs.received().size()) / seconds;
}

TEST_F(SyslogSinkRsyslogTest, DISABLED_RelpThroughputAgainstOmrelp) {
  constexpr int kTotal = 50'000;
  const char* other = std::getenv("LOGFERRY_BENCH_BINARY");
  std::string binary = other != nullptr ? other : logferry_binary().string();
  double logferry_rate = 0, omrelp_rate = 0;
  {
    TempDir dir;
    Rsyslog rs(dir, false);
    rs.start();
    auto conf = dir.write("logferry.yaml",
                          "data_dir: " + (dir.path() / "data").string() +
                              "\nsources: { in: { type: stdin } }\nsinks:\n  out:\n    type: syslog\n"
                              "    inputs: [in]\n    address: 127.0.0.1:" + std::to_string(rs.relp_port()) +
                              "\n    mode: relp\n    rfc: rfc5424\n");
    ChildProcess::Options o;
    o.argv = {binary, "run", "-c", conf.string()};
    o.output_dir = dir.path();
    o.name = "logferry";
    o.stdin_pipe = true;
    ChildProcess lf(o);
    logferry_rate = offer_paced(rs, kTotal, [&](const std::string& c) { lf.write_stdin(c); });
    lf.close_stdin();
    lf.wait(20s);
  }
  {
    TempDir dir;
    Rsyslog rs(dir, false);
    rs.start();
    uint16_t in_port = free_tcp_port();
    auto conf = dir.write("sender.conf",
                          "global(workDirectory=\"" + dir.path().string() + "\")\n"
                          "module(load=\"imtcp\")\nmodule(load=\"omrelp\")\n"
                          "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + std::to_string(in_port) +
                              "\" ruleset=\"fwd\")\n"
                          "ruleset(name=\"fwd\") { action(type=\"omrelp\" target=\"127.0.0.1\" port=\"" +
                              std::to_string(rs.relp_port()) + "\" template=\"RSYSLOG_SyslogProtocol23Format\" queue.type=\"LinkedList\") }\n");
    ChildProcess sender({{rsyslogd_path().string(), "-n", "-M", rsyslog_module_dir().string(), "-f",
                          conf.string(), "-i", (dir.path() / "sender.pid").string()},
                         {}, dir.path(), "rsyslogd-sender"});
    ASSERT_TRUE(wait_until([&] { return tcp_port_open(in_port); }, 15s, "sender listening"));
    int fd = tcp_connect(in_port);
    ASSERT_GE(fd, 0);
    omrelp_rate = offer_paced(rs, kTotal, [&](const std::string& c) { send_all(fd, c); });
    ::close(fd);
  }
  std::printf("[ measure  ] RELP, 5000 lines/s offered in batches of 50: logferry %.0f lines/s, "
              "rsyslog omrelp %.0f lines/s\n", logferry_rate, omrelp_rate);
  EXPECT_GT(logferry_rate, 0);
}

}  // namespace
}  // namespace logferry::testing

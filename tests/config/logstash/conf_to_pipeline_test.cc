#include "config/logstash/conf_to_pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "app/app.h"
#include "config/logstash/plugin_adapters.h"
#include "core/event_batch.h"
#include "core/json.h"
#include "sources/socket/socket_source.h"
#include "sources/syslog/syslog_source.h"
#include "support/net_util.h"
#include "support/recording_output.h"
#include "support/temp_dir.h"
#include "support/tls_test_certs.h"
#include "support/wait.h"

namespace logferry::config::logstash {
namespace {

struct Loaded {
  PipelineConfig cfg;
  std::string problems;
};

Loaded load(const std::string& text) {
  Diagnostics d("p.conf");
  Loaded l;
  l.cfg = conf_to_pipeline({{"p.conf", text}}, app::registry(), d, {});
  l.problems = d.format();
  return l;
}

const TransformConfig* transform(const PipelineConfig& cfg, const std::string& name) {
  for (const auto& t : cfg.transforms)
    if (t.name == name) return &t;
  return nullptr;
}

// One event with: s="hello world", n=5, f=2.5, t=true(bool), [nested][x]="in", list=["a","b",3],
// empty="", type="kube-logs".
void fill(Event& e) {
  e.append("s", e.string_value("hello world"));
  e.append("n", Value::integer(5));
  e.append("f", Value::number(2.5));
  e.append("t", Value::boolean(true));
  e.set(FieldPath::parse("[nested][x]"), e.string_value("in"));
  Array* list = e.new_array();
  list->items.push_back(e.string_value("a"));
  list->items.push_back(e.string_value("b"));
  list->items.push_back(Value::integer(3));
  e.append("list", Value::array(list));
  e.append("empty", e.string_value(""));
  e.append("type", e.string_value("kube-logs"));
}

// Whether `condition` holds on the event above, evaluated by what a .conf output conditional
// becomes (a filter transform in front of the sink).
bool holds(const std::string& condition) {
  auto l = load("input { stdin { } }\noutput { if " + condition + " { stdout { } } }");
  EXPECT_EQ(l.problems, "") << condition;
  const TransformConfig* t = transform(l.cfg, "output_1_stdout_when");
  if (t == nullptr) {
    ADD_FAILURE() << "no filter for " << condition;
    return false;
  }
  Metrics metrics;
  BuildContext ctx{"f", metrics, "/tmp/none", "/tmp", "node"};
  auto built = t->build(ctx);
  EXPECT_TRUE(built) << built.error().message;
  auto pool = BatchPool::create();
  auto batch = pool->acquire();
  fill(batch->add());
  (*built)->apply(*batch);
  return batch->size() == 1;
}

TEST(ConfToPipelineTest, EveryOperatorEvaluatedOnEvents) {
  EXPECT_TRUE(holds(R"([s] == "hello world")"));
  EXPECT_FALSE(holds(R"([s] == "hello")"));
  EXPECT_TRUE(holds(R"([s] != "hello")"));
  EXPECT_TRUE(holds("[n] == 5"));
  EXPECT_TRUE(holds("[n] < 6"));
  EXPECT_FALSE(holds("[n] < 5"));
  EXPECT_TRUE(holds("[n] <= 5"));
  EXPECT_TRUE(holds("[n] > 4"));
  EXPECT_TRUE(holds("[n] >= 5"));
  EXPECT_FALSE(holds("[n] >= 6"));
  EXPECT_TRUE(holds("[f] > 2"));
  EXPECT_TRUE(holds(R"([s] =~ /^hel+o\s/)"));
  EXPECT_FALSE(holds(R"([s] =~ /^world/)"));
  EXPECT_TRUE(holds(R"([s] !~ /^world/)"));
  EXPECT_TRUE(holds(R"([s] =~ "wor")"));
  EXPECT_TRUE(holds(R"("b" in [list])"));
  EXPECT_TRUE(holds(R"([type] in ["kube-logs", "other"])"));
  EXPECT_FALSE(holds(R"("z" in [list])"));
  EXPECT_TRUE(holds(R"("z" not in [list])"));
  EXPECT_TRUE(holds(R"("world" in [s])"));
  EXPECT_TRUE(holds(R"([nested][x] == "in")"));
  EXPECT_TRUE(holds("[t]"));
  EXPECT_FALSE(holds("[empty]"));
  EXPECT_FALSE(holds("[missing]"));
  EXPECT_TRUE(holds("![missing]"));
  EXPECT_TRUE(holds("[n] == 5 and [t]"));
  EXPECT_FALSE(holds("[n] == 5 and [missing]"));
  EXPECT_TRUE(holds("[missing] or [t]"));
  EXPECT_TRUE(holds("[t] xor [missing]"));
  EXPECT_FALSE(holds("[t] xor [n]"));
  EXPECT_TRUE(holds("[t] nand [missing]"));
  EXPECT_FALSE(holds("[t] nand [n]"));
}

TEST(ConfToPipelineTest, PrecedenceAndParentheses) {
  // and binds tighter than or: true or (false and false) = true.
  EXPECT_TRUE(holds("[t] or [missing] and [missing]"));
  // (true or false) and false = false.
  EXPECT_FALSE(holds("([t] or [missing]) and [missing]"));
  EXPECT_TRUE(holds("!([missing] or [empty])"));
  EXPECT_FALSE(holds("!([t] and ([n] > 1))"));
}

TEST(ConfToPipelineTest, ChainNamesAndWiring) {
  auto l = load(R"(input { stdin { id => "in" } stdin { } }
filter {
  mutate { id => "first" add_tag => ["a"] }
  if [x] =~ /^\s*$/ { drop { } }
  mutate { add_tag => ["b"] }
}
output { stdout { } if [x] { stdout { id => "maybe" } } else if [y] { stdout { } } else { stdout { } } })");
  ASSERT_EQ(l.problems, "");
  ASSERT_EQ(l.cfg.sources.size(), 2u);
  EXPECT_EQ(l.cfg.sources[0].name, "in");
  EXPECT_EQ(l.cfg.sources[1].name, "input_2_stdin");
  const TransformConfig* first = transform(l.cfg, "first");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->inputs, (std::vector<std::string>{"in", "input_2_stdin"}));
  const TransformConfig* drop = transform(l.cfg, "filter_2_drop");
  ASSERT_NE(drop, nullptr);
  EXPECT_EQ(drop->type, "filter");
  EXPECT_EQ(drop->inputs, std::vector<std::string>{"first"});
  const TransformConfig* last = transform(l.cfg, "filter_3_mutate");
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->inputs, std::vector<std::string>{"filter_2_drop"});
  ASSERT_EQ(l.cfg.sinks.size(), 4u);
  EXPECT_EQ(l.cfg.sinks[0].inputs, std::vector<std::string>{"filter_3_mutate"});
  EXPECT_EQ(l.cfg.sinks[1].name, "maybe");
  EXPECT_EQ(l.cfg.sinks[1].inputs, std::vector<std::string>{"maybe_when"});
  EXPECT_EQ(transform(l.cfg, "maybe_when")->inputs, std::vector<std::string>{"filter_3_mutate"});
  EXPECT_EQ(l.cfg.sinks[2].inputs, std::vector<std::string>{"output_3_stdout_when"});
  EXPECT_EQ(l.cfg.sinks[3].inputs, std::vector<std::string>{"output_4_stdout_when"});
}

TEST(ConfToPipelineTest, ElseIfAndElseOutputsGetExclusiveConditions) {
  // The event has [n] == 5: only the second branch's output is fed.
  auto l = load(R"(input { stdin { } }
output {
  if [n] > 10 { stdout { id => "a" } }
  else if [n] == 5 { stdout { id => "b" } if [missing] { stdout { id => "b2" } } }
  else { stdout { id => "c" } }
})");
  ASSERT_EQ(l.problems, "");
  Metrics metrics;
  auto pool = BatchPool::create();
  auto passes = [&](const std::string& name) {
    BuildContext ctx{name, metrics, "/tmp/none", "/tmp", "node"};
    auto built = transform(l.cfg, name)->build(ctx);
    EXPECT_TRUE(built);
    auto batch = pool->acquire();
    fill(batch->add());
    (*built)->apply(*batch);
    return batch->size() == 1;
  };
  EXPECT_FALSE(passes("a_when"));
  EXPECT_TRUE(passes("b_when"));
  EXPECT_FALSE(passes("b2_when"));
  EXPECT_FALSE(passes("c_when"));
}

TEST(ConfToPipelineTest, UnknownPluginAndSettingAtTheirLines) {
  auto l = load(R"(input {
  stdin { }
  kafka { topics => ["x"] }
}
filter {
  mutate {
    rename => { "a" => "b" }
    bogus => 1
  }
}
output {
  stdout { codec => msgpack }
  syslog { host => "h" port => 99999 }
})");
  EXPECT_NE(l.problems.find("p.conf:3: unknown input plugin 'kafka'"), std::string::npos) << l.problems;
  EXPECT_NE(l.problems.find("p.conf:8: filter plugin 'mutate': unknown setting 'bogus'"), std::string::npos)
      << l.problems;
  EXPECT_NE(l.problems.find("p.conf:12: output plugin 'stdout': codec 'msgpack' is not supported"),
            std::string::npos) << l.problems;
  EXPECT_NE(l.problems.find("p.conf:13: output plugin 'syslog': port: 99999 is outside 1..65535"),
            std::string::npos) << l.problems;
}

TEST(ConfToPipelineTest, UnsupportedSettingsAreErrorsNeverIgnored) {
  auto l = load("input {\n  udp { port => 1 source_ip_fieldname => \"ip\" }\n  syslog { timezone => \"UTC\" }\n"
                "  tcp { port => 1 dns_reverse_lookup_enabled => true }\n}\n"
                "output { file { path => \"/tmp/x\" gzip => true codec => line } }");
  EXPECT_NE(l.problems.find("p.conf:2: input plugin 'udp': setting 'source_ip_fieldname' is not supported"),
            std::string::npos) << l.problems;
  EXPECT_NE(l.problems.find("p.conf:3: input plugin 'syslog': setting 'timezone' is not supported"),
            std::string::npos) << l.problems;
  EXPECT_NE(l.problems.find("p.conf:4: input plugin 'tcp': setting 'dns_reverse_lookup_enabled' is not supported"),
            std::string::npos) << l.problems;
  EXPECT_NE(l.problems.find("p.conf:6: output plugin 'file': setting 'gzip' is not supported"),
            std::string::npos) << l.problems;
}

TEST(ConfToPipelineTest, SyslogInputListensOnUdpAndTcp) {
  auto l = load("input { syslog { port => 5514 id => \"sys\" } }\noutput { stdout { } }");
  ASSERT_EQ(l.problems, "");
  ASSERT_EQ(l.cfg.sources.size(), 2u);
  EXPECT_EQ(l.cfg.sources[0].name, "sys_udp");
  EXPECT_EQ(l.cfg.sources[1].name, "sys_tcp");
}

// syslog { proxy_protocol => true }: the TCP source reads a PROXY header; its client is the
// event's source_ip (and host, the message having no hostname), as Logstash's host is.
TEST(ConfToPipelineTest, SyslogProxyProtocolTakesTheClientFromTheHeader) {
  auto l = load("input { syslog { host => \"127.0.0.1\" port => 0 proxy_protocol => true } }\noutput { stdout { } }");
  ASSERT_EQ(l.problems, "");
  ASSERT_EQ(l.cfg.sources.size(), 2u);
  Metrics metrics;
  BuildContext ctx{"pp", metrics, "/tmp/none", "/tmp", "node"};
  auto built = l.cfg.sources.at(1).build(ctx);
  ASSERT_TRUE(built) << built.error().message;
  auto* source = static_cast<sources::SyslogSource*>(built->get());
  testing::JsonRecordingOutput out;
  std::jthread thread([&](std::stop_token st) {
    SourceContext sc{"pp", st, out};
    source->run(sc);
  });
  int fd = testing::tcp_connect(source->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::send_all(fd, "PROXY TCP4 203.0.113.7 10.0.0.1 4242 514\r\n<13>Oct 11 22:14:15 app: proxied\n"));
  ASSERT_TRUE(testing::wait_until([&] { return out.count() == 1; }, std::chrono::seconds(5), "the message"));
  EXPECT_NE(out.events()[0].find(R"("host":"203.0.113.7")"), std::string::npos) << out.events()[0];
  EXPECT_NE(out.events()[0].find(R"("source_ip":"203.0.113.7")"), std::string::npos) << out.events()[0];
  ::close(fd);
  thread.request_stop();
  source->interrupt();
}

std::string source_type(const Loaded& l, std::size_t i) {
  return i < l.cfg.sources.size() ? l.cfg.sources[i].type : "";
}

TEST(ConfToPipelineTest, TcpAndUdpInputsBecomeSocketSources) {
  auto l = load(R"(input {
  tcp { port => 5000 host => "127.0.0.1" codec => json_lines mode => server id => "t" }
  udp { port => 5001 buffer_size => 9000 workers => 4 queue_size => 100 codec => json }
}
output { stdout { } })");
  ASSERT_EQ(l.problems, "");
  ASSERT_EQ(l.cfg.sources.size(), 2u);
  EXPECT_EQ(l.cfg.sources[0].name, "t");
  EXPECT_EQ(source_type(l, 0), "socket");
  EXPECT_EQ(source_type(l, 1), "socket");
  // The sources build and listen: port 5000/5001 may be taken here, so bind them to 0 instead.
  auto zero = load("input { tcp { port => 0 host => \"127.0.0.1\" } udp { port => 0 host => \"127.0.0.1\" } }\n"
                   "output { stdout { } }");
  ASSERT_EQ(zero.problems, "");
  Metrics metrics;
  for (auto& sc : zero.cfg.sources) {
    BuildContext ctx{sc.name, metrics, "/tmp/none", "/tmp", "node"};
    auto built = sc.build(ctx);
    EXPECT_TRUE(built) << sc.name << ": " << (built ? "" : built.error().message);
  }
}

TEST(ConfToPipelineTest, TcpUdpCodecAndModeErrorsAtTheirLines) {
  auto l = load(R"(input {
  tcp { port => 5000
    mode => client }
  tcp { port => 5001 codec => line {
      delimiter => "|" } }
  udp { port => 5002 codec => json {
      foo => "bar" } }
  udp { port => 5003 codec => msgpack }
  tcp { port => 5004 ssl_enable => true ssl_verify => true
    ssl_cert => "c.pem" ssl_key => "k.pem" }
  udp { port => 5005 ecs_compatibility => v8 }
  udp { port => 5006 codec => plain { charset => "UTF-8" } }
  udp { port => 5007 codec => plain {
      charset => "ISO-8859-1" } }
}
output { stdout { } })");
  for (const char* want : {"p.conf:3: input plugin 'tcp': mode: only 'server' is supported",
                           "p.conf:5: input plugin 'tcp': codec line: delimiter: only a newline",
                           "p.conf:7: input plugin 'udp': codec json: setting 'foo' is not supported",
                           "p.conf:8: input plugin 'udp': codec 'msgpack' is not supported on this input",
                           "p.conf:9: input plugin 'tcp': tls: verify_client needs ca_file",
                           "p.conf:11: input plugin 'udp': ecs_compatibility: only 'disabled'",
                           "p.conf:14: input plugin 'udp': codec plain: charset: only UTF-8"})
    EXPECT_NE(l.problems.find(want), std::string::npos) << want << "\n" << l.problems;
  EXPECT_EQ(l.problems.find("p.conf:13:"), std::string::npos) << l.problems;  // charset UTF-8 is fine
}

// ssl_* of the tcp input reach the socket source's TLS: a client trusting only the root CA
// accepts the server because ssl_extra_chain_certs sends the intermediate.
TEST(ConfToPipelineTest, TcpSslSettingsServeTls) {
  testing::TempDir dir;
  testing::make_certs(dir);
  testing::make_chain_certs(dir);
  auto l = load("input { tcp { host => \"127.0.0.1\" port => 0 ssl_enable => true ssl_cert => \"" +
                (dir / "leaf.pem").string() + "\" ssl_key => \"" + (dir / "leaf.key").string() +
                "\" ssl_extra_chain_certs => [\"" + (dir / "chain.pem").string() + "\"] } }\noutput { stdout { } }");
  ASSERT_EQ(l.problems, "");
  Metrics metrics;
  BuildContext ctx{"tls", metrics, "/tmp/none", "/tmp", "node"};
  auto built = l.cfg.sources.at(0).build(ctx);
  ASSERT_TRUE(built) << built.error().message;
  auto* source = static_cast<sources::SocketSource*>(built->get());
  struct Count final : SourceOutput {
    std::shared_ptr<BatchPool> pool = BatchPool::create();
    std::atomic<std::size_t> events{0};
    BatchPtr new_batch() override { return pool->acquire(); }
    bool send(BatchPtr b) override {
      events += b->size();
      return true;
    }
  } out;
  std::jthread thread([&](std::stop_token st) {
    SourceContext sc{"tls", st, out};
    source->run(sc);
  });
  EXPECT_TRUE(testing::send_tls(source->port(), dir, false, "secret line\n"));
  EXPECT_TRUE(testing::wait_until([&] { return out.events.load() == 1; }, std::chrono::seconds(5), "the line"));
  thread.request_stop();
  source->interrupt();
}

// ssl_key_passphrase, ssl_supported_protocols and ssl_cipher_suites of the tcp input reach the
// socket source: the encrypted key loads, and openssl s_client gets TLS 1.3 only.
TEST(ConfToPipelineTest, TcpSslPassphraseProtocolsAndCiphersServeTls) {
  testing::TempDir dir;
  testing::make_certs(dir);
  testing::make_encrypted_server_key(dir, "conf-pw");
  auto l = load("input { tcp { host => \"127.0.0.1\" port => 0 ssl_enable => true ssl_cert => \"" +
                (dir / "server.pem").string() + "\" ssl_key => \"" + (dir / "server_enc.key").string() +
                "\" ssl_key_passphrase => \"conf-pw\" ssl_supported_protocols => [\"TLSv1.3\"]"
                " ssl_cipher_suites => [\"TLS_AES_256_GCM_SHA384\"] } }\noutput { stdout { } }");
  ASSERT_EQ(l.problems, "");
  Metrics metrics;
  BuildContext ctx{"tls", metrics, "/tmp/none", "/tmp", "node"};
  auto built = l.cfg.sources.at(0).build(ctx);
  ASSERT_TRUE(built) << built.error().message;
  auto* source = static_cast<sources::SocketSource*>(built->get());
  struct Discard final : SourceOutput {
    std::shared_ptr<BatchPool> pool = BatchPool::create();
    BatchPtr new_batch() override { return pool->acquire(); }
    bool send(BatchPtr) override { return true; }
  } out;
  std::jthread thread([&](std::stop_token st) {
    SourceContext sc{"tls", st, out};
    source->run(sc);
  });
  std::string log;
  EXPECT_TRUE(testing::openssl_handshake(source->port(), {"-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"}, &log)) << log;
  EXPECT_FALSE(testing::openssl_handshake(source->port(), {"-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"}, &log)) << log;
  EXPECT_FALSE(testing::openssl_handshake(source->port(), {"-tls1_2"}, &log)) << log;
  thread.request_stop();
  source->interrupt();
}

// Unknown protocols and ciphers OpenSSL does not accept are errors at validate, at their lines,
// on the tcp input (the socket source's tls map) and on the beats input (its own ssl_* options).
TEST(ConfToPipelineTest, BadSslProtocolsAndCiphersAreErrorsAtTheirLines) {
  auto l = load(R"(input {
  tcp { port => 5000 ssl_enable => true ssl_cert => "c.pem" ssl_key => "k.pem"
    ssl_supported_protocols => ["TLSv1.2", "TLSv1.0"] }
  tcp { port => 5001 ssl_enable => true ssl_cert => "c.pem" ssl_key => "k.pem"
    ssl_cipher_suites => ["TLS_AES_256_GCM_SHA384", "NO_SUCH_CIPHER"] }
  beats { port => 5044 ssl_enabled => true ssl_certificate => "c.pem" ssl_key => "k.pem"
    ssl_supported_protocols => ["TLSv1.1", "TLSv1.3"] }
  beats { port => 5045 ssl_enabled => true ssl_certificate => "c.pem" ssl_key => "k.pem"
    ssl_key_passphrase => "x"
    ssl_cipher_suites => "BOGUS-CIPHER" }
  tcp { port => 5002 ssl_enable => true ssl_cert => "c.pem" ssl_key => "k.pem"
    ssl_key_passphrase => "x" ssl_supported_protocols => "TLSv1.3" ssl_cipher_suites => ["TLS_AES_128_GCM_SHA256"] }
}
output { stdout { } })");
  for (const char* want : {"p.conf:3: input plugin 'tcp': tls: protocols: unknown protocol 'TLSv1.0'",
                           "p.conf:5: input plugin 'tcp': tls: ciphers: OpenSSL knows no cipher 'NO_SUCH_CIPHER'",
                           "p.conf:7: input plugin 'beats': ssl_supported_protocols: give consecutive versions",
                           "p.conf:10: input plugin 'beats': ssl_cipher_suites: OpenSSL knows no cipher 'BOGUS-CIPHER'"})
    EXPECT_NE(l.problems.find(want), std::string::npos) << want << "\n" << l.problems;
  EXPECT_EQ(l.problems.find("p.conf:9:"), std::string::npos) << l.problems;
  EXPECT_EQ(l.problems.find("p.conf:11:"), std::string::npos) << l.problems;
  EXPECT_EQ(l.problems.find("p.conf:12:"), std::string::npos) << l.problems;
}

// proxy_protocol => true: the client a PROXY v1 header names is the event's host, as in
// Logstash's tcp input; with ssl_enable too (the header comes before the handshake).
TEST(ConfToPipelineTest, TcpProxyProtocolTakesTheClientFromTheHeader) {
  auto l = load("input { tcp { host => \"127.0.0.1\" port => 0 proxy_protocol => true } }\noutput { stdout { } }");
  ASSERT_EQ(l.problems, "");
  Metrics metrics;
  BuildContext ctx{"pp", metrics, "/tmp/none", "/tmp", "node"};
  auto built = l.cfg.sources.at(0).build(ctx);
  ASSERT_TRUE(built) << built.error().message;
  auto* source = static_cast<sources::SocketSource*>(built->get());
  testing::JsonRecordingOutput out;
  std::jthread thread([&](std::stop_token st) {
    SourceContext sc{"pp", st, out};
    source->run(sc);
  });
  int fd = testing::tcp_connect(source->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(testing::send_all(fd, "PROXY TCP6 2001:db8::5 2001:db8::1 4242 514\r\nproxied\n"));
  ASSERT_TRUE(testing::wait_until([&] { return out.count() == 1; }, std::chrono::seconds(5), "the line"));
  EXPECT_NE(out.events()[0].find(R"("host":"2001:db8::5","port":4242)"), std::string::npos) << out.events()[0];
  ::close(fd);
  thread.request_stop();
  source->interrupt();
  auto tls = load("input { tcp { port => 5000 ssl_enable => true ssl_cert => \"c.pem\" ssl_key => \"k.pem\"\n"
                  "  proxy_protocol => true } }\noutput { stdout { } }");
  EXPECT_EQ(tls.problems.find("proxy_protocol"), std::string::npos) << tls.problems;
}

TEST(ConfToPipelineTest, LineDelimiterNewlineIsAccepted) {
  auto l = load("input { tcp { port => 5000 codec => line { delimiter => \"\\n\" } } }\noutput { stdout { } }");
  EXPECT_EQ(l.problems, "");
}

// Logstash's input options, on any input: one decorate transform right after the input.
TEST(ConfToPipelineTest, InputTypeTagsAddFieldBecomeADecorateAfterTheInput) {
  auto l = load(R"(input {
  syslog { port => 5514 id => "sys" type => "syslog" tags => ["a", "%{[@metadata][x]}"] }
  stdin { add_field => { "env" => "prod-%{host}" } }
  beats { port => 5044 }
}
filter { mutate { add_tag => ["f"] } }
output { stdout { } })");
  ASSERT_EQ(l.problems, "");
  const TransformConfig* d = transform(l.cfg, "sys_udp_decorate");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->type, "decorate");
  EXPECT_EQ(d->inputs, (std::vector<std::string>{"sys_udp", "sys_tcp"}));
  const TransformConfig* s = transform(l.cfg, "input_2_stdin_decorate");
  ASSERT_NE(s, nullptr);
  const TransformConfig* f = transform(l.cfg, "filter_1_mutate");
  ASSERT_NE(f, nullptr);
  // beats has no options: it feeds the filters directly.
  EXPECT_EQ(f->inputs, (std::vector<std::string>{"sys_udp_decorate", "input_2_stdin_decorate", "input_3_beats"}));

  Metrics metrics;
  BuildContext ctx{"d", metrics, "/tmp/none", "/tmp", "node"};
  auto built = d->build(ctx);
  ASSERT_TRUE(built) << built.error().message;
  auto pool = BatchPool::create();
  auto batch = pool->acquire();
  Event& typed = batch->add();
  typed.append("type", typed.string_value("kept"));
  typed.append("tags", Value::string("old"));
  Event& plain = batch->add();
  plain.set(FieldPath::parse("[@metadata][x]"), plain.string_value("meta"));
  (*built)->apply(*batch);
  std::string a, b;
  append_json(a, batch->events()[0]);
  append_json(b, batch->events()[1]);
  EXPECT_EQ(a, R"({"type":"kept","tags":["old","a","%{[@metadata][x]}"]})");  // type only when absent
  EXPECT_EQ(b, R"({"type":"syslog","tags":["a","meta"]})");
}

TEST(ConfToPipelineTest, InputAddFieldTemplateErrorsAtItsLine) {
  auto l = load("input {\n  stdin {\n    add_field => { \"x\" => \"%{+YYYY.bbb}\" }\n  }\n}\noutput { stdout { } }");
  EXPECT_NE(l.problems.find("p.conf:3: input plugin 'stdin': add_field: '%{+YYYY.bbb}': unknown letter 'b'"),
            std::string::npos) << l.problems;
}

TEST(ConfToPipelineTest, FileOutputDefaultsToJsonLines) {
  auto l = load("input { stdin { } }\noutput { file { path => \"/tmp/x\" } file { path => \"/tmp/y\" codec => json } }");
  EXPECT_EQ(l.problems, "");
  auto bad = load("input { stdin { } }\noutput { file { path => \"/tmp/x\" codec => json_lines { foo => 1 } } }");
  EXPECT_NE(bad.problems.find("p.conf:2: output plugin 'file': codec json_lines: setting 'foo' is not supported"),
            std::string::npos) << bad.problems;
}

TEST(ConfToPipelineTest, RepeatedSettingsMerge) {
  auto r = parse_conf(R"(filter { x {
    h => { "a" => "1" }
    h => { "b" => "2" }
    l => ["a"]
    l => ["b", "c"]
    s => "one"
    s => "two"
    same => "v"
    same => "v"
} })", {});
  ASSERT_TRUE(r.errors.empty());
  auto merged = merge_repeated(r.pipeline.sections[0].body[0].plugin.attributes);
  ASSERT_EQ(merged.size(), 4u);
  EXPECT_EQ(merged[0].value.entries.size(), 2u);
  EXPECT_EQ(merged[0].value.entries[1].first.text, "b");
  ASSERT_EQ(merged[1].value.items.size(), 3u);
  EXPECT_EQ(merged[1].value.items[2].text, "c");
  ASSERT_EQ(merged[2].value.kind, ConfValue::Kind::kArray);
  EXPECT_EQ(merged[2].value.items[1].text, "two");
  EXPECT_EQ(merged[3].value.kind, ConfValue::Kind::kString);
  // And through a native schema: mutate's two add_tag settings become one list.
  auto l = load("input { stdin { } }\nfilter { mutate { add_tag => [\"a\"] add_tag => [\"b\"] bogus => 1 bogus => 2 } }\n"
                "output { stdout { } }");
  // The repeated unknown setting is one setting, reported once; add_tag binds as one list.
  std::size_t first = l.problems.find("unknown setting 'bogus'");
  ASSERT_NE(first, std::string::npos) << l.problems;
  EXPECT_EQ(l.problems.find("unknown setting 'bogus'", first + 1), std::string::npos) << l.problems;
  EXPECT_NE(l.problems.find("p.conf:2: filter plugin 'mutate': unknown setting 'bogus'"), std::string::npos);
}

TEST(ConfToPipelineTest, DuplicateIdsAndMissingSections) {
  auto l = load("input { stdin { id => \"x\" } }\noutput { stdout { id => \"x\" } }");
  EXPECT_NE(l.problems.find("p.conf:2: plugin id 'x' is used more than once"), std::string::npos) << l.problems;
  l = load("input { stdin { } }");
  EXPECT_NE(l.problems.find("no output plugin"), std::string::npos) << l.problems;
  l = load("input { stdin { } }\nfilter { if [a] { mutate { } } }\noutput { stdout { } }");
  EXPECT_EQ(l.problems, "");
  l = load("input { if [a] { stdin { } } }\noutput { stdout { } }");
  EXPECT_NE(l.problems.find("p.conf:1: conditionals are not allowed in the input section"), std::string::npos);
}

TEST(ConfToPipelineTest, DirectoryInNameOrderWithFileLines) {
  testing::TempDir dir;
  dir.write("20-filter.conf", "filter {\n  mutate { nope => 1 }\n}\n");
  dir.write("10-input.conf", "input { stdin { } }");  // no trailing newline
  dir.write("30-output.conf", "\n\noutput { stdout { } }\n");
  dir.write("README.txt", "not a pipeline");
  Diagnostics d(dir.path().string());
  auto cfg = load_conf(dir.path(), app::registry(), d, {});
  std::string p = d.format();
  EXPECT_NE(p.find((dir / "20-filter.conf").string() + ":2: filter plugin 'mutate': unknown setting 'nope'"),
            std::string::npos) << p;
  std::filesystem::remove(dir / "20-filter.conf");
  dir.write("20-filter.conf", "filter {\n  mutate { add_tag => [\"x\"] }\n}\n");
  Diagnostics ok(dir.path().string());
  cfg = load_conf(dir.path(), app::registry(), ok, {});
  EXPECT_EQ(ok.format(), "");
  ASSERT_EQ(cfg.sources.size(), 1u);
  EXPECT_EQ(cfg.transforms.at(0).inputs, std::vector<std::string>{"input_1_stdin"});
  EXPECT_EQ(cfg.sinks.at(0).inputs, std::vector<std::string>{"filter_1_mutate"});
  // A split across files is one text, as Logstash concatenates them.
  testing::TempDir split;
  split.write("a.conf", "input { stdin { }");
  split.write("b.conf", "}\noutput {\n  stdout { bad => 1 }\n}");
  Diagnostics s(split.path().string());
  (void)load_conf(split.path(), app::registry(), s, {});
  EXPECT_NE(s.format().find((split / "b.conf").string() + ":3: output plugin 'stdout': unknown setting 'bad'"),
            std::string::npos) << s.format();
}

TEST(ConfToPipelineTest, DirectoryWithYamlIsAnError) {
  testing::TempDir dir;
  dir.write("a.conf", "input { stdin { } } output { stdout { } }");
  dir.write("b.yaml", "sources: {}");
  Diagnostics d(dir.path().string());
  (void)load_conf(dir.path(), app::registry(), d, {});
  EXPECT_NE(d.format().find("b.yaml:0: a directory given to -c holds Logstash .conf files only"),
            std::string::npos) << d.format();
}

TEST(ConfToPipelineTest, SyntaxErrorInSecondFileNamesIt) {
  testing::TempDir dir;
  dir.write("a.conf", "input { stdin { } }\n");
  dir.write("b.conf", "output {\n  stdout {\n    codec =>\n  }\n}\n");
  Diagnostics d(dir.path().string());
  (void)load_conf(dir.path(), app::registry(), d, {});
  EXPECT_NE(d.format().find((dir / "b.conf").string() + ":4: expected a value"), std::string::npos) << d.format();
}

}  // namespace
}  // namespace logferry::config::logstash

namespace logferry::config::logstash {
namespace {

TEST(ConfToPipelineTest, FileInputBecomesTheFileSource) {
  auto l = load(R"(input {
  file {
    path => ["/var/log/*.log", "/srv/app/*.txt"]
    exclude => "*.gz"
    start_position => "beginning"
    sincedb_path => "/dev/null"
    stat_interval => "500 ms"
    discover_interval => 5
    close_older => "1 hour"
    ignore_older => 86400
    sincedb_write_interval => 15
    max_open_files => 100
    mode => "tail"
    delimiter => "\n"
    codec => plain
  }
  file { path => "/var/log/syslog" }
}
output { stdout { } })");
  ASSERT_EQ(l.problems, "");
  ASSERT_EQ(l.cfg.sources.size(), 2u);
  EXPECT_EQ(l.cfg.sources[0].type, "file");
  EXPECT_EQ(l.cfg.sources[1].name, "input_2_file");
}

TEST(ConfToPipelineTest, FileInputProblemsAreErrorsAtTheirLines) {
  auto l = load(R"(input {
  file {
    path => "relative/*.log"
    mode => "read"
    stat_interval => "soon"
    file_completed_action => "delete"
    codec => json
    delimiter => ";"
    start_position => "middle"
    bogus => 1
  }
  file { }
  file { path => ["/var/log/**/*.log", "/var/log/{a,b}.log"] }
}
output { stdout { } })");
  for (const char* want : {
           "p.conf:3: input plugin 'file': path: 'relative/*.log' must be absolute",
           "p.conf:4: input plugin 'file': mode: only 'tail' is supported",
           "p.conf:5: input plugin 'file': stat_interval: 'soon' is not a duration",
           "p.conf:6: input plugin 'file': setting 'file_completed_action' is not supported",
           "p.conf:7: input plugin 'file': codec 'json' is not supported",
           "p.conf:8: input plugin 'file': delimiter: only",
           "p.conf:9: input plugin 'file': start_position: 'middle' is not beginning or end",
           "p.conf:10: input plugin 'file': unknown setting 'bogus'",
           "p.conf:12: input plugin 'file': setting 'path' is required",
           "p.conf:13: input plugin 'file': path: '/var/log/**/*.log': recursive '**' is not supported",
           "p.conf:13: input plugin 'file': path: '/var/log/{a,b}.log': '{a,b}' alternatives"})
    EXPECT_NE(l.problems.find(want), std::string::npos) << want << "\n" << l.problems;
}

}  // namespace
}  // namespace logferry::config::logstash

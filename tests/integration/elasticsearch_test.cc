// The elasticsearch sink end to end: the real logferry binary (stdin -> parse_json ->
// elasticsearch) against EsTestServer, the Elasticsearch stand-in (tests/support), with the
// response shapes of ES 6, 7 and 8 and its fault injection.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "support/child_process.h"
#include "support/es_test_server.h"
#include "support/net_util.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string event_line(int i, const std::string& extra = "") {
  return R"({"@timestamp":"2026-12-02T10:00:00.123Z","id":"e)" + std::to_string(i) + R"(","msg":"event )" +
         std::to_string(i) + "\"" + extra + R"(,"@metadata":{"secret":"not indexed"}})";
}

// logferry reading JSON lines on stdin into one elasticsearch sink configured by `sink_yaml`
// (indented by 4). stdin stays open until finish(), so delivery is waited for, not a shutdown.
class Logferry {
 public:
  Logferry(const TempDir& dir, const std::string& hosts, const std::string& sink_yaml, uint16_t api_port = 0) {
    std::string conf = "data_dir: " + (dir.path() / "data").string() + "\n";
    if (api_port) conf += "api: {address: 127.0.0.1:" + std::to_string(api_port) + "}\n";
    conf += "sources: {in: {type: stdin}}\n"
            "transforms: {json: {type: parse_json, inputs: [in], remove_source: true}}\n"
            "sinks:\n  es:\n    type: elasticsearch\n    inputs: [json]\n    hosts: " + hosts + "\n"
            "    retry_initial_interval: 50ms\n    retry_max_interval: 200ms\n    resurrect_delay: 100ms\n" +
            sink_yaml;
    dir.write("logferry.yaml", conf);
    process_ = std::make_unique<ChildProcess>(ChildProcess::Options{
        .argv = {logferry_binary().string(), "run", "-c", (dir / "logferry.yaml").string()},
        .env = {},
        .output_dir = dir.path(),
        .name = "logferry",
        .stdin_pipe = true});
  }
  void write(const std::string& s) { process_->write_stdin(s); }
  int finish() {
    process_->close_stdin();
    auto status = process_->wait(30s);
    return status ? *status : -1;
  }
  std::string err() const { return process_->err(); }

 private:
  std::unique_ptr<ChildProcess> process_;
};

EsTestServer::Options server_options(std::string version = "7.17.9", uint16_t port = 0, std::string cert = "",
                                     std::string key = "") {
  EsTestServer::Options o;
  o.version = std::move(version);
  o.port = port;
  o.tls_cert_file = std::move(cert);
  o.tls_key_file = std::move(key);
  return o;
}

std::string input(int n, int from = 0) {
  std::string s;
  for (int i = from; i < from + n; ++i) s += event_line(i) + "\n";
  return s;
}

std::string hosts_of(const EsTestServer& s) { return "[\"" + s.url() + "\"]"; }

std::string metrics(uint16_t api_port) {
  std::string out;
  run_command({"/usr/bin/curl", "-s", "http://127.0.0.1:" + std::to_string(api_port) + "/metrics"}, &out, 10s);
  return out;
}

// The value of a metric line starting with `prefix` (name and labels), or -1.
long metric(const std::string& page, const std::string& prefix) {
  std::istringstream in(page);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(prefix + " ")) return std::stol(line.substr(prefix.size() + 1));
  return -1;
}

std::string field(const std::string& json, const std::string& key) {
  auto p = json.find("\"" + key + "\":\"");
  if (p == std::string::npos) return "";
  p += key.size() + 4;
  return json.substr(p, json.find('"', p) - p);
}

TEST(ElasticsearchIntegrationTest, EveryDocumentOnceWithIndexIdAndTemplate) {
  TempDir dir;
  EsTestServer es(server_options("7.17.9"));
  ASSERT_TRUE(es.start());
  Logferry lf(dir, hosts_of(es), "    document_id: \"%{id}\"\n    flush_size: 100\n    max_in_flight: 4\n");
  const int n = 5000;
  lf.write(input(n));
  EXPECT_TRUE(wait_until([&] { return es.documents().size() >= n; }, 30s, "all documents")) << lf.err();
  EXPECT_EQ(lf.finish(), 0) << lf.err();
  auto docs = es.documents();
  ASSERT_EQ(docs.size(), static_cast<std::size_t>(n));
  std::set<std::string> ids;
  for (const auto& d : docs) {
    EXPECT_EQ(d.index, "logstash-2026.12.02");
    EXPECT_EQ(d.type, "") << "no _type to ES 7 unless document_type is set";
    EXPECT_EQ(d.action, "index");
    EXPECT_EQ(d.version, 1);
    EXPECT_EQ("e" + field(d.source, "msg").substr(6), d.id);
    EXPECT_EQ(d.source.find("@metadata"), std::string::npos) << d.source;
    EXPECT_NE(d.source.find(R"("@timestamp":"2026-12-02T10:00:00.123Z")"), std::string::npos) << d.source;
    EXPECT_NE(d.source.find(R"("@version":"1")"), std::string::npos) << d.source;
    ids.insert(d.id);
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(n));
  for (const auto& [source, count] : es.received()) EXPECT_EQ(count, 1) << source;
  EXPECT_GE(es.bulk_requests(), static_cast<uint64_t>(n / 100));
  auto templates = es.templates();
  ASSERT_TRUE(templates.count("_template/logstash")) << "legacy template API below 8";
  EXPECT_NE(templates["_template/logstash"].find(R"("index_patterns":"logstash-*")"), std::string::npos);
}

TEST(ElasticsearchIntegrationTest, DocumentTypeFollowsServerVersion) {
  struct Case {
    std::string version, sink, want_type, template_key;
  };
  for (const Case& c : {Case{"6.8.23", "", "doc", "_template/logstash"},
                        Case{"6.8.23", "    document_type: \"%{kind}\"\n", "k1", "_template/logstash"},
                        Case{"7.17.9", "    document_type: mytype\n", "mytype", "_template/logstash"},
                        Case{"8.11.1", "    document_type: mytype\n", "", "_index_template/logstash"}}) {
    SCOPED_TRACE(c.version + " " + c.sink);
    TempDir dir;
    EsTestServer es(server_options(c.version));
    ASSERT_TRUE(es.start());
    Logferry lf(dir, hosts_of(es), c.sink);
    std::string in;
    for (int i = 0; i < 20; ++i) in += event_line(i, R"(,"kind":"k1")") + "\n";
    lf.write(in);
    EXPECT_TRUE(wait_until([&] { return es.documents().size() >= 20; }, 20s, "documents")) << lf.err();
    EXPECT_EQ(lf.finish(), 0) << lf.err();
    for (const auto& d : es.documents()) EXPECT_EQ(d.type, c.want_type);
    EXPECT_TRUE(es.templates().count(c.template_key));
  }
}

TEST(ElasticsearchIntegrationTest, WholeRequest429IsRetriedWhole) {
  TempDir dir;
  EsTestServer es(server_options());
  ASSERT_TRUE(es.start());
  es.fail_requests(3, 429);
  Logferry lf(dir, hosts_of(es), "    document_id: \"%{id}\"\n");
  lf.write(input(300));
  EXPECT_TRUE(wait_until([&] { return es.documents().size() >= 300; }, 20s, "documents")) << lf.err();
  EXPECT_EQ(lf.finish(), 0) << lf.err();
  EXPECT_EQ(es.documents().size(), 300u);
  int rejected = 0;
  for (const auto& r : es.requests()) rejected += r.status == 429;
  EXPECT_EQ(rejected, 3);
  for (const auto& [source, count] : es.received()) EXPECT_EQ(count, 1) << source;
}

TEST(ElasticsearchIntegrationTest, Items429AreRetriedAloneNotTheSuccessfulOnes) {
  TempDir dir;
  EsTestServer es(server_options());
  ASSERT_TRUE(es.start());
  // Every event whose document has "busy" is answered 429 once (30 of them).
  es.add_item_fault({.marker = R"("busy":true)", .status = 429, .times = 30});
  uint16_t api = free_tcp_port();
  Logferry lf(dir, hosts_of(es), "    document_id: \"%{id}\"\n", api);
  std::string in;
  for (int i = 0; i < 300; ++i) in += event_line(i, i % 10 == 3 ? R"(,"busy":true)" : "") + "\n";
  lf.write(in);
  EXPECT_TRUE(wait_until([&] { return es.documents().size() >= 300; }, 20s, "documents")) << lf.err();
  std::string page = metrics(api);
  EXPECT_EQ(lf.finish(), 0) << lf.err();
  EXPECT_EQ(es.documents().size(), 300u);
  int twice = 0;
  for (const auto& [source, count] : es.received()) {
    bool busy = source.find("\"busy\":true") != std::string::npos;
    EXPECT_EQ(count, busy ? 2 : 1) << source;
    twice += count == 2;
  }
  EXPECT_EQ(twice, 30);
  EXPECT_EQ(metric(page, R"(logferry_elasticsearch_sink_retried_items_total{component="es"})"), 30) << page;
  EXPECT_EQ(metric(page, R"(logferry_elasticsearch_sink_items_total{component="es",status="429"})"), 30);
}

TEST(ElasticsearchIntegrationTest, Items400GoToTheDeadLetterFile) {
  TempDir dir;
  EsTestServer es(server_options());
  ASSERT_TRUE(es.start());
  es.add_item_fault({.marker = R"("level":"oops")", .status = 400, .times = -1});
  uint16_t api = free_tcp_port();
  Logferry lf(dir, hosts_of(es), "    dlq: true\n", api);
  std::string in;
  std::set<std::string> bad;
  for (int i = 0; i < 200; ++i) {
    bool b = i % 20 == 5;
    if (b) bad.insert("e" + std::to_string(i));
    in += event_line(i, b ? R"(,"level":"oops")" : "") + "\n";
  }
  lf.write(in);
  fs::path dlq = dir / "data/es/dead_letter_queue.ndjson";
  auto dlq_lines = [&] {
    std::vector<std::string> lines;
    std::ifstream f(dlq);
    for (std::string l; std::getline(f, l);) lines.push_back(l);
    return lines;
  };
  EXPECT_TRUE(wait_until([&] { return es.documents().size() >= 190 && dlq_lines().size() >= 10; }, 20s,
                         "documents and dead letters"))
      << lf.err();
  std::string page = metrics(api);
  EXPECT_EQ(lf.finish(), 0) << lf.err();
  EXPECT_EQ(es.documents().size(), 190u);
  std::set<std::string> got;
  for (const auto& l : dlq_lines()) {
    EXPECT_NE(l.find(R"("status":400)"), std::string::npos) << l;
    EXPECT_NE(l.find("mapper_parsing_exception"), std::string::npos) << l;
    EXPECT_NE(l.find(R"("action":{"index":{"_index":"logstash-2026.12.02"}})"), std::string::npos) << l;
    got.insert(field(l.substr(l.find("\"event\":")), "id"));
  }
  EXPECT_EQ(got, bad);
  EXPECT_EQ(metric(page, R"(logferry_elasticsearch_sink_dlq_events_total{component="es"})"), 10) << page;
  for (const auto& [source, count] : es.received()) EXPECT_EQ(count, 1) << "400 is not retried: " << source;
}

TEST(ElasticsearchIntegrationTest, ConflictOnCreateIsCountedAndDropped) {
  TempDir dir;
  EsTestServer es(server_options());
  ASSERT_TRUE(es.start());
  uint16_t api = free_tcp_port();
  Logferry lf(dir, hosts_of(es), "    action: create\n    document_id: \"%{id}\"\n", api);
  lf.write(input(100));
  EXPECT_TRUE(wait_until([&] { return es.documents().size() >= 100; }, 20s, "documents")) << lf.err();
  lf.write(input(40));  // the same 40 documents again: 409 each
  EXPECT_TRUE(wait_until([&] {
    return metric(metrics(api), R"(logferry_elasticsearch_sink_duplicates_total{component="es"})") == 40;
  }, 20s, "40 duplicates counted")) << metrics(api);
  EXPECT_EQ(lf.finish(), 0) << lf.err();
  EXPECT_EQ(es.documents().size(), 100u);
  for (const auto& d : es.documents()) EXPECT_EQ(d.version, 1);
}

TEST(ElasticsearchIntegrationTest, ResetMidResponseIsRetried) {
  TempDir dir;
  EsTestServer es(server_options());
  ASSERT_TRUE(es.start());
  es.reset_responses(2);
  Logferry lf(dir, hosts_of(es), "    document_id: \"%{id}\"\n    max_in_flight: 1\n");
  lf.write(input(200));
  EXPECT_TRUE(wait_until([&] {
    int updated = 0;
    auto docs = es.documents();
    for (const auto& d : docs) updated += d.version > 1;
    return docs.size() >= 200 && updated > 0;
  }, 20s, "documents, some indexed twice")) << lf.err();
  EXPECT_EQ(lf.finish(), 0) << lf.err();
  // The cut answers' documents were indexed, then sent again: same _id, so no duplicates.
  EXPECT_EQ(es.documents().size(), 200u);
}

TEST(ElasticsearchIntegrationTest, ServerDownAtStartThenUp) {
  TempDir dir;
  uint16_t port = free_tcp_port();
  EsTestServer es(server_options("7.17.9", port));
  Logferry lf(dir, "[\"127.0.0.1:" + std::to_string(port) + "\"]", "");
  lf.write(input(100));
  EXPECT_TRUE(wait_until([&] { return lf.err().find("is not healthy") != std::string::npos; }, 10s,
                         "a failed health check"))
      << lf.err();
  ASSERT_TRUE(es.start());
  EXPECT_TRUE(wait_until([&] { return es.documents().size() >= 100; }, 20s, "documents after the server came up"))
      << lf.err();
  EXPECT_EQ(lf.finish(), 0) << lf.err();
  EXPECT_EQ(es.documents().size(), 100u);
}

TEST(ElasticsearchIntegrationTest, GzipAndBasicAuth) {
  TempDir dir;
  EsTestServer es(server_options());
  ASSERT_TRUE(es.start());
  Logferry lf(dir, hosts_of(es), "    http_compression: true\n    user: elastic\n    password: changeme\n");
  lf.write(input(500));
  EXPECT_TRUE(wait_until([&] { return es.documents().size() >= 500; }, 20s, "documents")) << lf.err();
  EXPECT_EQ(lf.finish(), 0) << lf.err();
  int bulks = 0;
  for (const auto& r : es.requests()) {
    EXPECT_EQ(r.authorization, "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==") << r.path;
    if (r.path.find("/_bulk") == 0) {
      ++bulks;
      EXPECT_EQ(r.content_encoding, "gzip");
      EXPECT_EQ(r.path, "/_bulk?filter_path=errors,items.*.error,items.*.status");
    }
  }
  EXPECT_GT(bulks, 0);
}

TEST(ElasticsearchIntegrationTest, TlsWithCacertAndApiKey) {
  TempDir dir;
  auto run = [&](const std::string& cmd) {
    ASSERT_EQ(run_command({"/bin/sh", "-c", "cd '" + dir.path().string() + "' && " + cmd + " 2>/dev/null"}), 0) << cmd;
  };
  run("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca");
  run("openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost");
  dir.write("san.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 "
      "-extfile san.ext");
  EsTestServer es(server_options("8.11.1", 0, (dir / "server.pem").string(), (dir / "server.key").string()));
  ASSERT_TRUE(es.start());
  Logferry lf(dir, hosts_of(es), "    cacert: " + (dir / "ca.pem").string() + "\n    api_key: \"id:secret\"\n");
  lf.write(input(50));
  EXPECT_TRUE(wait_until([&] { return es.documents().size() >= 50; }, 20s, "documents over TLS")) << lf.err();
  EXPECT_EQ(lf.finish(), 0) << lf.err();
  ASSERT_FALSE(es.requests().empty());
  for (const auto& r : es.requests()) EXPECT_EQ(r.authorization, "ApiKey aWQ6c2VjcmV0");
}

TEST(ElasticsearchIntegrationTest, UntrustedCertificateIsNotAccepted) {
  TempDir dir;
  ASSERT_EQ(run_command({"/bin/sh", "-c", "cd '" + dir.path().string() +
                                              "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout s.key "
                                              "-out s.pem -days 2 -subj /CN=localhost 2>/dev/null"}),
            0);
  EsTestServer es(server_options("7.17.9", 0, (dir / "s.pem").string(), (dir / "s.key").string()));
  ASSERT_TRUE(es.start());
  Logferry lf(dir, hosts_of(es), "");
  lf.write(input(5));
  EXPECT_TRUE(wait_until([&] { return lf.err().find("is not healthy") != std::string::npos; }, 10s,
                         "a refused certificate"))
      << lf.err();
  EXPECT_TRUE(es.documents().empty());
}

}  // namespace
}  // namespace logferry::testing

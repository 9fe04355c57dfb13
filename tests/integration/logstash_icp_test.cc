// IBM Cloud Private's own Logstash pipeline (chart ibm-icplogging, k8s.conf) with the syslog
// output of PRODUCT.md, run unmodified from a directory (only the hosts and ports are this
// machine's), fed by a real Lumberjack client (npm lumberjack-client) with events shaped as
// ICP's Filebeat 5.x sends them (REFERENCE.md §7), into the Elasticsearch stand-in (no real
// Elasticsearch can be installed here: tests/support/es_test_server.h) and a real rsyslogd.
// Every document and every syslog message must be what Logstash would have produced:
// fields renamed, dissected and grokked, the date taken from `time`, empty lines dropped, JSON
// lines merged, `@metadata` used for the type and never sent.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "support/child_process.h"
#include "support/es_test_server.h"
#include "support/net_util.h"
#include "support/rsyslog_receiver.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kId = "0c51282d195d1c21307f6a48b9118d690441cda498fc5a2790c043407eab235b";
const std::string kSource = "/var/log/containers/web-7d9f8b6c5-x2kqp_shop_nginx-" + kId + ".log";


std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

// One event as ICP's Filebeat 5.x sends it: the Docker json-file keys at the top level
// (json.keys_under_root, json.message_key: log), its prospector fields, and @metadata.
std::string filebeat_event(const std::string& log_json, const std::string& type, int offset) {
  return R"({"@timestamp":"2024-05-01T10:00:05.000Z","@metadata":{"beat":"filebeat","type":")" + type +
         R"("},"beat":{"hostname":"worker-1","name":"worker-1","version":"5.5.1"},"input_type":"log",)"
         R"("log":)" + log_json + R"(,"offset":)" + std::to_string(offset) + R"(,"source":")" + kSource +
         R"(","stream":"stdout","tags":["k8s-app"],"time":"2024-05-01T10:00:00.123456789Z","type":")" + type + R"("})";
}

std::string field(simdjson::dom::element doc, std::string_view key) {
  std::string_view v;
  if (doc[key].get(v) != simdjson::SUCCESS) return "<absent>";
  return std::string(v);
}
bool has(simdjson::dom::element doc, std::string_view key) { return doc[key].error() == simdjson::SUCCESS; }

TEST(LogstashIcpPipeline, RunsUnmodifiedFromBeatsToElasticsearchAndSyslog) {
  if (!have_lumberjack_client()) GTEST_SKIP() << "run scripts/install-peers.sh (npm lumberjack-client)";
  if (!have_rsyslog()) GTEST_SKIP() << "rsyslogd not unpacked in .peers/";
  TempDir dir;
  EsTestServer::Options es_options;
  es_options.version = "6.8.23";  // ICP's Elasticsearch is older than 7: document_type is sent
  EsTestServer es(es_options);
  ASSERT_TRUE(es.start());
  RsyslogReceiver rsyslog(dir, RsyslogReceiver::Input::kUdp,
                         "%pri%\\t%hostname%\\t%programname%\\t%procid%\\t%msg:2:$%\\n");
  rsyslog.start();
  uint16_t beats_port = free_tcp_port(), api_port = free_tcp_port();

  // The chart's pipeline, as shipped, with this machine's addresses.
  std::string conf = read_file(source_dir() / "examples/logstash/icp-k8s.conf");
  conf = replace_all(conf, "port => 5044", "port => " + std::to_string(beats_port));
  conf = replace_all(conf, "elasticsearch:9200", "127.0.0.1:" + std::to_string(es.port()));
  conf = replace_all(conf, "host => \"syslog.example\" port => 514",
                     "host => \"127.0.0.1\" port => " + std::to_string(rsyslog.port()));
  fs::create_directories(dir / "pipeline");
  dir.write("pipeline/k8s.conf", conf);

  ChildProcess lf({{logferry_binary().string(), "run", "-c", (dir / "pipeline").string(), "--api-address",
                    "127.0.0.1:" + std::to_string(api_port)},
                   {}, dir.path(), "logferry"});
  ASSERT_TRUE(wait_until([&] { return tcp_port_open(beats_port); }, 15s, "beats port")) << lf.err();

  std::string events;
  events += filebeat_event(R"("GET /healthz 200")", "kube-logs", 100) + "\n";
  events += filebeat_event(R"("   ")", "kube-logs", 200) + "\n";  // empty: dropped
  events += filebeat_event(R"("{\"level\":\"info\",\"msg\":\"started\",\"port\":8080}")", "kube-logs", 300) + "\n";
  events += R"({"@timestamp":"2024-05-01T11:00:00.000Z","@metadata":{"beat":"filebeat","type":"other"},"message":"not a container line","type":"other","beat":{"hostname":"worker-1","name":"worker-1","version":"5.5.1"}})" "\n";
  dir.write("events.jsonl", events);
  std::string out;
  ASSERT_EQ(run_command({"/usr/bin/env", "LUMBERJACK_CLIENT_DIR=" + npm_dir().string(), "node",
                         (source_dir() / "tests/integration/logstash/send_events.js").string(),
                         std::to_string(beats_port), (dir / "events.jsonl").string()},
                        &out, 45s), 0) << out << lf.err();
  EXPECT_EQ(out, "acked 4 events\n");  // the ack came after both outputs accepted the events

  ASSERT_EQ(es.documents().size(), 3u) << lf.err();
  ASSERT_TRUE(wait_until([&] { return rsyslog.lines().size() == 3; }, 10s, "3 syslog messages")) << lf.err();

  simdjson::dom::parser parser;
  std::map<std::string, EsTestServer::Document> by_offset;
  for (const auto& d : es.documents()) {
    simdjson::dom::element doc = parser.parse(d.source);
    int64_t offset = -1;
    if (doc["offset"].get(offset) != simdjson::SUCCESS) offset = -1;
    by_offset[std::to_string(offset)] = d;
  }
  // The plain container line.
  {
    const auto& d = by_offset.at("100");
    EXPECT_EQ(d.index, "logstash-2024.05.01");  // from `time` via the date filter, not @timestamp
    EXPECT_EQ(d.type, "kube-logs");            // document_type => "%{[@metadata][type]}"
    simdjson::dom::element doc = parser.parse(d.source);
    EXPECT_EQ(field(doc, "@timestamp"), "2024-05-01T10:00:00.123Z");
    EXPECT_EQ(field(doc, "@version"), "1");
    EXPECT_EQ(field(doc, "log"), "GET /healthz 200");
    EXPECT_EQ(field(doc, "kubernetes.pod"), "web-7d9f8b6c5-x2kqp");
    EXPECT_EQ(field(doc, "kubernetes.namespace"), "shop");
    EXPECT_EQ(field(doc, "kubernetes.container_name"), "nginx");
    EXPECT_EQ(field(doc, "kubernetes.container_id"), kId);
    EXPECT_EQ(field(doc, "source"), kSource);
    EXPECT_EQ(field(doc, "time"), "2024-05-01T10:00:00.123456789Z");
    for (const char* gone : {"host", "container", "container_file_ext", "file_ext", "@metadata", "message"})
      EXPECT_FALSE(has(doc, gone)) << gone << " in " << d.source;
    std::string tags = simdjson::to_string(doc["tags"]);
    EXPECT_EQ(tags, R"(["k8s-app","beats_input_raw_event"])");
  }
  // The JSON line: its keys merged at the top level, the text kept in `log`.
  {
    simdjson::dom::element doc = parser.parse(by_offset.at("300").source);
    EXPECT_EQ(field(doc, "level"), "info");
    EXPECT_EQ(field(doc, "msg"), "started");
    int64_t port = 0;
    EXPECT_EQ(doc["port"].get(port), simdjson::SUCCESS);
    EXPECT_EQ(port, 8080);
    EXPECT_EQ(field(doc, "kubernetes.container_name"), "nginx");
  }
  // Not a container line: the kube-logs block does not apply; beats' codec tag, no dissect.
  {
    const auto& d = by_offset.at("-1");
    EXPECT_EQ(d.index, "logstash-2024.05.01");
    EXPECT_EQ(d.type, "other");
    simdjson::dom::element doc = parser.parse(d.source);
    EXPECT_EQ(field(doc, "message"), "not a container line");
    EXPECT_FALSE(has(doc, "kubernetes.pod"));
    EXPECT_EQ(simdjson::to_string(doc["tags"]), R"(["beats_input_codec_plain_applied"])");
  }
  // Syslog: RFC 3164 over UDP as logstash-output-syslog sends it (user-level.notice = 13,
  // APP-NAME LOGSTASH, PROCID -), HOSTNAME namespace/pod made valid for RFC 3164 (docs/syslog_sink.md),
  // MSG the container line; a missing field renders literally, as in Logstash (and in an RFC
  // 3164 HOSTNAME every character outside [A-Za-z0-9._-] becomes '_', trailing ones dropped).
  auto lines = rsyslog.lines();
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines[0], "13\t__kubernetes.namespace____kubernetes.pod\tLOGSTASH\t-\t%{log}");
  EXPECT_EQ(lines[1], "13\tshop_web-7d9f8b6c5-x2kqp\tLOGSTASH\t-\tGET /healthz 200");
  EXPECT_EQ(lines[2], "13\tshop_web-7d9f8b6c5-x2kqp\tLOGSTASH\t-\t{\"level\":\"info\",\"msg\":\"started\",\"port\":8080}");
  EXPECT_EQ(lf.stop(), 0);
}

}  // namespace
}  // namespace logferry::testing

#include "sinks/elasticsearch/elasticsearch_sink.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <thread>

#include "core/time_util.h"
#include "sinks/elasticsearch/index_template.h"
#include "support/batch_builder.h"
#include "support/es_test_server.h"
#include "support/net_util.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::sinks {
namespace {

using namespace std::chrono_literals;
using Options = ElasticsearchSink::Options;
using testing::EsTestServer;

std::string bind_problems(const std::string& yaml, Options* out = nullptr) {
  config::Schema<Options> schema;
  ElasticsearchSink::describe(schema);
  Options o;
  config::Diagnostics d("t.yaml");
  schema.bind(YAML::Load(yaml), o, d);
  if (out) *out = o;
  return d.format();
}

struct Built {
  Metrics metrics;
  std::unique_ptr<Sink> sink;
};

std::unique_ptr<Built> build(const std::string& yaml, const testing::TempDir& dir) {
  auto b = std::make_unique<Built>();
  Options o;
  std::string problems = bind_problems(yaml, &o);
  EXPECT_EQ(problems, "");
  BuildContext ctx{"es", b->metrics, dir.path() / "es", dir.path(), "node-1"};
  auto sink = ElasticsearchSink::build(o, ctx);
  EXPECT_TRUE(sink) << (sink ? "" : sink.error().message);
  if (sink) b->sink = std::move(*sink);
  return b;
}

EsTestServer::Options server(std::string version = "7.17.9", uint16_t port = 0) {
  EsTestServer::Options o;
  o.version = std::move(version);
  o.port = port;
  return o;
}

TEST(ElasticsearchSinkConfigTest, PluginOptionsAndChecks) {
  EXPECT_EQ(bind_problems("hosts: es1\nindex: \"k8s-%{+YYYY.MM}\"\naction: create\nssl_enabled: true\n"
                          "ssl_certificate_authorities: ca.pem\nhttp_compression: true\n"),
            "");
  EXPECT_NE(bind_problems("action: update\n").find("not supported"), std::string::npos);
  EXPECT_NE(bind_problems("api_key: \"a:b\"\n").find("needs TLS"), std::string::npos);
  EXPECT_EQ(bind_problems("api_key: \"a:b\"\nhosts: [\"https://es1\"]\n"), "");
  EXPECT_NE(bind_problems("api_key: \"a:b\"\nuser: u\nssl: true\n").find("either api_key or user"), std::string::npos);
  EXPECT_NE(bind_problems("hosts: [\"ftp://x\"]\n").find("scheme"), std::string::npos);
  EXPECT_NE(bind_problems("ssl_certificate: c.pem\n").find("needs both"), std::string::npos);
  EXPECT_NE(bind_problems("retry_initial_interval: 10s\nretry_max_interval: 1s\n").find("shorter"), std::string::npos);
  EXPECT_NE(bind_problems("flush_sise: 3\n").find("unknown key 'flush_sise'"), std::string::npos);
}

TEST(ElasticsearchSinkTest, InstallsTheTemplateAtStartWithoutEvents) {
  testing::TempDir dir;
  EsTestServer es(server("8.11.1"));
  ASSERT_TRUE(es.start());
  auto b = build("hosts: [\"" + es.url() + "\"]\n", dir);
  b->sink->flush();  // what the runtime calls while the input is idle
  auto t = es.templates();
  ASSERT_TRUE(t.count("_index_template/logstash"));
  EXPECT_EQ(t["_index_template/logstash"], elasticsearch::default_index_template(8));
  // An existing template is kept unless template_overwrite is set.
  auto b2 = build("hosts: [\"" + es.url() + "\"]\ntemplate_name: logstash\n", dir);
  b2->sink->flush();
  int puts = 0;
  for (const auto& r : es.requests()) puts += r.method == "PUT";
  EXPECT_EQ(puts, 1);
}

TEST(ElasticsearchSinkTest, ReturnsOnStopWhileEverythingFails) {
  testing::TempDir dir;
  EsTestServer es(server());
  ASSERT_TRUE(es.start());
  es.fail_requests(1'000'000, 503);
  auto b = build("hosts: [\"" + es.url() + "\"]\nretry_initial_interval: 20ms\nretry_max_interval: 50ms\n", dir);
  testing::BatchBuilder batch;
  for (int i = 0; i < 10; ++i) batch.add({{"message", "m"}}, parse_rfc3339("2026-12-02T10:00:00Z"));
  std::stop_source stop;
  std::atomic<int> result{-1};
  std::thread t([&] { result = static_cast<int>(b->sink->send(batch.batch(), stop.get_token())); });
  EXPECT_TRUE(testing::wait_until([&] { return es.bulk_requests() >= 5; }, 10s, "retries"));
  EXPECT_EQ(result.load(), -1) << "send() must not give up on its own";
  auto asked = std::chrono::steady_clock::now();
  stop.request_stop();
  t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);
  EXPECT_EQ(result.load(), static_cast<int>(Delivery::kRetry));
  EXPECT_GE(b->metrics.value("logferry_elasticsearch_sink_retried_requests_total", {{"component", "es"}}), 5);
  EXPECT_TRUE(es.documents().empty());
}

TEST(ElasticsearchSinkTest, RoundRobinOverHealthyHostsAndDeadOnesLeftOut) {
  testing::TempDir dir;
  EsTestServer a(server()), c(server());
  ASSERT_TRUE(a.start());
  ASSERT_TRUE(c.start());
  uint16_t dead_port = testing::free_tcp_port();
  auto b = build("hosts: [\"" + a.url() + "\", \"127.0.0.1:" + std::to_string(dead_port) + "\", \"" + c.url() +
                     "\"]\nflush_size: 10\nmax_in_flight: 2\nresurrect_delay: 50ms\n",
                 dir);
  testing::BatchBuilder batch;
  for (int i = 0; i < 200; ++i) batch.add({{"message", "m" + std::to_string(i)}}, parse_rfc3339("2026-12-02T10:00:00Z"));
  EXPECT_EQ(b->sink->send(batch.batch(), {}), Delivery::kDelivered);
  EXPECT_EQ(a.documents().size() + c.documents().size(), 200u);
  EXPECT_GE(a.bulk_requests(), 5u);
  EXPECT_GE(c.bulk_requests(), 5u);
  EXPECT_EQ(b->metrics.value("logferry_elasticsearch_sink_hosts_healthy", {{"component", "es"}}), 2);
  // The dead one comes up: it is checked again and takes its share.
  EsTestServer late(server("7.17.9", dead_port));
  ASSERT_TRUE(late.start());
  EXPECT_TRUE(testing::wait_until([&] {
    b->sink->flush();
    return b->metrics.value("logferry_elasticsearch_sink_hosts_healthy", {{"component", "es"}}) == 3;
  }, 10s, "the third host healthy"));
  EXPECT_EQ(b->sink->send(batch.batch(), {}), Delivery::kDelivered);
  EXPECT_GE(late.bulk_requests(), 3u);
}

TEST(ElasticsearchSinkTest, SlowServerStillDelivers) {
  testing::TempDir dir;
  EsTestServer es(server());
  ASSERT_TRUE(es.start());
  es.set_delay_ms(300);
  auto b = build("hosts: [\"" + es.url() + "\"]\nflush_size: 25\nmax_in_flight: 4\n", dir);
  testing::BatchBuilder batch;
  for (int i = 0; i < 100; ++i) batch.add({{"message", "m" + std::to_string(i)}}, parse_rfc3339("2026-12-02T10:00:00Z"));
  b->sink->flush();  // connect and install the template first (each answer is slow too)
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(b->sink->send(batch.batch(), {}), Delivery::kDelivered);
  // Four requests in flight at once: about one delay, not four.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 900ms);
  EXPECT_EQ(es.documents().size(), 100u);
  EXPECT_EQ(es.bulk_requests(), 4u);
}

}  // namespace
}  // namespace logferry::sinks

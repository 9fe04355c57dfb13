// The real binary as a node collector with pod metadata: kubernetes_logs -> kubernetes_metadata
// -> file sink routed by the pod's `app` label. KubeApiTestServer stands in for the Kubernetes
// API server (none can be installed on these machines); logferry reaches it through a
// kubeconfig, as outside a cluster.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <simdjson.h>

#include <map>

#include "support/child_process.h"
#include "support/kube_api_test_server.h"
#include "support/net_util.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

const std::string kId(64, 'a');

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void cri(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::app) << "2026-12-03T10:00:00.000000000Z stdout F " << text << "\n";
}

class KubernetesMetadataIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.start());
    api_.put_namespace(KubeApiTestServer::namespace_json("shop", {{"team", "payments"}}));
    api_.put_pod(KubeApiTestServer::pod_json("shop", "web-5d9c7b6f4-abcde", "node-1", "u1",
                                             {{"app", "web"}, {"pod-template-hash", "5d9c7b6f4"}}, {},
                                             "ReplicaSet", "web-5d9c7b6f4"));
    api_.put_pod(KubeApiTestServer::pod_json("shop", "db-0", "node-1", "u2", {{"app", "db"}}, {},
                                             "StatefulSet", "db"));
    api_.put_pod(KubeApiTestServer::pod_json("shop", "vault-0", "node-1", "u3", {{"app", "vault"}},
                                             {{"logferry.io/exclude", "true"}}));
    dir_.write("logs/.keep", "");
    dir_.write("kubeconfig", "current-context: c\n"
                             "clusters: [{name: c, cluster: {server: \"" + api_.url() + "\"}}]\n"
                             "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
                             "users: [{name: u, user: {token: test-token}}]\n");
    api_port_ = free_tcp_port();
    config_ = dir_.write("collector.yaml", R"(
data_dir: ./data
api: {address: 127.0.0.1:)" + std::to_string(api_port_) + R"(}
sources:
  containers:
    type: kubernetes_logs
    include: ["./logs/*.log"]
    kubeconfig: ./kubeconfig
    exclude_pod_annotation: logferry.io/exclude
transforms:
  metadata:
    type: kubernetes_metadata
    inputs: [containers]
    kubeconfig: ./kubeconfig
    delete_grace: 1m
sinks:
  by_app:
    type: file
    inputs: [metadata]
    path: "./out/%{[kubernetes][labels][app]}.log"
    format: "%{[kubernetes][owner][kind]}/%{[kubernetes][owner][name]} %{[kubernetes][namespace_labels][team]} %{log}"
)");
  }
  std::filesystem::path log_of(const std::string& pod) { return dir_ / ("logs/" + pod + "_shop_app-" + kId + ".log"); }
  std::string out(const std::string& app) { return read(dir_ / ("out/" + app + ".log")); }
  int64_t metric(const std::string& series) { return scrape_metric(api_port_, series); }

  TempDir dir_;
  KubeApiTestServer api_{{}};
  uint16_t api_port_ = 0;
  std::filesystem::path config_;
};

TEST_F(KubernetesMetadataIntegrationTest, LinesAreRoutedByLabelExcludedPodsAreNotReadLatePodsAndDeletedPodsKeepLabels) {
  cri(log_of("web-5d9c7b6f4-abcde"), "GET /");
  cri(log_of("db-0"), "checkpoint");
  cri(log_of("vault-0"), "a secret");
  ChildProcess p({.argv = {LOGFERRY_BINARY, "run", "-c", config_.string()},
                  .env = {{"NODE_NAME", "node-1"}},
                  .output_dir = dir_.path(),
                  .name = "logferry"});
  ASSERT_TRUE(wait_until([&] { return out("web").find("GET /") != std::string::npos; }, std::chrono::seconds(20),
                         "web line"))
      << p.err();
  ASSERT_TRUE(wait_until([&] { return !out("db").empty(); }));
  EXPECT_EQ(out("web"), "Deployment/web payments GET /\n");
  EXPECT_EQ(out("db"), "StatefulSet/db payments checkpoint\n");

  // A pod scheduled after the start: its labels arrive by the watch before its log does.
  api_.put_pod(KubeApiTestServer::pod_json("shop", "worker-1", "node-1", "u4", {{"app", "worker"}}, {}, "Job",
                                           "reindex"));
  ASSERT_TRUE(wait_until([&] { return metric("logferry_kubernetes_metadata_cached_pods{api_server=\"" + api_.url() + "\"}") == 4; }))
      << p.err();
  cri(log_of("worker-1"), "started");
  ASSERT_TRUE(wait_until([&] { return !out("worker").empty(); }, std::chrono::seconds(20), "worker line"));
  EXPECT_EQ(out("worker"), "Job/reindex payments started\n");

  // Deleted while its last lines are still being read: they keep the labels (delete_grace).
  api_.delete_pod("shop", "web-5d9c7b6f4-abcde");
  ASSERT_TRUE(wait_until([&] {
    return metric("logferry_kubernetes_metadata_watch_events_total{api_server=\"" + api_.url() + "\",resource=\"pods\"}") >= 2;
  }));
  cri(log_of("web-5d9c7b6f4-abcde"), "last words");
  ASSERT_TRUE(wait_until([&] { return out("web").find("last words") != std::string::npos; }));
  EXPECT_EQ(out("web"), "Deployment/web payments GET /\nDeployment/web payments last words\n");

  // The excluded pod's file was never opened.
  EXPECT_EQ(metric(R"(logferry_kubernetes_logs_files_excluded_total{component="containers"})"), 1);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out/vault.log"));
  EXPECT_EQ(metric(R"(logferry_kubernetes_metadata_events_enriched_total{component="metadata"})"), 4);
}

TEST_F(KubernetesMetadataIntegrationTest, WithTheApiDownLinesStillFlowAndAreLabelledOnceItIsBack) {
  api_.stop();
  cri(log_of("db-0"), "while the api is down");
  ChildProcess p({.argv = {LOGFERRY_BINARY, "run", "-c", config_.string()},
                  .env = {{"NODE_NAME", "node-1"}},
                  .output_dir = dir_.path(),
                  .name = "logferry"});
  // Not enriched: the label is missing, so the path template renders it literally (Logstash).
  auto unlabelled = dir_ / "out/%{[kubernetes][labels][app]}.log";
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(unlabelled); }, std::chrono::seconds(20)))
      << p.err();
  EXPECT_NE(read(unlabelled).find("while the api is down"), std::string::npos);
  EXPECT_GE(metric(R"(logferry_kubernetes_metadata_events_unmatched_total{component="metadata"})"), 1);
  ASSERT_TRUE(api_.start());
  ASSERT_TRUE(wait_until([&] { return metric("logferry_kubernetes_metadata_cached_pods{api_server=\"" + api_.url() + "\"}") == 3; },
                         std::chrono::seconds(40), "relisted after the API came back"))
      << p.err();
  // Namespaces are watched on their own, with their own backoff.
  ASSERT_TRUE(wait_until([&] { return metric("logferry_kubernetes_metadata_cached_namespaces{api_server=\"" + api_.url() + "\"}") == 1; },
                         std::chrono::seconds(40), "namespaces relisted"));
  cri(log_of("db-0"), "api is back");
  ASSERT_TRUE(wait_until([&] { return out("db").find("api is back") != std::string::npos; }));
  EXPECT_EQ(out("db"), "StatefulSet/db payments api is back\n");
}

// One JSON object of string values ({"k": "v", ...}) as a map, however its writer ordered or
// escaped it (rsyslog's json-c writes "\/").
std::map<std::string, std::string> string_map(const std::string& json) {
  std::map<std::string, std::string> out;
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json).get(obj) != simdjson::SUCCESS) return {{"<not a JSON object>", json}};
  for (auto field : obj) {
    std::string_view v;
    out[std::string(field.key)] = field.value.get(v) == simdjson::SUCCESS ? std::string(v) : "<not a string>";
  }
  return out;
}

std::vector<std::string> split_tabs(std::string line) {
  while (!line.empty() && line.back() == '\n') line.pop_back();
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
    out.push_back(line.substr(start, tab - start));
  out.push_back(line.substr(start));
  return out;
}

// rsyslog's mmkubernetes, pointed at the same stand-in, is the peer: for the same pod both
// must give the same labels, annotations, namespace labels and node (mmkubernetes with
// de_dot off and every annotation selected; by default it rewrites dots in keys and adds none).
TEST_F(KubernetesMetadataIntegrationTest, LabelsAnnotationsNamespaceLabelsAndNodeAreThoseRsyslogsMmkubernetesGives) {
  if (!have_mmkubernetes()) GTEST_SKIP() << "rsyslog's mmkubernetes is not in .peers (scripts/install-peers.sh)";
  api_.put_pod(KubeApiTestServer::pod_json(
      "shop", "api-6f7d8c9b5-zzzzz", "node-1", "u9",
      {{"app", "api"}, {"app.kubernetes.io/name", "api"}, {"app.kubernetes.io/part-of", "shop"},
       {"pod-template-hash", "6f7d8c9b5"}},
      {{"prometheus.io/port", "9090"}, {"kubectl.kubernetes.io/restartedAt", "2026-12-01T10:00:00Z"}},
      "ReplicaSet", "api-6f7d8c9b5"));
  cri(log_of("api-6f7d8c9b5-zzzzz"), "compare me");
  const std::string d = dir_.path().string();
  dir_.write("token", "test-token");
  auto rsyslog_conf = dir_.write("rsyslog.conf",
      "global(workDirectory=\"" + d + "\")\nmodule(load=\"imfile\")\nmodule(load=\"mmkubernetes\")\n"
      "input(type=\"imfile\" file=\"" + d + "/logs/api-*.log\" tag=\"k8s\" addmetadata=\"on\")\n"
      "action(type=\"mmkubernetes\" kubernetesurl=\"" + api_.url() + "\" tokenfile=\"" + d + "/token\"\n"
      "       de_dot=\"off\" annotation_match=[\".\"]\n"
      "       filenamerules=\"rule=:" + d + "/logs/%pod_name:char-to:_%_%namespace_name:char-to:_%_"
      "%container_name_and_id:char-to:.%.log\")\n"
      "template(name=\"t\" type=\"string\" string=\"%$!kubernetes!labels%\t%$!kubernetes!annotations%\t"
      "%$!kubernetes!namespace_labels%\t%$!kubernetes!host%\\n\")\n"
      "action(type=\"omfile\" file=\"" + d + "/rsyslog.out\" template=\"t\")\n");
  ChildProcess rsyslogd({{rsyslogd_path().string(), "-n", "-M", rsyslog_module_dir().string(), "-f",
                          rsyslog_conf.string(), "-i", d + "/rsyslog.pid"},
                         {}, dir_.path(), "rsyslogd"});
  auto logferry_conf = dir_.write("compare.yaml", R"(
data_dir: ./data-compare
sources:
  containers: {type: kubernetes_logs, include: ["./logs/api-*.log"]}
transforms:
  metadata: {type: kubernetes_metadata, inputs: [containers], kubeconfig: ./kubeconfig}
sinks:
  out:
    type: file
    inputs: [metadata]
    path: ./logferry.out
    format: "%{[kubernetes][labels]}	%{[kubernetes][annotations]}	%{[kubernetes][namespace_labels]}	%{[kubernetes][node]}"
)");
  ChildProcess logferry({.argv = {LOGFERRY_BINARY, "run", "-c", logferry_conf.string()},
                         .env = {{"NODE_NAME", "node-1"}},
                         .output_dir = dir_.path(),
                         .name = "logferry-compare"});
  auto has_line = [&](const char* file) { return read(dir_ / file).find('\n') != std::string::npos; };
  ASSERT_TRUE(wait_until([&] { return has_line("rsyslog.out"); }, std::chrono::seconds(20), "rsyslog's line"))
      << rsyslogd.err();
  ASSERT_TRUE(wait_until([&] { return has_line("logferry.out"); }, std::chrono::seconds(20), "logferry's line"))
      << logferry.err();
  auto theirs = split_tabs(read(dir_ / "rsyslog.out"));
  auto ours = split_tabs(read(dir_ / "logferry.out"));
  ASSERT_EQ(theirs.size(), 4u) << read(dir_ / "rsyslog.out");
  ASSERT_EQ(ours.size(), 4u) << read(dir_ / "logferry.out");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(string_map(ours[i]), string_map(theirs[i])) << "field " << i << ": ours " << ours[i] << " theirs " << theirs[i];
  }
  EXPECT_EQ(string_map(ours[0]).at("app.kubernetes.io/part-of"), "shop");
  EXPECT_EQ(ours[3], theirs[3]);
  EXPECT_EQ(ours[3], "node-1");
  std::printf("mmkubernetes: %s\n", read(dir_ / "rsyslog.out").c_str());
}

}  // namespace
}  // namespace logferry::testing

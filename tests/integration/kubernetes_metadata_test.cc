// The real binary as a node collector with pod metadata: kubernetes_logs -> kubernetes_metadata
// -> file sink routed by the pod's `app` label. KubeApiTestServer stands in for the Kubernetes
// API server (none can be installed on these machines); logferry reaches it through a
// kubeconfig, as outside a cluster.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

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

}  // namespace
}  // namespace logferry::testing

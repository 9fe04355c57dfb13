// The transform against KubeApiTestServer (standing in for the Kubernetes API server), through
// a kubeconfig file as a user outside the cluster writes one.
#include "transforms/kubernetes_metadata/kubernetes_metadata_transform.h"

#include <gtest/gtest.h>

#include "../transform_test_util.h"
#include "support/kube_api_test_server.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::transforms {
namespace {

using testing::build_transform;
using testing::KubeApiTestServer;
using testing::to_json;
using testing::wait_until;

class KubernetesMetadataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start());
    kubeconfig_ = dir_.write("kubeconfig", "current-context: c\n"
                                           "clusters: [{name: c, cluster: {server: \"" + server_.url() + "\"}}]\n"
                                           "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
                                           "users: [{name: u, user: {token: test-token}}]\n");
    server_.put_namespace(KubeApiTestServer::namespace_json("shop", {{"team", "payments"}}));
    server_.put_pod(KubeApiTestServer::pod_json(
        "shop", "web-7d4b9c8f6d-x2x9q", "node", "uid-1",
        {{"app.kubernetes.io/name", "web"}, {"pod-template-hash", "7d4b9c8f6d"}},
        {{"prometheus.io/port", "9090"}, {"team", "a"}}, "ReplicaSet", "web-7d4b9c8f6d"));
    server_.put_pod(KubeApiTestServer::pod_json("shop", "secret", "node", "uid-2", {},
                                                {{"logferry.io/exclude", "true"}}));
  }
  std::unique_ptr<Transform> build(const std::string& extra = "") {
    return build_transform<KubernetesMetadataTransform>(
        "kubeconfig: " + kubeconfig_.string() + "\n" + extra, metrics_);
  }
  static void add(EventBatch& b, std::string_view ns, std::string_view pod) {
    Event& e = b.add();
    e.append("log", e.string_value("hello"));
    Object& k = e.append_object("kubernetes");
    k.fields.push_back({"namespace", e.string_value(ns)});
    k.fields.push_back({"pod", e.string_value(pod)});
  }
  uint64_t counter(const std::string& name) { return metrics_.value(name, {{"component", "t"}}); }

  testing::TempDir dir_;
  std::filesystem::path kubeconfig_;
  KubeApiTestServer server_{{}};
  Metrics metrics_;
};

TEST_F(KubernetesMetadataTest, EventsGetTheirPodsLabelsAnnotationsNamespaceLabelsNodeAndOwner) {
  auto t = build();
  EventBatch b;
  add(b, "shop", "web-7d4b9c8f6d-x2x9q");
  t->apply(b);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(to_json(b.events()[0]),
            R"({"log":"hello","kubernetes":{"namespace":"shop","pod":"web-7d4b9c8f6d-x2x9q",)"
            R"("labels":{"app.kubernetes.io/name":"web","pod-template-hash":"7d4b9c8f6d"},)"
            R"("annotations":{"prometheus.io/port":"9090","team":"a"},"namespace_labels":{"team":"payments"},)"
            R"("node":"node","owner":{"kind":"Deployment","name":"web"}}})");
  EXPECT_EQ(counter("logferry_kubernetes_metadata_events_enriched_total"), 1u);
}

TEST_F(KubernetesMetadataTest, KeysAreFilteredByIncludeAndExcludeWithPrefixes) {
  auto t = build("exclude_labels: [pod-template-hash]\ninclude_annotations: ['prometheus.io/*']\n"
                 "namespace_labels: false\n");
  EventBatch b;
  add(b, "shop", "web-7d4b9c8f6d-x2x9q");
  t->apply(b);
  std::string json = to_json(b.events()[0]);
  EXPECT_NE(json.find(R"("labels":{"app.kubernetes.io/name":"web"})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("annotations":{"prometheus.io/port":"9090"})"), std::string::npos) << json;
  EXPECT_EQ(json.find("namespace_labels"), std::string::npos) << json;
}

TEST_F(KubernetesMetadataTest, UnknownPodsPassUnchangedAndCountedAndAreEnrichedOnceTheyAppear) {
  auto t = build();
  EventBatch b;
  add(b, "shop", "new-pod");
  b.add().append("message", Value::string("no kubernetes fields"));
  t->apply(b);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(to_json(b.events()[0]), R"({"log":"hello","kubernetes":{"namespace":"shop","pod":"new-pod"}})");
  EXPECT_EQ(counter("logferry_kubernetes_metadata_events_unmatched_total"), 2u);
  server_.put_pod(KubeApiTestServer::pod_json("shop", "new-pod", "node", "uid-3", {{"app", "late"}}, {}));
  ASSERT_TRUE(wait_until([&] {
    EventBatch later;
    add(later, "shop", "new-pod");
    t->apply(later);
    return to_json(later.events()[0]).find(R"("labels":{"app":"late"})") != std::string::npos;
  }));
}

TEST_F(KubernetesMetadataTest, ExcludedPodsAndNamespacesAreDroppedAndCounted) {
  auto t = build("exclude_namespaces: ['kube-*']\n");
  EventBatch b;
  add(b, "shop", "secret");
  add(b, "kube-system", "coredns");
  add(b, "shop", "web-7d4b9c8f6d-x2x9q");
  t->apply(b);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(counter("logferry_kubernetes_metadata_events_excluded_total"), 2u);
}

TEST_F(KubernetesMetadataTest, ASlowApiDoesNotHoldTheBuildPastSyncTimeoutNorEverHoldAnEvent) {
  server_.set_delay_ms(3000);
  auto start = std::chrono::steady_clock::now();
  auto t = build("sync_timeout: 200ms\n");
  EventBatch b;
  add(b, "shop", "web-7d4b9c8f6d-x2x9q");
  t->apply(b);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(to_json(b.events()[0]).find("labels"), std::string::npos);
  EXPECT_EQ(counter("logferry_kubernetes_metadata_events_unmatched_total"), 1u);
}

TEST_F(KubernetesMetadataTest, ValidateRejectsBadOptions) {
  EXPECT_NE(testing::option_problems<KubernetesMetadataTransform>("watch_timeout: 10ms\n"), "");
  EXPECT_NE(testing::option_problems<KubernetesMetadataTransform>("max_pods: 0\n"), "");
  EXPECT_NE(testing::option_problems<KubernetesMetadataTransform>("labels: maybe\n"), "");
}

}  // namespace
}  // namespace logferry::transforms

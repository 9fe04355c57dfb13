#include "kubernetes/api_objects.h"

#include <gtest/gtest.h>

namespace logferry::k8s {
namespace {

// A Pod as `kubectl get pod -o json` prints one (fields the transform does not read left out).
constexpr std::string_view kPod = R"({
  "apiVersion": "v1", "kind": "Pod",
  "metadata": {
    "name": "web-7d4b9c8f6d-x2x9q", "namespace": "shop", "uid": "6f1c7a3e-0000-4000-8000-000000000001",
    "resourceVersion": "4711",
    "labels": {"app.kubernetes.io/name": "web", "pod-template-hash": "7d4b9c8f6d"},
    "annotations": {"logferry.io/exclude": "false", "prometheus.io/port": "9090"},
    "ownerReferences": [
      {"apiVersion": "v1", "kind": "ConfigMap", "name": "not-the-controller", "uid": "x"},
      {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c8f6d", "uid": "y",
       "controller": true, "blockOwnerDeletion": true}]
  },
  "spec": {"nodeName": "node-1", "containers": [{"name": "web", "image": "nginx"}]},
  "status": {"phase": "Running"}
})";

std::shared_ptr<PodMetadata> decode(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  EXPECT_EQ(parser.parse(json.data(), json.size()).get(e), simdjson::SUCCESS);
  return decode_pod(e);
}

TEST(ApiObjects, APodKeepsItsNamesLabelsAnnotationsAndNode) {
  auto pod = decode(kPod);
  EXPECT_EQ(pod->ns, "shop");
  EXPECT_EQ(pod->name, "web-7d4b9c8f6d-x2x9q");
  EXPECT_EQ(pod->uid, "6f1c7a3e-0000-4000-8000-000000000001");
  EXPECT_EQ(pod->node, "node-1");
  EXPECT_EQ(pod->labels, (StringPairs{{"app.kubernetes.io/name", "web"}, {"pod-template-hash", "7d4b9c8f6d"}}));
  EXPECT_EQ(pod->annotations.size(), 2u);
}

TEST(ApiObjects, AReplicaSetNamedAfterThePodTemplateHashIsTheDeployments) {
  auto pod = decode(kPod);
  EXPECT_EQ(pod->owner_kind, "Deployment");
  EXPECT_EQ(pod->owner_name, "web");
}

TEST(ApiObjects, OwnersAreTakenAsTheyAreUnlessKubernetesNamedThem) {
  PodMetadata pod;
  resolve_owner(pod, "StatefulSet", "db");
  EXPECT_EQ(pod.owner_kind + "/" + pod.owner_name, "StatefulSet/db");
  resolve_owner(pod, "ReplicaSet", "standalone");  // no pod-template-hash label
  EXPECT_EQ(pod.owner_kind + "/" + pod.owner_name, "ReplicaSet/standalone");
  resolve_owner(pod, "Job", "nightly-backup-29412000");  // <cronjob>-<minute since the epoch>
  EXPECT_EQ(pod.owner_kind + "/" + pod.owner_name, "CronJob/nightly-backup");
  resolve_owner(pod, "Job", "migrate-7");
  EXPECT_EQ(pod.owner_kind + "/" + pod.owner_name, "Job/migrate-7");
  resolve_owner(pod, "Job", "build-12345678901");  // too many digits for a minute
  EXPECT_EQ(pod.owner_kind + "/" + pod.owner_name, "Job/build-12345678901");
}

TEST(ApiObjects, APodWithoutControllerOrLabelsHasEmptyFields) {
  auto pod = decode(R"({"metadata": {"name": "static", "namespace": "kube-system"}, "spec": {}})");
  EXPECT_EQ(pod->name, "static");
  EXPECT_TRUE(pod->labels.empty());
  EXPECT_TRUE(pod->owner_kind.empty());
  EXPECT_TRUE(pod->node.empty());
}

TEST(ApiObjects, AControllerReferenceWithoutKindOrNameIsNoOwner) {
  // Found by kubernetes_object_fuzz: {"kind": "Job"} alone made the owner "Job/".
  auto pod = decode(R"({"metadata": {"name": "p", "namespace": "n", "ownerReferences": [
      {"kind": "Job", "controller": true}, {"name": "x", "controller": true}]}})");
  EXPECT_TRUE(pod->owner_kind.empty());
  EXPECT_TRUE(pod->owner_name.empty());
}

TEST(ApiObjects, ANamespaceKeepsItsLabels) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  ASSERT_EQ(parser.parse(std::string_view(
                R"({"kind":"Namespace","metadata":{"name":"shop","labels":{"team":"payments"}}})"))
                .get(e),
            simdjson::SUCCESS);
  auto ns = decode_namespace(e);
  EXPECT_EQ(ns->name, "shop");
  EXPECT_EQ(ns->labels, (StringPairs{{"team", "payments"}}));
}

}  // namespace
}  // namespace logferry::k8s

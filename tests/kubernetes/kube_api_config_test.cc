#include "kubernetes/kube_api_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "support/temp_dir.h"

namespace logferry::k8s {
namespace {

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string header(const net::HttpRequest& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.starts_with(name)) return h;
  }
  return "";
}

TEST(KubeApiConfig, AKubeconfigGivesTheCurrentContextsServerCaAndToken) {
  testing::TempDir dir;
  write(dir.path() / "kubeconfig", R"(apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: dev
  cluster: {server: "https://dev.example:6443"}
- name: prod-cluster
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority-data: aGVsbG8gY2E=
contexts:
- name: dev
  context: {cluster: dev, user: dev}
- name: prod
  context: {cluster: prod-cluster, user: robot}
users:
- name: robot
  user:
    token: s3cr3t
)");
  auto c = KubeApiConfig::from_kubeconfig(dir.path() / "kubeconfig", dir.path() / "scratch");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->server, "https://10.0.0.1:6443");
  EXPECT_EQ(read(c->ca_file), "hello ca");
  auto r = c->get("/api/v1/pods");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->url, "https://10.0.0.1:6443/api/v1/pods");
  EXPECT_EQ(header(*r, "Authorization"), "Authorization: Bearer s3cr3t");
  EXPECT_TRUE(r->verify_tls);
}

TEST(KubeApiConfig, RelativeFilesResolveAgainstTheKubeconfigAndTheTokenFileIsReadEachTime) {
  testing::TempDir dir;
  write(dir.path() / "kubeconfig", R"(current-context: c
clusters: [{name: c, cluster: {server: "http://127.0.0.1:1", certificate-authority: ca.pem, insecure-skip-tls-verify: true}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
users: [{name: u, user: {tokenFile: token}}]
)");
  write(dir.path() / "token", "first\n");
  auto c = KubeApiConfig::from_kubeconfig(dir.path() / "kubeconfig", dir.path() / "scratch");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->ca_file, (dir.path() / "ca.pem").string());
  EXPECT_FALSE(c->get("/")->verify_tls);
  EXPECT_EQ(header(*c->get("/"), "Authorization"), "Authorization: Bearer first");
  write(dir.path() / "token", "rotated\n");  // the kubelet rotates projected tokens
  EXPECT_EQ(header(*c->get("/"), "Authorization"), "Authorization: Bearer rotated");
}

TEST(KubeApiConfig, AKubeconfigWithoutItsContextOrServerIsAnError) {
  testing::TempDir dir;
  write(dir.path() / "k", "current-context: missing\ncontexts: []\n");
  auto c = KubeApiConfig::from_kubeconfig(dir.path() / "k", dir.path());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("no current-context"), std::string::npos);
  write(dir.path() / "k", "current-context: c\ncontexts: [{name: c, context: {cluster: x}}]\n");
  EXPECT_NE(KubeApiConfig::from_kubeconfig(dir.path() / "k", dir.path()).error().message.find("no server"),
            std::string::npos);
  EXPECT_FALSE(KubeApiConfig::from_kubeconfig(dir.path() / "absent", dir.path()));
}

TEST(KubeApiConfig, InClusterUsesTheServiceEnvironmentAndTheAccountFiles) {
  testing::TempDir dir;
  write(dir.path() / "token", "tok\n");
  ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto c = KubeApiConfig::in_cluster(dir.path());
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->ca_file, (dir.path() / "ca.crt").string());
  EXPECT_EQ(header(*c->get("/"), "Authorization"), "Authorization: Bearer tok");
  auto outside = KubeApiConfig::in_cluster(dir.path());
  ::unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_FALSE(outside);
  EXPECT_NE(outside.error().message.find("KUBERNETES_SERVICE_HOST"), std::string::npos);
}

}  // namespace
}  // namespace logferry::k8s

// Where the Kubernetes API server is and how to authenticate to it: the in-cluster service
// account (what a DaemonSet pod has), or a kubeconfig file (running outside the cluster),
// the two ways client-go finds it.
//
// The bearer token is read from its file again before each request, not once: projected
// service-account tokens are rotated by the kubelet (about hourly) and the old one expires.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"
#include "net/http_client.h"

namespace logferry::k8s {

struct KubeApiConfig {
  std::string server;      // "https://10.96.0.1:443", no trailing slash
  std::string token;       // a fixed token (kubeconfig `token`), else read from token_file
  std::string token_file;
  std::string ca_file;     // empty: the system's CAs
  std::string cert_file;   // client certificate (kubeconfig client-certificate), optional
  std::string key_file;
  bool insecure = false;   // kubeconfig insecure-skip-tls-verify

  // KUBERNETES_SERVICE_HOST/PORT and the files under `account_dir`.
  static Result<KubeApiConfig> in_cluster(
      const std::filesystem::path& account_dir = "/var/run/secrets/kubernetes.io/serviceaccount");
  // The current context's cluster and user. Inline `*-data` (base64) is written to files in
  // `scratch_dir` (curl reads certificates from files); relative paths resolve against the
  // kubeconfig's directory, as kubectl does.
  static Result<KubeApiConfig> from_kubeconfig(const std::filesystem::path& file,
                                               const std::filesystem::path& scratch_dir);

  // `kubeconfig` when set, else in_cluster(): what a component's `kubeconfig` option means.
  static Result<KubeApiConfig> load(const std::string& kubeconfig, const std::filesystem::path& scratch_dir);

  // A GET of `target` ("/api/v1/pods?...") with the current token and the TLS settings.
  Result<net::HttpRequest> get(std::string_view target) const;
};

}  // namespace logferry::k8s

#include "kubernetes/kube_api_config.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace logferry::k8s {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The token without the newline `kubectl create token > file` leaves.
std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

Result<std::string> base64_decode(const std::string& in) {
  std::string out(in.size() / 4 * 3 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return unexpected(ErrorCode::kInvalidArgument, "invalid base64");
  // EVP_DecodeBlock counts the padding as data bytes.
  std::size_t pad = 0;
  for (auto it = in.rbegin(); it != in.rend() && *it == '='; ++it) ++pad;
  out.resize(static_cast<std::size_t>(n) - std::min<std::size_t>(pad, 2));
  return out;
}

// The entry of a kubeconfig list (`clusters`, `users`, `contexts`) named `name`, its `key` map;
// a null node when there is none.
YAML::Node named(const YAML::Node& root, const char* list, const std::string& name, const char* key) {
  for (const auto& item : root[list]) {
    if (item["name"] && item["name"].as<std::string>() == name && item[key].IsMap()) return item[key];
  }
  return YAML::Node(YAML::NodeType::Null);
}

// A file option of the kubeconfig: `key` (a path) or `key-data` (inline, written to scratch).
Result<std::string> file_option(const YAML::Node& node, const std::string& key, const fs::path& base,
                                const fs::path& scratch, const std::string& scratch_name) {
  if (node[key]) {
    fs::path p = node[key].as<std::string>();
    return (p.is_absolute() ? p : base / p).string();
  }
  if (!node[key + "-data"]) return std::string();
  auto data = base64_decode(node[key + "-data"].as<std::string>());
  if (!data) return unexpected(ErrorCode::kInvalidArgument, key + "-data: " + data.error().message);
  std::error_code ec;
  fs::create_directories(scratch, ec);
  fs::path out = scratch / scratch_name;
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  f << *data;
  if (!f.flush()) return unexpected(ErrorCode::kUnavailable, "cannot write " + out.string());
  fs::permissions(out, fs::perms::owner_read | fs::perms::owner_write, ec);
  return out.string();
}

}  // namespace

Result<KubeApiConfig> KubeApiConfig::in_cluster(const fs::path& account_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0') {
    return unexpected(ErrorCode::kUnavailable,
                      "not in a cluster: KUBERNETES_SERVICE_HOST/PORT are unset (set `kubeconfig` "
                      "to run outside one)");
  }
  KubeApiConfig c;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // an IPv6 service address
  c.server = "https://" + h + ":" + port;
  c.token_file = (account_dir / "token").string();
  c.ca_file = (account_dir / "ca.crt").string();
  if (!fs::exists(c.token_file)) return unexpected(ErrorCode::kUnavailable, "no service-account token at " + c.token_file);
  return c;
}

Result<KubeApiConfig> KubeApiConfig::from_kubeconfig(const fs::path& file, const fs::path& scratch_dir) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    return unexpected(ErrorCode::kInvalidArgument, file.string() + ": " + e.what());
  }
  try {
    std::string context_name = root["current-context"] ? root["current-context"].as<std::string>() : "";
    YAML::Node context = named(root, "contexts", context_name, "context");
    if (!context.IsMap()) return unexpected(ErrorCode::kInvalidArgument, file.string() + ": no current-context");
    YAML::Node cluster = named(root, "clusters", context["cluster"].as<std::string>(""), "cluster");
    if (!cluster.IsMap() || !cluster["server"]) {
      return unexpected(ErrorCode::kInvalidArgument, file.string() + ": the context's cluster has no server");
    }
    YAML::Node user = named(root, "users", context["user"].as<std::string>(""), "user");
    fs::path base = file.parent_path();
    KubeApiConfig c;
    c.server = cluster["server"].as<std::string>();
    while (!c.server.empty() && c.server.back() == '/') c.server.pop_back();
    c.insecure = cluster["insecure-skip-tls-verify"].as<bool>(false);
    auto ca = file_option(cluster, "certificate-authority", base, scratch_dir, "ca.crt");
    if (!ca) return unexpected(ca.error());
    c.ca_file = *ca;
    if (user.IsMap()) {
      c.token = user["token"].as<std::string>("");
      if (user["tokenFile"]) c.token_file = (base / user["tokenFile"].as<std::string>()).string();
      auto cert = file_option(user, "client-certificate", base, scratch_dir, "client.crt");
      auto key = file_option(user, "client-key", base, scratch_dir, "client.key");
      if (!cert) return unexpected(cert.error());
      if (!key) return unexpected(key.error());
      c.cert_file = *cert;
      c.key_file = *key;
    }
    return c;
  } catch (const YAML::Exception& e) {
    return unexpected(ErrorCode::kInvalidArgument, file.string() + ": " + e.what());
  }
}

Result<KubeApiConfig> KubeApiConfig::load(const std::string& kubeconfig, const fs::path& scratch_dir) {
  if (kubeconfig.empty()) return in_cluster();
  return from_kubeconfig(kubeconfig, scratch_dir);
}

Result<net::HttpRequest> KubeApiConfig::get(std::string_view target) const {
  net::HttpRequest r;
  r.method = "GET";
  r.url = server + std::string(target);
  r.ca_file = ca_file;
  r.cert_file = cert_file;
  r.key_file = key_file;
  r.verify_tls = !insecure;
  std::string bearer = token;
  if (bearer.empty() && !token_file.empty()) {
    bearer = trimmed(read_file(token_file));
    if (bearer.empty()) return unexpected(ErrorCode::kUnavailable, "empty or unreadable token file " + token_file);
  }
  if (!bearer.empty()) r.headers.push_back("Authorization: Bearer " + bearer);
  r.headers.push_back("Accept: application/json");
  return r;
}

}  // namespace logferry::k8s

#include "sources/kubernetes_logs/path_metadata.h"

namespace logferry::sources::k8s {

namespace {

std::string_view base_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view parent_dir(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

}  // namespace

bool parse_containers_file_name(std::string_view path, PodMetadata& out) {
  std::string_view name = base_name(path);
  if (name.size() < 4 || name.substr(name.size() - 4) != ".log") return false;
  name.remove_suffix(4);
  auto first = name.find('_');
  if (first == std::string_view::npos) return false;
  auto second = name.find('_', first + 1);
  if (second == std::string_view::npos) return false;
  std::string_view pod = name.substr(0, first);
  std::string_view ns = name.substr(first + 1, second - first - 1);
  std::string_view rest = name.substr(second + 1);
  auto dash = rest.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  std::string_view container = rest.substr(0, dash);
  std::string_view id = rest.substr(dash + 1);
  if (pod.empty() || ns.empty() || id.empty() || !is_hex(id)) return false;
  out.pod = pod;
  out.namespace_name = ns;
  out.container = container;
  out.container_id = id;
  return true;
}

bool parse_pods_path(std::string_view path, PodMetadata& out) {
  std::string_view container_dir = parent_dir(path);
  std::string_view pod_dir = parent_dir(container_dir);
  std::string_view container = base_name(container_dir);
  std::string_view pod_dir_name = base_name(pod_dir);
  auto first = pod_dir_name.find('_');
  auto last = pod_dir_name.rfind('_');
  if (container.empty() || first == std::string_view::npos || last == first) return false;
  std::string_view ns = pod_dir_name.substr(0, first);
  std::string_view pod = pod_dir_name.substr(first + 1, last - first - 1);
  std::string_view uid = pod_dir_name.substr(last + 1);
  if (ns.empty() || pod.empty() || uid.empty()) return false;
  out.namespace_name = ns;
  out.pod = pod;
  out.pod_uid = uid;
  out.container = container;
  return true;
}

PodMetadata parse_path_metadata(std::string_view found, std::string_view real) {
  PodMetadata from_pods;
  PodMetadata from_name;
  bool pods_ok = parse_pods_path(real, from_pods) || parse_pods_path(found, from_pods);
  bool name_ok = parse_containers_file_name(found, from_name);
  if (name_ok) {
    // The symlink name carries the container id; the target adds the pod uid.
    if (pods_ok) from_name.pod_uid = from_pods.pod_uid;
    return from_name;
  }
  if (pods_ok) return from_pods;
  return {};
}

}  // namespace logferry::sources::k8s

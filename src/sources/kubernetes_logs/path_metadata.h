// Pod metadata from kubelet's log paths:
//   /var/log/containers/<pod>_<namespace>_<container>-<64 hex container id>.log  (symlink)
//   /var/log/pods/<namespace>_<pod>_<pod uid>/<container>/<restart count>.log    (its target)
// Kubernetes names cannot contain '_' (DNS-1123), which makes '_' a safe separator.
#pragma once

#include <string>
#include <string_view>

namespace logferry::sources::k8s {

struct PodMetadata {
  std::string namespace_name;
  std::string pod;
  std::string container;
  std::string container_id;  // empty when only the /var/log/pods path is known
  std::string pod_uid;       // empty when the /var/log/pods path is unknown
};

// Fills what the /var/log/containers file name tells; false if it does not have that shape.
bool parse_containers_file_name(std::string_view path, PodMetadata& out);
// Fills what the /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log path tells; false if not.
bool parse_pods_path(std::string_view path, PodMetadata& out);
// Both: `found` is the path as matched by the globs, `real` the resolved file (may be equal).
PodMetadata parse_path_metadata(std::string_view found, std::string_view real);

}  // namespace logferry::sources::k8s

// The parts of the API's Pod and Namespace objects the transform keeps.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "kubernetes/metadata_cache.h"

namespace logferry::k8s {

std::shared_ptr<PodMetadata> decode_pod(simdjson::dom::element pod);
std::shared_ptr<NamespaceMetadata> decode_namespace(simdjson::dom::element ns);

// The workload that owns a pod, from its controller ownerReference: a ReplicaSet named
// `<deployment>-<pod-template-hash label>` is the Deployment's (the name Kubernetes's
// deployment controller gives it), a Job named `<cronjob>-<scheduled minute since the epoch>`
// a CronJob's (the cronjob controller's rule). Others as they are.
void resolve_owner(PodMetadata& pod, std::string_view kind, std::string_view name);

// Whether `name` (a namespace, a label key) is one of `patterns`; a trailing `*` matches a prefix.
bool matches_any(std::string_view name, const std::vector<std::string>& patterns);
// Whether the pod has annotation `key` set to "true" (an empty key: never).
bool annotated_true(const PodMetadata& pod, std::string_view key);

}  // namespace logferry::k8s

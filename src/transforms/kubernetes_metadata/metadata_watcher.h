// MetadataWatcher: the API side of kubernetes_metadata. Two ResourceWatch threads (this
// node's pods, every namespace) keep one MetadataCache current. One watcher per component,
// shared by the transform's instances (one per source and worker) and kept across a reload
// whose settings did not change, so a reload starts with a warm cache.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "core/metrics.h"
#include "transforms/kubernetes_metadata/kube_api_config.h"
#include "transforms/kubernetes_metadata/metadata_cache.h"
#include "transforms/kubernetes_metadata/resource_watch.h"

namespace logferry::k8s {

class MetadataWatcher {
 public:
  struct Settings {
    KubeApiConfig api;
    std::string node_name;
    bool namespace_labels = true;
    MetadataCache::Options cache;
    int watch_timeout_s = 300;
  };
  // The running watcher for `key` (component name + settings), started if there is none.
  static std::shared_ptr<MetadataWatcher> shared(const std::string& key, const Settings& settings,
                                                 Metrics& metrics, const Labels& labels);

  MetadataWatcher(const Settings& settings, Metrics& metrics, const Labels& labels);
  ~MetadataWatcher();  // stops both threads (aborting their requests)

  MetadataCache& cache() { return cache_; }

 private:
  ResourceWatch::Handlers pod_handlers();
  ResourceWatch::Handlers namespace_handlers();

  Settings settings_;
  MetadataCache cache_;
  Gauge& cached_pods_;
  std::vector<std::shared_ptr<const PodMetadata>> listing_pods_;
  std::vector<std::shared_ptr<const NamespaceMetadata>> listing_namespaces_;
  std::unique_ptr<ResourceWatch> pods_, namespaces_;
  std::jthread pod_thread_, namespace_thread_;
};

}  // namespace logferry::k8s

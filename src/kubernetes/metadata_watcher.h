// MetadataWatcher: the API side of kubernetes_metadata (and of kubernetes_logs' exclusion by
// annotation). Two ResourceWatch threads (this node's pods, every namespace) keep one
// MetadataCache current. One watcher per API server, credentials and node in the process:
// shared by every component that asks (the transform's instances, one per source and worker;
// the source) and kept across a reload, so a reload starts with a warm cache. The cache
// options are those of the component that started it; its metrics are labelled with the API
// server (`api_server`) rather than a component, as several share it.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "core/metrics.h"
#include "kubernetes/kube_api_config.h"
#include "kubernetes/metadata_cache.h"
#include "kubernetes/resource_watch.h"

namespace logferry::k8s {

class MetadataWatcher {
 public:
  struct Settings {
    KubeApiConfig api;
    std::string node_name;
    MetadataCache::Options cache;
    int watch_timeout_s = 300;
  };
  // The running watcher for these settings' server, credentials and node, started if there
  // is none.
  static std::shared_ptr<MetadataWatcher> shared(const Settings& settings, Metrics& metrics);

  MetadataWatcher(const Settings& settings, Metrics& metrics);
  ~MetadataWatcher();  // stops both threads (aborting their requests)

  MetadataCache& cache() { return cache_; }
  // Waits up to `timeout` for the first lists of pods and namespaces (at start only: a pipeline thread never
  // waits on the API); whether it came.
  bool wait_synced(std::chrono::milliseconds timeout) const;

 private:
  ResourceWatch::Handlers pod_handlers();
  ResourceWatch::Handlers namespace_handlers();
  // After any news of pods (a list, a change, a bookmark): expire deleted ones past their grace.
  void pods_changed();

  MetadataCache cache_;
  Gauge& cached_pods_;
  Gauge& cached_namespaces_;
  std::vector<std::shared_ptr<const PodMetadata>> listing_pods_;
  std::vector<std::shared_ptr<const NamespaceMetadata>> listing_namespaces_;
  std::unique_ptr<ResourceWatch> pods_, namespaces_;
  std::jthread pod_thread_, namespace_thread_;
};

}  // namespace logferry::k8s

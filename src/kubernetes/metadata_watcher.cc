#include "kubernetes/metadata_watcher.h"

#include <fmt/format.h>

#include <map>
#include <mutex>

#include "kubernetes/api_objects.h"

namespace logferry::k8s {

namespace {

ResourceWatch::Counters counters_for(const std::string& resource, Metrics& metrics, Labels labels) {
  labels.emplace_back("resource", resource);
  return {
      metrics.counter("logferry_kubernetes_metadata_api_errors_total",
                      "Failed API requests and watches (retried with backoff)", labels),
      metrics.counter("logferry_kubernetes_metadata_relists_total",
                      "Lists started again because a watch's resourceVersion expired (410 Gone)", labels),
      metrics.counter("logferry_kubernetes_metadata_watch_events_total",
                      "ADDED/MODIFIED/DELETED/BOOKMARK events received", labels),
  };
}

}  // namespace

std::shared_ptr<MetadataWatcher> MetadataWatcher::shared(const Settings& settings, Metrics& metrics) {
  const KubeApiConfig& a = settings.api;
  std::string key = fmt::format("{}|{}|{}|{}|{}|{}|{}", a.server, a.token, a.token_file, a.ca_file,
                                a.cert_file, settings.node_name, settings.watch_timeout_s);
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<MetadataWatcher>> running;
  std::lock_guard lock(mu);
  std::erase_if(running, [](const auto& kv) { return kv.second.expired(); });
  if (auto w = running[key].lock()) return w;
  auto w = std::make_shared<MetadataWatcher>(settings, metrics);
  running[key] = w;
  return w;
}

MetadataWatcher::MetadataWatcher(const Settings& settings, Metrics& metrics)
    : cache_(settings.cache),
      cached_pods_(metrics.gauge("logferry_kubernetes_metadata_cached_pods",
                                 "Pods in the cache (deleted ones kept for the grace period included)",
                                 {{"api_server", settings.api.server}})),
      cached_namespaces_(metrics.gauge("logferry_kubernetes_metadata_cached_namespaces",
                                       "Namespaces in the cache", {{"api_server", settings.api.server}})) {
  Labels labels{{"api_server", settings.api.server}};
  ResourceWatch::Target pods{"pods", "/api/v1/pods", ""};
  if (!settings.node_name.empty()) pods.selector = "fieldSelector=spec.nodeName%3D" + net::url_escape(settings.node_name);
  pods_ = std::make_unique<ResourceWatch>(pods, settings.api, pod_handlers(), counters_for("pods", metrics, labels));
  pods_->set_watch_timeout_seconds(settings.watch_timeout_s);
  pod_thread_ = std::jthread([this](std::stop_token stop) { pods_->run(stop); });
  ResourceWatch::Target namespaces{"namespaces", "/api/v1/namespaces", ""};
  namespaces_ = std::make_unique<ResourceWatch>(namespaces, settings.api, namespace_handlers(),
                                                counters_for("namespaces", metrics, labels));
  namespaces_->set_watch_timeout_seconds(settings.watch_timeout_s);
  namespace_thread_ = std::jthread([this](std::stop_token stop) { namespaces_->run(stop); });
}

bool MetadataWatcher::wait_synced(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cache_.synced() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cache_.synced();
}

MetadataWatcher::~MetadataWatcher() {
  pod_thread_.request_stop();
  namespace_thread_.request_stop();
}

void MetadataWatcher::pods_changed() {
  cache_.expire(MetadataCache::Clock::now());
  cached_pods_.set(static_cast<int64_t>(cache_.pods()));
}

ResourceWatch::Handlers MetadataWatcher::pod_handlers() {
  using Clock = MetadataCache::Clock;
  return {
      .begin_list = [this] { listing_pods_.clear(); },
      .listed = [this](simdjson::dom::element e) { listing_pods_.push_back(decode_pod(e)); },
      .end_list =
          [this] {
            cache_.replace_pods(std::move(listing_pods_), Clock::now());
            listing_pods_ = {};
            pods_changed();
          },
      .changed =
          [this](std::string_view type, simdjson::dom::element e) {
            auto pod = decode_pod(e);
            if (type == "DELETED") {
              cache_.delete_pod(pod->ns, pod->name, Clock::now());
            } else {
              cache_.put_pod(std::move(pod));
            }
            pods_changed();
          },
      // Deleted pods also expire on a quiet node, where only bookmarks arrive.
      .bookmarked = [this] { pods_changed(); },
  };
}

ResourceWatch::Handlers MetadataWatcher::namespace_handlers() {
  return {
      .begin_list = [this] { listing_namespaces_.clear(); },
      .listed = [this](simdjson::dom::element e) { listing_namespaces_.push_back(decode_namespace(e)); },
      .end_list =
          [this] {
            cache_.replace_namespaces(std::move(listing_namespaces_));
            listing_namespaces_ = {};
            cached_namespaces_.set(static_cast<int64_t>(cache_.namespaces()));
          },
      .changed =
          [this](std::string_view type, simdjson::dom::element e) {
            auto ns = decode_namespace(e);
            if (type == "DELETED") {
              cache_.delete_namespace(ns->name);
            } else {
              cache_.put_namespace(std::move(ns));
            }
            cached_namespaces_.set(static_cast<int64_t>(cache_.namespaces()));
          },
      .bookmarked = {},
  };
}

}  // namespace logferry::k8s

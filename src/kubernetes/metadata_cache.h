// MetadataCache: what the API server said about this node's pods and the cluster's namespaces,
// shared by the watcher thread (writer) and every pipeline thread (readers).
//
// Readers never wait on the API, only on a short mutex, and take a shared_ptr to an immutable
// record: a record replaced by a MODIFIED event stays valid for the batch that still views
// its strings (EventBatch::retain). `generation()` changes on every write, so a reader that
// remembers its last lookup (the lines of one file come in runs) only looks up again after a
// change.
//
// Bounded: a deleted pod is kept for `delete_grace` (its last lines are often read after the
// DELETED event), then dropped; above `max_pods` the longest-deleted records go first, and a
// new pod beyond the bound is counted and not kept.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace logferry::k8s {

using StringPairs = std::vector<std::pair<std::string, std::string>>;

struct PodMetadata {
  std::string ns, name, uid, node;
  StringPairs labels, annotations;
  std::string owner_kind, owner_name;  // the controller: Deployment, StatefulSet, DaemonSet, Job, CronJob, ...
};

struct NamespaceMetadata {
  std::string name;
  StringPairs labels;
};

class MetadataCache {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    std::size_t max_pods = 10'000;
    std::chrono::milliseconds delete_grace{std::chrono::seconds(60)};
  };
  explicit MetadataCache(Options options) : options_(options) {}

  std::shared_ptr<const PodMetadata> pod(std::string_view ns, std::string_view name) const;
  std::shared_ptr<const NamespaceMetadata> find_namespace(std::string_view name) const;
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // Writer side. `now` drives the deletion grace.
  void put_pod(std::shared_ptr<const PodMetadata> pod);
  void delete_pod(const std::string& ns, const std::string& name, Clock::time_point now);
  // After a (re)list: what it did not contain was deleted meanwhile.
  void replace_pods(std::vector<std::shared_ptr<const PodMetadata>> pods, Clock::time_point now);
  void put_namespace(std::shared_ptr<const NamespaceMetadata> ns);
  void delete_namespace(const std::string& name);
  void replace_namespaces(std::vector<std::shared_ptr<const NamespaceMetadata>> all);
  // Drops pods deleted longer ago than the grace.
  void expire(Clock::time_point now);

  std::size_t pods() const;
  std::size_t namespaces() const;
  uint64_t pods_refused() const { return refused_.load(std::memory_order_relaxed); }
  // The first lists of pods and of namespaces have arrived.
  bool synced() const {
    return pods_synced_.load(std::memory_order_acquire) && namespaces_synced_.load(std::memory_order_acquire);
  }

 private:
  struct PodEntry {
    std::shared_ptr<const PodMetadata> pod;
    Clock::time_point deleted_at{};  // epoch: live
  };
  static std::string key(std::string_view ns, std::string_view name);
  void make_room_locked();
  void bump() { generation_.fetch_add(1, std::memory_order_acq_rel); }

  Options options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, PodEntry> pods_;
  std::unordered_map<std::string, std::shared_ptr<const NamespaceMetadata>> namespaces_;
  std::atomic<uint64_t> generation_{1};
  std::atomic<uint64_t> refused_{0};
  std::atomic<bool> pods_synced_{false};
  std::atomic<bool> namespaces_synced_{false};
};

}  // namespace logferry::k8s

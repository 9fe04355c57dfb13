#include "kubernetes/metadata_cache.h"

#include <algorithm>

namespace logferry::k8s {

std::string MetadataCache::key(std::string_view ns, std::string_view name) {
  std::string k;
  k.reserve(ns.size() + 1 + name.size());
  k.append(ns).push_back('/');
  k.append(name);
  return k;
}

std::shared_ptr<const PodMetadata> MetadataCache::pod(std::string_view ns, std::string_view name) const {
  // The key is built in a per-thread buffer: a lookup allocates nothing once it has grown.
  thread_local std::string k;
  k.assign(ns).push_back('/');
  k.append(name);
  std::lock_guard lock(mu_);
  auto it = pods_.find(k);
  return it == pods_.end() ? nullptr : it->second.pod;
}

std::shared_ptr<const NamespaceMetadata> MetadataCache::find_namespace(std::string_view name) const {
  thread_local std::string k;
  k.assign(name);
  std::lock_guard lock(mu_);
  auto it = namespaces_.find(k);
  return it == namespaces_.end() ? nullptr : it->second;
}

void MetadataCache::put_pod(std::shared_ptr<const PodMetadata> pod) {
  std::string k = key(pod->ns, pod->name);
  std::lock_guard lock(mu_);
  auto it = pods_.find(k);
  if (it != pods_.end()) {
    it->second = PodEntry{std::move(pod), {}};
  } else {
    make_room_locked();
    if (pods_.size() >= options_.max_pods) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    pods_.emplace(std::move(k), PodEntry{std::move(pod), {}});
  }
  bump();
}

void MetadataCache::delete_pod(const std::string& ns, const std::string& name, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = pods_.find(key(ns, name));
  if (it != pods_.end() && it->second.deleted_at == Clock::time_point{}) it->second.deleted_at = now;
}

void MetadataCache::replace_pods(std::vector<std::shared_ptr<const PodMetadata>> pods, Clock::time_point now) {
  std::unordered_map<std::string, std::shared_ptr<const PodMetadata>> listed;
  for (auto& p : pods) listed.emplace(key(p->ns, p->name), std::move(p));
  {
    std::lock_guard lock(mu_);
    for (auto& [k, entry] : pods_) {
      auto it = listed.find(k);
      if (it != listed.end()) {
        entry = PodEntry{std::move(it->second), {}};
        listed.erase(it);
      } else if (entry.deleted_at == Clock::time_point{}) {
        entry.deleted_at = now;
      }
    }
  }
  for (auto& [k, p] : listed) put_pod(std::move(p));
  bump();
  pods_synced_.store(true, std::memory_order_release);
}

void MetadataCache::put_namespace(std::shared_ptr<const NamespaceMetadata> ns) {
  std::lock_guard lock(mu_);
  namespaces_[ns->name] = std::move(ns);
  bump();
}

void MetadataCache::delete_namespace(const std::string& name) {
  std::lock_guard lock(mu_);
  namespaces_.erase(name);
  bump();
}

void MetadataCache::replace_namespaces(std::vector<std::shared_ptr<const NamespaceMetadata>> all) {
  std::lock_guard lock(mu_);
  namespaces_.clear();
  for (auto& ns : all) namespaces_[ns->name] = std::move(ns);
  bump();
  namespaces_synced_.store(true, std::memory_order_release);
}

void MetadataCache::expire(Clock::time_point now) {
  std::lock_guard lock(mu_);
  std::size_t before = pods_.size();
  std::erase_if(pods_, [&](const auto& kv) {
    const PodEntry& e = kv.second;
    return e.deleted_at != Clock::time_point{} && now - e.deleted_at >= options_.delete_grace;
  });
  if (pods_.size() != before) bump();
}

void MetadataCache::make_room_locked() {
  while (pods_.size() >= options_.max_pods) {
    auto oldest = pods_.end();
    for (auto it = pods_.begin(); it != pods_.end(); ++it) {
      if (it->second.deleted_at == Clock::time_point{}) continue;
      if (oldest == pods_.end() || it->second.deleted_at < oldest->second.deleted_at) oldest = it;
    }
    if (oldest == pods_.end()) return;  // every pod is live: the caller refuses the new one
    pods_.erase(oldest);
  }
}

std::size_t MetadataCache::pods() const {
  std::lock_guard lock(mu_);
  return pods_.size();
}

std::size_t MetadataCache::namespaces() const {
  std::lock_guard lock(mu_);
  return namespaces_.size();
}

}  // namespace logferry::k8s

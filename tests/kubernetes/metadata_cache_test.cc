#include "kubernetes/metadata_cache.h"

#include <gtest/gtest.h>

namespace logferry::k8s {
namespace {

using Clock = MetadataCache::Clock;
using std::chrono::seconds;

std::shared_ptr<const PodMetadata> pod(std::string ns, std::string name, std::string app = "a") {
  auto p = std::make_shared<PodMetadata>();
  p->ns = std::move(ns);
  p->name = std::move(name);
  p->labels = {{"app", std::move(app)}};
  return p;
}

TEST(MetadataCache, APodIsFoundByNamespaceAndNameAndReplacedByItsUpdate) {
  MetadataCache cache({});
  uint64_t g0 = cache.generation();
  cache.put_pod(pod("ns", "p", "v1"));
  EXPECT_NE(cache.generation(), g0);
  auto before = cache.pod("ns", "p");
  cache.put_pod(pod("ns", "p", "v2"));
  EXPECT_EQ(cache.pod("ns", "p")->labels[0].second, "v2");
  EXPECT_EQ(before->labels[0].second, "v1");  // a reader's record stays valid
  EXPECT_EQ(cache.pod("ns", "other"), nullptr);
  EXPECT_EQ(cache.pod("other", "p"), nullptr);
}

TEST(MetadataCache, ADeletedPodIsKeptForTheGraceThenDropped) {
  MetadataCache cache({.max_pods = 10, .delete_grace = seconds(60)});
  auto t0 = Clock::now();
  cache.put_pod(pod("ns", "p"));
  cache.delete_pod("ns", "p", t0);
  cache.expire(t0 + seconds(59));
  EXPECT_NE(cache.pod("ns", "p"), nullptr);  // its last lines are still being read
  cache.expire(t0 + seconds(60));
  EXPECT_EQ(cache.pod("ns", "p"), nullptr);
  EXPECT_EQ(cache.pods(), 0u);
}

TEST(MetadataCache, ARelistMarksWhatItLacksAsDeletedAndKeepsTheRest) {
  MetadataCache cache({.max_pods = 10, .delete_grace = seconds(60)});
  auto t0 = Clock::now();
  EXPECT_FALSE(cache.synced());
  cache.put_pod(pod("ns", "gone"));
  cache.put_pod(pod("ns", "stays", "old"));
  cache.replace_pods({pod("ns", "stays", "new"), pod("ns", "added")}, t0);
  EXPECT_FALSE(cache.synced());  // namespaces not listed yet
  cache.replace_namespaces({});
  EXPECT_TRUE(cache.synced());
  EXPECT_EQ(cache.pod("ns", "stays")->labels[0].second, "new");
  EXPECT_NE(cache.pod("ns", "added"), nullptr);
  EXPECT_NE(cache.pod("ns", "gone"), nullptr);  // deleted while the watch was down: grace too
  cache.expire(t0 + seconds(61));
  EXPECT_EQ(cache.pod("ns", "gone"), nullptr);
  EXPECT_NE(cache.pod("ns", "stays"), nullptr);
}

TEST(MetadataCache, AboveTheBoundTheLongestDeletedGoFirstAndLivePodsAreNeverEvicted) {
  MetadataCache cache({.max_pods = 3, .delete_grace = seconds(600)});
  auto t0 = Clock::now();
  cache.put_pod(pod("ns", "a"));
  cache.put_pod(pod("ns", "b"));
  cache.put_pod(pod("ns", "c"));
  cache.delete_pod("ns", "b", t0);
  cache.delete_pod("ns", "a", t0 + seconds(1));
  cache.put_pod(pod("ns", "d"));  // evicts b, deleted first
  EXPECT_EQ(cache.pod("ns", "b"), nullptr);
  EXPECT_NE(cache.pod("ns", "a"), nullptr);
  cache.put_pod(pod("ns", "e"));  // evicts a
  EXPECT_EQ(cache.pod("ns", "a"), nullptr);
  cache.put_pod(pod("ns", "f"));  // c, d, e are live: f is refused and counted
  EXPECT_EQ(cache.pod("ns", "f"), nullptr);
  EXPECT_EQ(cache.pods_refused(), 1u);
  EXPECT_EQ(cache.pods(), 3u);
}

TEST(MetadataCache, NamespacesAreReplacedByAListAndDeleted) {
  MetadataCache cache({});
  auto ns = std::make_shared<NamespaceMetadata>();
  ns->name = "shop";
  cache.put_namespace(ns);
  EXPECT_NE(cache.find_namespace("shop"), nullptr);
  cache.replace_namespaces({});
  EXPECT_EQ(cache.find_namespace("shop"), nullptr);
  cache.put_namespace(ns);
  cache.delete_namespace("shop");
  EXPECT_EQ(cache.find_namespace("shop"), nullptr);
}

}  // namespace
}  // namespace logferry::k8s

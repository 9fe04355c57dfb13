// MetadataWatcher against KubeApiTestServer, which stands in for the Kubernetes API server
// (none can be installed on these machines): list + watch of this node's pods, bookmarks,
// 410 Gone, 401 with a rotated token, the API down at start, 5,000 pods.
#include "kubernetes/metadata_watcher.h"

#include <gtest/gtest.h>

#include <fstream>
#include <unistd.h>

#include "support/kube_api_test_server.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::k8s {
namespace {

using testing::KubeApiTestServer;
using testing::wait_until;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Fixture {
  explicit Fixture(KubeApiTestServer::Options o = {}) : server(o) { EXPECT_TRUE(server.start()); }

  MetadataWatcher::Settings settings(std::string token = "test-token") {
    MetadataWatcher::Settings s;
    s.api.server = server.url();
    s.api.token = std::move(token);
    s.node_name = "node-1";
    s.cache.delete_grace = milliseconds(300);
    s.watch_timeout_s = 30;
    return s;
  }
  std::unique_ptr<MetadataWatcher> watch(const MetadataWatcher::Settings& s) {
    return std::make_unique<MetadataWatcher>(s, metrics);
  }
  std::string label(MetadataWatcher& w, const std::string& ns, const std::string& name) {
    auto pod = w.cache().pod(ns, name);
    if (pod == nullptr || pod->labels.empty()) return "";
    return pod->labels[0].second;
  }
  uint64_t counter(const std::string& name, const std::string& resource = "pods") {
    return metrics.value(name, {{"api_server", server.url()}, {"resource", resource}});
  }

  Metrics metrics;
  KubeApiTestServer server;
};

std::string pod(const std::string& name, const std::string& node, const std::string& app = "web") {
  return KubeApiTestServer::pod_json("shop", name, node, "uid-" + name, {{"app", app}}, {});
}

TEST(MetadataWatcher, PodsOfThisNodeBeforeAndAfterTheStartAreCachedAndFollowed) {
  Fixture f;
  f.server.put_pod(pod("before", "node-1"));
  f.server.put_pod(pod("elsewhere", "node-2"));
  f.server.put_namespace(KubeApiTestServer::namespace_json("shop", {{"team", "payments"}}));
  auto w = f.watch(f.settings());
  ASSERT_TRUE(w->wait_synced(seconds(10)));
  EXPECT_EQ(f.label(*w, "shop", "before"), "web");
  EXPECT_EQ(w->cache().pod("shop", "elsewhere"), nullptr);  // only this node's pods
  ASSERT_TRUE(wait_until([&] { return w->cache().find_namespace("shop") != nullptr; }));
  EXPECT_EQ(w->cache().find_namespace("shop")->labels[0].second, "payments");

  f.server.put_pod(pod("after", "node-1"));
  ASSERT_TRUE(wait_until([&] { return f.label(*w, "shop", "after") == "web"; }, seconds(10), "ADDED"));
  f.server.put_pod(pod("after", "node-1", "web-v2"));
  ASSERT_TRUE(wait_until([&] { return f.label(*w, "shop", "after") == "web-v2"; }, seconds(10), "MODIFIED"));
  f.server.delete_pod("shop", "after");
  // Kept for delete_grace (its last lines), then gone (expired on the next change).
  ASSERT_TRUE(wait_until([&] { return f.counter("logferry_kubernetes_metadata_watch_events_total") >= 3; }));
  EXPECT_NE(w->cache().pod("shop", "after"), nullptr);
  std::this_thread::sleep_for(milliseconds(350));  // past the grace, on purpose
  f.server.put_pod(pod("later", "node-1"));
  ASSERT_TRUE(wait_until([&] { return w->cache().pod("shop", "after") == nullptr; }, seconds(10), "expired"));
  // Pods were watched with this node's field selector, and resumed from a resourceVersion.
  bool selected = false, resumed = false;
  for (const auto& r : f.server.requests()) {
    selected |= r.target.find("fieldSelector=spec.nodeName%3Dnode-1") != std::string::npos;
    resumed |= r.watch && r.target.find("resourceVersion=") != std::string::npos &&
               r.target.find("allowWatchBookmarks=true") != std::string::npos;
  }
  EXPECT_TRUE(selected);
  EXPECT_TRUE(resumed);
}

TEST(MetadataWatcher, AnExpiredResourceVersionListsAgainAndMissesNothing) {
  Fixture f;
  auto w = f.watch(f.settings());
  ASSERT_TRUE(w->wait_synced(seconds(10)));
  f.server.stop();  // changes happen while the watch is down ...
  f.server.put_pod(pod("while-down", "node-1"));
  f.server.compact();  // ... and its resourceVersion is compacted away: 410
  ASSERT_TRUE(f.server.start());  // (after both: a watch back before compact() would just go on)
  ASSERT_TRUE(wait_until([&] { return f.label(*w, "shop", "while-down") == "web"; }, seconds(20), "relisted"));
  EXPECT_GE(f.counter("logferry_kubernetes_metadata_relists_total"), 1u);
}

TEST(MetadataWatcher, BookmarksMoveTheResourceVersionWithoutChangingTheCache) {
  Fixture f;
  f.server.put_pod(pod("a", "node-1"));
  auto w = f.watch(f.settings());
  ASSERT_TRUE(w->wait_synced(seconds(10)));
  ASSERT_TRUE(wait_until([&] { return f.server.open_watches() >= 2; }));
  uint64_t before = w->cache().generation();
  f.server.send_bookmarks();
  ASSERT_TRUE(wait_until([&] { return f.counter("logferry_kubernetes_metadata_watch_events_total") >= 1; }));
  EXPECT_EQ(w->cache().generation(), before);
  EXPECT_EQ(f.label(*w, "shop", "a"), "web");
}

TEST(MetadataWatcher, OnAQuietNodeADeletedPodExpiresWithTheNextBookmark) {
  Fixture f;
  f.server.put_pod(pod("a", "node-1"));
  auto w = f.watch(f.settings());
  ASSERT_TRUE(w->wait_synced(seconds(10)));
  ASSERT_TRUE(wait_until([&] { return f.server.open_watches() >= 2; }));
  f.server.delete_pod("shop", "a");
  ASSERT_TRUE(wait_until([&] { return f.counter("logferry_kubernetes_metadata_watch_events_total") >= 1; }));
  std::this_thread::sleep_for(milliseconds(350));  // past the grace, on purpose
  EXPECT_NE(w->cache().pod("shop", "a"), nullptr);  // nothing has come since the DELETED
  f.server.send_bookmarks();
  ASSERT_TRUE(wait_until([&] { return w->cache().pod("shop", "a") == nullptr; }, seconds(10), "expired"));
}

TEST(MetadataWatcher, TheApiDownAtStartIsRetriedAndCountedUntilItComes) {
  Fixture f;
  f.server.put_pod(pod("a", "node-1"));
  f.server.stop();
  auto w = f.watch(f.settings());
  EXPECT_FALSE(w->wait_synced(milliseconds(300)));
  ASSERT_TRUE(wait_until([&] { return f.counter("logferry_kubernetes_metadata_api_errors_total") >= 1; }));
  ASSERT_TRUE(f.server.start());
  ASSERT_TRUE(w->wait_synced(seconds(20)));
  EXPECT_EQ(f.label(*w, "shop", "a"), "web");
}

TEST(MetadataWatcher, ARotatedTokenIsReadFromItsFileAfterA401) {
  testing::TempDir dir;
  Fixture f({.token = "first"});
  std::ofstream(dir / "token") << "first\n";
  auto s = f.settings("");
  s.api.token_file = (dir / "token").string();
  auto w = f.watch(s);
  ASSERT_TRUE(w->wait_synced(seconds(10)));
  f.server.set_token("second");  // the old token is no longer accepted
  std::ofstream(dir / "token") << "second\n";  // the kubelet has written the new one
  f.server.close_watches();
  f.server.put_pod(pod("b", "node-1"));
  ASSERT_TRUE(wait_until([&] { return f.label(*w, "shop", "b") == "web"; }, seconds(20), "pod after rotation"));
  bool bearer_second = false;
  for (const auto& r : f.server.requests()) bearer_second |= r.authorization == "Bearer second" && r.status == 200;
  EXPECT_TRUE(bearer_second);
}

TEST(MetadataWatcher, AWrongTokenIsAnErrorThatIsRetriedNotACrash) {
  Fixture f;
  auto w = f.watch(f.settings("wrong"));
  ASSERT_TRUE(wait_until([&] { return f.counter("logferry_kubernetes_metadata_api_errors_total") >= 1; }));
  EXPECT_FALSE(w->cache().synced());
  bool unauthorized = false;
  for (const auto& r : f.server.requests()) unauthorized |= r.status == 401;
  EXPECT_TRUE(unauthorized);
}

long resident_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

TEST(MetadataWatcher, FiveThousandPodsAreListedInPagesAndHeldInBoundedMemory) {
  Fixture f;
  for (int i = 0; i < 5000; ++i) {
    f.server.put_pod(KubeApiTestServer::pod_json(
        "ns-" + std::to_string(i % 50), "pod-" + std::to_string(i), "node-1", "uid-" + std::to_string(i),
        {{"app", "app-" + std::to_string(i % 100)}, {"app.kubernetes.io/version", "1.2.3"},
         {"pod-template-hash", "7d4b9c8f6d"}},
        {{"prometheus.io/scrape", "true"}, {"kubectl.kubernetes.io/restartedAt", "2026-12-01T10:00:00Z"}},
        "ReplicaSet", "app-" + std::to_string(i % 100) + "-7d4b9c8f6d"));
  }
  long before = resident_kib();
  auto w = f.watch(f.settings());
  ASSERT_TRUE(w->wait_synced(seconds(30)));
  EXPECT_EQ(w->cache().pods(), 5000u);
  long grown = resident_kib() - before;
  // An upper bound: the stand-in's list snapshots live in this process too (bench/compare's
  // logferry-metadata measures the collector alone).
  std::printf("5,000 pods cached: resident grew by %ld KiB (%ld bytes per pod, the stand-in's included)\n",
              grown, grown * 1024 / 5000);
#if defined(__SANITIZE_ADDRESS__)
  (void)grown;  // ASan's redzones and quarantine make resident memory no measure
#else
  EXPECT_LT(grown, 64 * 1024);  // far below: a bound against a leak per pod or page
#endif
  int pages = 0;
  for (const auto& r : f.server.requests()) pages += !r.watch && r.target.find("/api/v1/pods?") != std::string::npos;
  EXPECT_GE(pages, 10);  // 500 per page
  auto p = w->cache().pod("ns-7", "pod-7");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->owner_kind + "/" + p->owner_name, "Deployment/app-7");
}

}  // namespace
}  // namespace logferry::k8s

// KubeApiTestServer, the Kubernetes API stand-in, checked over raw sockets (and curl for TLS):
// the shapes other tests and the client rely on, so that a wrong stand-in cannot make them pass.
#include "support/kube_api_test_server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>

#include "support/child_process.h"
#include "support/net_util.h"
#include "support/temp_dir.h"
#include "support/tls_test_certs.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string pod(const std::string& name, const std::string& node, const std::string& app = "web") {
  return KubeApiTestServer::pod_json("shop", name, node, "uid-" + name, {{"app", app}}, {});
}

std::string get_request(const std::string& target, const std::string& token = "test-token") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
         "\r\nConnection: close\r\n\r\n";
}

struct Answer {
  int status = 0;
  std::string body;
};

Answer get(const KubeApiTestServer& server, const std::string& target, const std::string& token = "test-token") {
  std::string raw = http_exchange(server.port(), get_request(target, token));
  Answer a;
  if (raw.size() > 12) a.status = std::atoi(raw.c_str() + 9);
  if (auto end = raw.find("\r\n\r\n"); end != std::string::npos) a.body = raw.substr(end + 4);
  return a;
}

std::string string_at(const std::string& json, const char* pointer) {
  simdjson::dom::parser parser;
  std::string_view out;
  if (parser.parse(json).at_pointer(pointer).get(out) != simdjson::SUCCESS) return "";
  return std::string(out);
}

std::vector<std::string> item_names(const std::string& list) {
  simdjson::dom::parser parser;
  simdjson::dom::array items;
  std::vector<std::string> names;
  if (parser.parse(list)["items"].get(items) != simdjson::SUCCESS) return names;
  for (auto item : items) names.emplace_back(std::string_view(item.at_pointer("/metadata/name")));
  return names;
}

// A watch read as the client reads it: the status line, then the chunked body line by line.
class Watch {
 public:
  Watch(uint16_t port, const std::string& target, const std::string& token = "test-token")
      : fd_(tcp_connect(port)) {
    send_all(fd_, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n\r\n");
  }
  ~Watch() { ::close(fd_); }

  int status() {
    while (head_.empty() && fill(seconds(5))) {
      if (auto end = raw_.find("\r\n\r\n"); end != std::string::npos) {
        head_ = raw_.substr(0, end);
        raw_.erase(0, end + 4);
      }
    }
    return head_.size() > 12 ? std::atoi(head_.c_str() + 9) : 0;
  }
  const std::string& head() { return status(), head_; }
  // The next JSON line; "" when none comes within `timeout` or the stream ended.
  std::string next(milliseconds timeout = seconds(5)) {
    status();
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (lines_.empty() && !ended_) {
      if (!take_chunk() && !fill(std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now())))
        break;
    }
    if (lines_.empty()) return "";
    std::string line = lines_.front();
    lines_.erase(lines_.begin());
    return line;
  }
  // True once the terminal chunk came (the server ended the watch cleanly).
  bool ended(milliseconds timeout = seconds(5)) {
    while (next(timeout) != "") {
    }
    return ended_;
  }

 private:
  bool fill(milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (timeout.count() <= 0 || ::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[65536];
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) return false;
    raw_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  bool take_chunk() {
    auto eol = raw_.find("\r\n");
    if (eol == std::string::npos) return false;
    std::size_t size = std::strtoul(raw_.c_str(), nullptr, 16);
    if (raw_.size() < eol + 2 + size + 2) return false;
    if (size == 0) ended_ = true;
    body_ += raw_.substr(eol + 2, size);
    raw_.erase(0, eol + 2 + size + 2);
    for (std::size_t nl; (nl = body_.find('\n')) != std::string::npos; body_.erase(0, nl + 1))
      lines_.push_back(body_.substr(0, nl));
    return true;
  }

  int fd_;
  std::string raw_, head_, body_;
  std::vector<std::string> lines_;
  bool ended_ = false;
};

struct Fixture : ::testing::Test {
  void SetUp() override { ASSERT_TRUE(server.start()); }
  KubeApiTestServer server{{}};
};

using KubeApiTestServerTest = Fixture;

TEST_F(KubeApiTestServerTest, ListsThisNodesPodsPageByPageWithContinueTokens) {
  for (int i = 0; i < 5; ++i) server.put_pod(pod("p" + std::to_string(i), "node-1"));
  server.put_pod(pod("other", "node-2"));
  std::vector<std::string> names;
  std::string token, rv;
  int pages = 0;
  do {
    std::string target = "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1&limit=2";
    if (!token.empty()) target += "&continue=" + token;
    Answer a = get(server, target);
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(string_at(a.body, "/kind"), "PodList");
    if (pages++ == 0) rv = string_at(a.body, "/metadata/resourceVersion");
    EXPECT_EQ(string_at(a.body, "/metadata/resourceVersion"), rv);  // every page reads one revision
    for (auto& n : item_names(a.body)) names.push_back(n);
    token = string_at(a.body, "/metadata/continue");
    if (pages == 1) server.put_pod(pod("p9", "node-1"));  // after the snapshot: not in this list
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"p0", "p1", "p2", "p3", "p4"}));
  EXPECT_EQ(rv, "7");
  EXPECT_EQ(server.resource_version(), "8");
  // Unescaped '=' selects too, a namespaced path as well; an unknown field is a 400.
  EXPECT_EQ(item_names(get(server, "/api/v1/pods?fieldSelector=spec.nodeName=node-2").body),
            std::vector<std::string>{"other"});
  EXPECT_EQ(item_names(get(server, "/api/v1/namespaces/shop/pods?fieldSelector=spec.nodeName=node-2").body),
            std::vector<std::string>{"other"});
  EXPECT_TRUE(item_names(get(server, "/api/v1/namespaces/none/pods").body).empty());
  EXPECT_EQ(get(server, "/api/v1/pods?fieldSelector=spec.color%3Dblue").status, 400);
}

TEST_F(KubeApiTestServerTest, AContinueTokenFromBeforeACompactionIsExpired) {
  for (int i = 0; i < 3; ++i) server.put_pod(pod("p" + std::to_string(i), "node-1"));
  Answer first = get(server, "/api/v1/pods?limit=1");
  std::string token = string_at(first.body, "/metadata/continue");
  ASSERT_FALSE(token.empty());
  EXPECT_NE(first.body.find(R"("remainingItemCount":2)"), std::string::npos) << first.body;
  server.compact();
  Answer a = get(server, "/api/v1/pods?limit=1&continue=" + token);
  EXPECT_EQ(a.status, 410);
  EXPECT_EQ(string_at(a.body, "/kind"), "Status");
  EXPECT_EQ(string_at(a.body, "/reason"), "Expired");
  EXPECT_EQ(get(server, "/api/v1/pods?limit=1&continue=bm90LWEtdG9rZW4").status, 400);
}

TEST_F(KubeApiTestServerTest, AWatchStreamsChangesAsTheFieldSelectorSeesThem) {
  server.put_pod(pod("moves", "node-2"));
  std::string rv = server.resource_version();
  Watch w(server.port(), "/api/v1/pods?watch=1&fieldSelector=spec.nodeName%3Dnode-1&resourceVersion=" + rv);
  ASSERT_EQ(w.status(), 200);
  EXPECT_NE(w.head().find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_NE(w.head().find("Content-Type: application/json"), std::string::npos);
  ASSERT_TRUE(wait_until([&] { return server.open_watches() == 1; }));
  server.put_pod(pod("web", "node-1"));
  server.put_pod(pod("elsewhere", "node-2"));  // never seen by this watch
  server.put_pod(pod("web", "node-1", "web-v2"));
  server.put_pod(pod("moves", "node-1"));  // it now matches: ADDED
  server.delete_pod("shop", "web");
  std::string added = w.next();
  EXPECT_EQ(string_at(added, "/type"), "ADDED");
  EXPECT_EQ(string_at(added, "/object/metadata/name"), "web");
  EXPECT_EQ(string_at(added, "/object/metadata/resourceVersion"), "3");
  std::string modified = w.next();
  EXPECT_EQ(string_at(modified, "/type"), "MODIFIED");
  EXPECT_EQ(string_at(modified, "/object/metadata/labels/app"), "web-v2");
  std::string moved = w.next();
  EXPECT_EQ(string_at(moved, "/type") + " " + string_at(moved, "/object/metadata/name"), "ADDED moves");
  std::string deleted = w.next();
  EXPECT_EQ(string_at(deleted, "/type"), "DELETED");
  EXPECT_EQ(string_at(deleted, "/object/metadata/labels/app"), "web-v2");  // its last state
  EXPECT_EQ(string_at(deleted, "/object/metadata/resourceVersion"), "7");  // the deletion's revision
  EXPECT_EQ(w.next(milliseconds(300)), "");
}

TEST_F(KubeApiTestServerTest, AWatchFromAResourceVersionReplaysWhatCameAfterItThenGoesLive) {
  server.put_pod(pod("a", "node-1"));
  std::string rv = server.resource_version();
  server.put_pod(pod("b", "node-1"));
  server.put_pod(pod("a", "node-1", "v2"));
  server.put_namespace(KubeApiTestServer::namespace_json("shop", {{"team", "payments"}}));  // not a pod
  Watch w(server.port(), "/api/v1/pods?watch=true&resourceVersion=" + rv);
  EXPECT_EQ(string_at(w.next(), "/object/metadata/name"), "b");
  EXPECT_EQ(string_at(w.next(), "/type"), "MODIFIED");
  server.delete_pod("shop", "b");
  EXPECT_EQ(string_at(w.next(), "/type"), "DELETED");
  // From no resourceVersion: the current objects as ADDED; with sendInitialEvents, then the
  // bookmark that says they are all there.
  Watch all(server.port(), "/api/v1/pods?watch=1&allowWatchBookmarks=true&sendInitialEvents=true");
  EXPECT_EQ(string_at(all.next(), "/type"), "ADDED");
  std::string end_of_initial = all.next();
  EXPECT_EQ(string_at(end_of_initial, "/type"), "BOOKMARK");
  EXPECT_EQ(string_at(end_of_initial, "/object/metadata/annotations/k8s.io~1initial-events-end"), "true");
  Watch ns(server.port(), "/api/v1/namespaces?watch=1&resourceVersion=0");
  EXPECT_EQ(string_at(ns.next(), "/object/metadata/labels/team"), "payments");
}

TEST_F(KubeApiTestServerTest, AWatchFromACompactedResourceVersionGetsA410ErrorAndEnds) {
  server.put_pod(pod("a", "node-1"));
  std::string rv = server.resource_version();
  server.put_pod(pod("b", "node-1"));
  server.compact();
  Watch w(server.port(), "/api/v1/pods?watch=1&resourceVersion=" + rv);
  ASSERT_EQ(w.status(), 200);
  std::string error = w.next();
  EXPECT_EQ(string_at(error, "/type"), "ERROR");
  EXPECT_EQ(string_at(error, "/object/reason"), "Expired");
  EXPECT_EQ(string_at(error, "/object/message"), "too old resource version: 2 (4)");
  EXPECT_NE(error.find(R"("code":410)"), std::string::npos);
  EXPECT_TRUE(w.ended());
  // A list after the compaction gives a resourceVersion that can be watched from.
  std::string fresh = string_at(get(server, "/api/v1/pods").body, "/metadata/resourceVersion");
  Watch again(server.port(), "/api/v1/pods?watch=1&resourceVersion=" + fresh);
  server.put_pod(pod("c", "node-1"));
  EXPECT_EQ(string_at(again.next(), "/object/metadata/name"), "c");
  EXPECT_EQ(get(server, "/api/v1/pods?resourceVersion=" + rv + "&resourceVersionMatch=Exact").status, 410);
}

TEST_F(KubeApiTestServerTest, BookmarksGoOnlyToWatchesThatAllowThem) {
  server.put_pod(pod("a", "node-1"));
  std::string rv = server.resource_version();
  Watch with(server.port(), "/api/v1/pods?watch=1&allowWatchBookmarks=true&resourceVersion=" + rv);
  Watch without(server.port(), "/api/v1/pods?watch=1&resourceVersion=" + rv);
  ASSERT_TRUE(wait_until([&] { return server.open_watches() == 2; }));
  server.put_namespace(KubeApiTestServer::namespace_json("other", {}));  // moves the global revision
  server.send_bookmarks();
  std::string bookmark = with.next();
  EXPECT_EQ(bookmark, R"({"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"3"}}})");
  server.put_pod(pod("b", "node-1"));
  EXPECT_EQ(string_at(without.next(), "/type"), "ADDED");  // no bookmark before it
}

TEST_F(KubeApiTestServerTest, AWrongTokenIs401UntilTheTokenRotatesToIt) {
  Answer a = get(server, "/api/v1/namespaces", "second");
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(a.body, R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})");
  EXPECT_EQ(Watch(server.port(), "/api/v1/pods?watch=1", "second").status(), 401);
  server.set_token("second");
  EXPECT_EQ(get(server, "/api/v1/namespaces", "second").status, 200);
  EXPECT_EQ(get(server, "/api/v1/namespaces").status, 401);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].authorization, "Bearer second");
  EXPECT_EQ(seen[1].status, 401);
  EXPECT_TRUE(seen[1].watch);
  EXPECT_EQ(seen[2].target, "/api/v1/namespaces");
  EXPECT_EQ(seen[2].status, 200);
}

TEST_F(KubeApiTestServerTest, TimeoutSecondsAndCloseWatchesEndTheStreamCleanly) {
  auto start = std::chrono::steady_clock::now();
  Watch timed(server.port(), "/api/v1/pods?watch=1&timeoutSeconds=1&resourceVersion=0");
  EXPECT_TRUE(timed.ended(seconds(5)));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, milliseconds(1000));
  EXPECT_LT(took, milliseconds(3000));
  Watch closed(server.port(), "/api/v1/namespaces?watch=1&resourceVersion=0");
  ASSERT_TRUE(wait_until([&] { return server.open_watches() == 1; }));
  server.close_watches();
  EXPECT_TRUE(closed.ended(seconds(5)));
  EXPECT_TRUE(wait_until([&] { return server.open_watches() == 0; }));
}

TEST_F(KubeApiTestServerTest, ADelayComesBeforeEveryAnswerAndFailuresAreStatuses) {
  server.set_delay_ms(300);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(get(server, "/version").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(300));
  server.set_delay_ms(0);
  server.fail_requests(2, 503);
  Answer failed = get(server, "/api/v1/pods");
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(string_at(failed.body, "/reason"), "ServiceUnavailable");
  EXPECT_EQ(get(server, "/api/v1/pods").status, 503);
  EXPECT_EQ(get(server, "/api/v1/pods").status, 200);
}

TEST_F(KubeApiTestServerTest, OnePodOrNamespaceByNameAsMmkubernetesAsksIsFoundOr404) {
  server.put_namespace(KubeApiTestServer::namespace_json("shop", {{"team", "payments"}}));
  server.put_pod(KubeApiTestServer::pod_json("shop", "db-0", "node-1", "u2", {{"app", "db"}}, {}, "StatefulSet", "db"));
  Answer p = get(server, "/api/v1/namespaces/shop/pods/db-0");
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(string_at(p.body, "/metadata/ownerReferences/0/kind"), "StatefulSet");
  EXPECT_EQ(string_at(p.body, "/metadata/ownerReferences/0/apiVersion"), "apps/v1");
  EXPECT_EQ(string_at(p.body, "/spec/nodeName"), "node-1");
  EXPECT_EQ(string_at(get(server, "/api/v1/namespaces/shop").body, "/metadata/labels/team"), "payments");
  Answer missing = get(server, "/api/v1/namespaces/shop/pods/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(string_at(missing.body, "/reason"), "NotFound");
  EXPECT_EQ(string_at(missing.body, "/message"), "pods \"nope\" not found");
  EXPECT_EQ(get(server, "/api/v1/namespaces/nope").status, 404);
  EXPECT_EQ(string_at(get(server, "/api/v1/services").body, "/reason"), "NotFound");  // not served here
  server.delete_namespace("shop");
  EXPECT_EQ(get(server, "/api/v1/namespaces/shop").status, 404);
}

TEST_F(KubeApiTestServerTest, KeepsConnectionsAliveAndItsStateAcrossStopAndStart) {
  server.put_pod(pod("a", "node-1"));
  int fd = tcp_connect(server.port());
  std::string one = "GET /version HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-token\r\n\r\n";
  ASSERT_TRUE(send_all(fd, one + one));
  std::string both = read_until_closed(fd, milliseconds(500));
  ::close(fd);
  EXPECT_EQ(both.find("HTTP/1.1 200"), 0u);
  EXPECT_NE(both.find("HTTP/1.1 200", 10), std::string::npos);
  uint16_t port = server.port();
  Watch w(port, "/api/v1/pods?watch=1&resourceVersion=1");
  ASSERT_TRUE(wait_until([&] { return server.open_watches() == 1; }));
  server.stop();  // the watch goes with it
  EXPECT_EQ(server.open_watches(), 0);
  EXPECT_FALSE(tcp_port_open(port));
  ASSERT_TRUE(server.start());
  EXPECT_EQ(server.port(), port);
  EXPECT_EQ(item_names(get(server, "/api/v1/pods").body), std::vector<std::string>{"a"});
}

TEST_F(KubeApiTestServerTest, ServesHttpsWithItsCertificate) {
  TempDir dir;
  make_certs(dir);
  KubeApiTestServer tls({.token = "t", .tls_cert_file = (dir / "server.pem").string(),
                         .tls_key_file = (dir / "server.key").string()});
  ASSERT_TRUE(tls.start());
  EXPECT_EQ(tls.url().rfind("https://127.0.0.1:", 0), 0u);
  // The certificate is for the name "server" (no IP address in it): curl resolves it to us.
  std::string port = std::to_string(tls.port());
  std::string cmd = "curl -sS --cacert " + (dir / "ca.pem").string() + " --resolve server:" + port +
                    ":127.0.0.1 -H 'Authorization: Bearer t' https://server:" + port + "/api/v1/namespaces";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  std::string out(buf, std::fread(buf, 1, sizeof buf, p));
  ::pclose(p);
  EXPECT_EQ(string_at(out, "/kind"), "NamespaceList");
}

// rsyslog's mmkubernetes, a real client of the API, reads a pod and its namespace by name.
TEST_F(KubeApiTestServerTest, RsyslogsMmkubernetesGetsThePodAndNamespaceOfALogFile) {
  if (!have_mmkubernetes()) GTEST_SKIP() << "rsyslog's mmkubernetes is not in .peers (scripts/install-peers.sh)";
  server.set_token("from-file");
  server.put_namespace(KubeApiTestServer::namespace_json("shop", {{"team", "payments"}}));
  server.put_pod(KubeApiTestServer::pod_json("shop", "web-1", "node-1", "uid-web-1", {{"app", "web"}}, {}));
  TempDir dir;
  std::string d = dir.path().string(), id(64, 'a');
  dir.write("token", "from-file");
  dir.write("logs/web-1_shop_app-" + id + ".log", "hello from web\n");
  dir.write("logs/gone-1_shop_app-" + id + ".log", "hello from a pod the API does not know\n");
  auto conf = dir.write("rsyslog.conf",
      "global(workDirectory=\"" + d + "\")\nmodule(load=\"imfile\")\nmodule(load=\"mmkubernetes\")\n"
      "input(type=\"imfile\" file=\"" + d + "/logs/*.log\" tag=\"k8s\" addmetadata=\"on\")\n"
      "action(type=\"mmkubernetes\" kubernetesurl=\"" + server.url() + "\" tokenfile=\"" + d + "/token\"\n"
      "       filenamerules=\"rule=:" + d + "/logs/%pod_name:char-to:_%_%namespace_name:char-to:_%_"
      "%container_name_and_id:char-to:.%.log\")\n"
      "template(name=\"t\" type=\"string\" string=\"%$!kubernetes!pod_name% app=%$!kubernetes!labels!app% "
      "team=%$!kubernetes!namespace_labels!team% uid=%$!kubernetes!pod_id% %msg%\\n\")\n"
      "action(type=\"omfile\" file=\"" + d + "/out.log\" template=\"t\")\n");
  ChildProcess rsyslogd({{rsyslogd_path().string(), "-n", "-M", rsyslog_module_dir().string(), "-f", conf.string(),
                          "-i", d + "/rsyslog.pid"}, {}, dir.path(), "rsyslogd"});
  auto out = [&] { return std::filesystem::exists(dir / "out.log") ? read_file(dir / "out.log") : ""; };
  ASSERT_TRUE(wait_until([&] { return out().find("gone-1") != std::string::npos &&
                                      out().find("web-1") != std::string::npos; }, seconds(15), "rsyslog's output"))
      << out() << rsyslogd.err();
  EXPECT_NE(out().find("web-1 app=web team=payments uid=uid-web-1 hello from web\n"), std::string::npos) << out();
  // A 404 for the pod: no pod metadata, but its namespace's.
  EXPECT_NE(out().find("gone-1 app= team=payments uid= hello from a pod"), std::string::npos) << out();
  bool pod = false, ns = false, missing = false;
  for (const auto& r : server.requests()) {
    EXPECT_EQ(r.authorization, "Bearer from-file");
    pod |= r.target == "/api/v1/namespaces/shop/pods/web-1" && r.status == 200;
    ns |= r.target == "/api/v1/namespaces/shop" && r.status == 200;
    missing |= r.target == "/api/v1/namespaces/shop/pods/gone-1" && r.status == 404;
  }
  EXPECT_TRUE(missing);
  EXPECT_TRUE(pod);
  EXPECT_TRUE(ns);
}

}  // namespace
}  // namespace logferry::testing

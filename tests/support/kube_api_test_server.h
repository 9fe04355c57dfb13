// KubeApiTestServer: stands in for the Kubernetes API server in tests and benchmarks (no real
// API server can be installed on these machines: neither kube-apiserver nor etcd is a Debian 12
// package). A real HTTP/1.1 server (standalone Asio, keep-alive, optional TLS) on 127.0.0.1 that
// implements what the kubernetes_metadata transform and rsyslog's mmkubernetes read, with the
// shapes of the v1 API:
//   GET /api/v1/pods, /api/v1/namespaces/NS/pods   PodList; fieldSelector spec.nodeName,
//                                                  metadata.namespace, metadata.name (=, ==, !=);
//                                                  limit + continue paging over a snapshot
//                                                  (metadata.continue, remainingItemCount)
//   GET /api/v1/namespaces                         NamespaceList, the same way
//   ... ?watch=1|true                              chunked, one {"type","object"} per line:
//                                                  ADDED/MODIFIED/DELETED (as the field selector
//                                                  sees them), BOOKMARK with allowWatchBookmarks,
//                                                  replay after resourceVersion from a bounded
//                                                  history, ERROR 410 Expired when it is older
//                                                  than the compaction point, timeoutSeconds;
//                                                  no resourceVersion (or "0"): the current
//                                                  objects as ADDED first (sendInitialEvents=true
//                                                  ends them with the initial-events-end bookmark)
//   GET /api/v1/namespaces/NAME                    Namespace or 404 Status NotFound
//   GET /api/v1/namespaces/NS/pods/NAME            Pod or 404 Status NotFound
//   GET /version, /healthz                         for clients that probe first
// Every answer needs `Authorization: Bearer TOKEN` (401 Status otherwise; an empty token accepts
// anything). Errors are v1 Status objects. A list with resourceVersion is served from the current
// state, as the API's default (NotOlderThan) does; with resourceVersionMatch=Exact and a compacted
// resourceVersion it is 410. Faults: token rotation, a delay, compaction, bookmarks on demand,
// watches ended, requests answered with a status, stop()/start() on the same port.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace logferry::testing {

class KubeApiTestServer {
 public:
  struct Options {
    uint16_t port = 0;  // 0: the kernel picks (then kept across stop()/start())
    std::string token = "test-token";
    std::string tls_cert_file{};  // PEM; TLS when set ({} lets designated initializers skip them)
    std::string tls_key_file{};
  };
  struct Request {
    std::string method, target /*path+query as sent*/, authorization;
    int status = 0;
    bool watch = false;
  };

  explicit KubeApiTestServer(Options options);
  ~KubeApiTestServer();
  KubeApiTestServer(const KubeApiTestServer&) = delete;
  KubeApiTestServer& operator=(const KubeApiTestServer&) = delete;

  bool start();  // listens (again) on options.port, or a new port the first time it is 0
  void stop();   // closes the listener and every connection, watches included
  uint16_t port() const;
  std::string url() const;  // "http://127.0.0.1:PORT" or https

  // Objects are the API's JSON (a v1 Pod / v1 Namespace). The server assigns
  // metadata.resourceVersion (one global counter, as etcd's revision) on every change and
  // notifies the matching watches.
  void put_pod(const std::string& pod_json);  // ADDED if new (by namespace/name), else MODIFIED
  void delete_pod(const std::string& ns, const std::string& name);  // DELETED (object: last state)
  void put_namespace(const std::string& ns_json);
  void delete_namespace(const std::string& name);
  // A realistic Pod (one container, Running, an owner reference when owner_kind is set).
  static std::string pod_json(std::string ns, std::string name, std::string node, std::string uid,
                              std::map<std::string, std::string> labels,
                              std::map<std::string, std::string> annotations, std::string owner_kind = "",
                              std::string owner_name = "");
  static std::string namespace_json(std::string name, std::map<std::string, std::string> labels);

  // Faults.
  void set_token(const std::string& token);  // the accepted bearer token from now on (rotation)
  void set_delay_ms(int ms);                 // before every response (a slow API)
  void compact();        // every resourceVersion handed out so far is too old: 410 from it
  void send_bookmarks();  // every open watch with allowWatchBookmarks=true gets a BOOKMARK now
  void close_watches();   // ends every open watch stream cleanly (as the API's timeout does)
  void fail_requests(int count, int status);  // the next `count` requests answered with a Status

  // What it saw.
  std::vector<Request> requests() const;
  int open_watches() const;
  std::string resource_version() const;  // the current global one

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace logferry::testing

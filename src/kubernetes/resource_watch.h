// ResourceWatch: keeps a local copy of one kind of API object current, the way client-go's
// reflector does: list (paged, `limit`+`continue`), then watch from the list's
// `resourceVersion` with bookmarks; a watch that ends is resumed from the last version seen;
// `410 Gone` (the version was compacted away) means list again; errors (refused, 5xx, 401 with
// an expired token) are retried with backoff and the token re-read. Blocking HTTP on the
// watch's own thread: nothing here ever runs on a pipeline thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/backoff.h"
#include "core/metrics.h"
#include "net/http_client.h"
#include "kubernetes/kube_api_config.h"

namespace logferry::k8s {

class ResourceWatch {
 public:
  struct Handlers {
    std::function<void()> begin_list;
    std::function<void(simdjson::dom::element)> listed;
    std::function<void()> end_list;
    // type: ADDED, MODIFIED or DELETED.
    std::function<void(std::string_view type, simdjson::dom::element object)> changed;
    // A BOOKMARK: nothing changed, time passed (the API sends one about every minute).
    std::function<void()> bookmarked;
  };
  struct Counters {
    Counter& request_errors;
    Counter& relists;
    Counter& watch_events;
  };
  struct Target {
    std::string resource;  // "pods", for logs and metrics
    std::string path;      // "/api/v1/pods"
    std::string selector;  // "fieldSelector=spec.nodeName%3Dnode-1", or empty
  };
  ResourceWatch(Target target, KubeApiConfig config, Handlers handlers, Counters counters);

  // Lists and watches until `stop`.
  void run(std::stop_token stop);
  // Watches end (cleanly) after this many seconds and are resumed: as client-go, so that a
  // load balancer's idle timeout never silently stalls one. Default 300.
  void set_watch_timeout_seconds(int s) { watch_timeout_s_ = s; }

 private:
  enum class Outcome { kResume, kRelist, kFailed };
  bool list(std::stop_token& stop);
  Outcome watch(std::stop_token& stop);
  Outcome on_watch_line(std::string_view line);
  bool fetch(const std::string& target, std::string& body, long& status);
  void failed(const std::string& why);
  void recovered();
  void pause(std::stop_token& stop);

  Target target_;
  KubeApiConfig config_;
  Handlers handlers_;
  Counters counters_;
  net::HttpClient http_;
  simdjson::dom::parser parser_;
  std::string resource_version_;  // empty: list first
  std::string pending_;           // a watch line not yet complete
  Backoff backoff_{std::chrono::milliseconds(500), std::chrono::seconds(30)};
  std::string last_error_;        // logged once per change, not once per attempt
  int watch_timeout_s_ = 300;
  std::mutex sleep_mu_;
  std::condition_variable_any sleep_cv_;
};

}  // namespace logferry::k8s

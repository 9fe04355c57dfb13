// KubeApiTestServer: see the header. One thread accepts; each connection has its own thread
// with blocking reads and writes. A watch holds its connection's thread: it waits on one
// condition variable that every change, bookmark request, close_watches() and stop() signal.
#include "support/kube_api_test_server.h"

#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "core/json.h"
#include "support/test_http_listener.h"

namespace logferry::testing {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kHistoryEvents = 10000;  // events kept for watches that resume
constexpr std::size_t kSnapshots = 32;         // list snapshots kept for continue tokens

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string json_map(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) out += (out.size() > 1 ? "," : "") + json_string(k) + ":" + json_string(v);
  return out + "}";
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (r.ec == std::errc() && r.ptr == s.data() + i + 3) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    std::size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    std::size_t eq = part.find('=');
    out[url_decode(part.substr(0, eq))] = eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1));
    q = amp == std::string_view::npos ? "" : q.substr(amp + 1);
  }
  return out;
}

constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view in) {  // no padding, as the API's continue tokens
  std::string out;
  uint32_t bits = 0;
  int n = 0;
  for (unsigned char c : in) {
    bits = (bits << 8) | c;
    for (n += 8; n >= 6; n -= 6) out += kBase64Url[(bits >> (n - 6)) & 63];
  }
  if (n > 0) out += kBase64Url[(bits << (6 - n)) & 63];
  return out;
}

std::optional<std::string> unbase64url(std::string_view in) {
  std::string out;
  uint32_t bits = 0;
  int n = 0;
  for (char c : in) {
    std::size_t v = kBase64Url.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if ((n += 6) >= 8) out += static_cast<char>((bits >> (n -= 8)) & 0xff);
  }
  return out;
}

std::string_view reason_of(int code) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 409: return "Conflict";
    case 410: return "Expired";
    case 429: return "TooManyRequests";
    case 504: return "Timeout";
    case 503: return "ServiceUnavailable";
    default: return "InternalError";
  }
}

std::string_view status_text(int code) {
  switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Internal Server Error";
  }
}

// A v1 Status, the body of every error (and of a watch's ERROR event).
std::string status_json(int code, std::string_view message, std::string_view details = "") {
  std::string out = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":)" +
                    json_string(message) + R"(,"reason":")" + std::string(reason_of(code)) + "\"";
  if (!details.empty()) out += R"(,"details":)" + std::string(details);
  return out + R"(,"code":)" + std::to_string(code) + "}";
}

std::string not_found(std::string_view kind, std::string_view name) {
  return status_json(404, std::string(kind) + " \"" + std::string(name) + "\" not found",
                     R"({"name":)" + json_string(name) + R"(,"kind":")" + std::string(kind) + "\"}");
}

std::string too_old(uint64_t rv, uint64_t current) {
  return status_json(410, "too old resource version: " + std::to_string(rv) + " (" + std::to_string(current) + ")");
}

// What selectors and keys need from an object.
struct Meta {
  std::string ns, name, node;
};

struct Stored {
  Meta meta;
  std::string json;  // with its metadata.resourceVersion
};
using StoredPtr = std::shared_ptr<const Stored>;
using Snapshot = std::vector<std::pair<std::string, StoredPtr>>;  // a store at one revision, by key

// Re-serializes `json` with metadata.resourceVersion set to `rv`; reads its Meta on the way.
std::optional<Stored> with_resource_version(const std::string& json, uint64_t rv) {
  simdjson::dom::parser parser;
  simdjson::dom::object top;
  if (parser.parse(json).get(top) != simdjson::SUCCESS) return std::nullopt;
  Stored s;
  std::string_view sv;
  if (top.at_pointer("/metadata/namespace").get(sv) == simdjson::SUCCESS) s.meta.ns = sv;
  if (top.at_pointer("/metadata/name").get(sv) == simdjson::SUCCESS) s.meta.name = sv;
  if (top.at_pointer("/spec/nodeName").get(sv) == simdjson::SUCCESS) s.meta.node = sv;
  std::string rv_field = "\"resourceVersion\":\"" + std::to_string(rv) + "\"";
  std::string out = "{";
  bool had_metadata = false;
  for (auto [key, value] : top) {
    if (out.size() > 1) out += ',';
    out += json_string(key) + ":";
    simdjson::dom::object meta;
    if (key != "metadata" || value.get(meta) != simdjson::SUCCESS) {
      out += simdjson::minify(value);
      continue;
    }
    had_metadata = true;
    std::string fields;
    for (auto [mk, mv] : meta) {
      if (mk != "resourceVersion") fields += json_string(mk) + ":" + simdjson::minify(mv) + ",";
    }
    out += "{" + fields + rv_field + "}";
  }
  if (!had_metadata) out += std::string(out.size() > 1 ? "," : "") + "\"metadata\":{" + rv_field + "}";
  s.json = out + "}";
  return s;
}

// A fieldSelector: terms joined by ',' (key=value, key==value, key!=value).
struct Selector {
  struct Term {
    std::string key, value;
    bool equal = true;
  };
  std::vector<Term> terms;
  std::string error;  // a field the API does not support for this resource

  static Selector parse(std::string_view text) {
    Selector sel;
    while (!text.empty()) {
      std::size_t comma = text.find(',');
      std::string_view term = text.substr(0, comma);
      text = comma == std::string_view::npos ? "" : text.substr(comma + 1);
      std::size_t op = term.find_first_of("!=");
      if (op == std::string_view::npos) {
        sel.error = "invalid selector: '" + std::string(term) + "'; can't understand '" + std::string(term) + "'";
        continue;
      }
      Term t{std::string(term.substr(0, op)), "", term[op] != '!'};
      std::size_t value_at = op + 1 + (term.substr(op, 2) == "!=" || term.substr(op, 2) == "==");
      t.value = std::string(term.substr(std::min(value_at, term.size())));
      if (t.key != "spec.nodeName" && t.key != "metadata.namespace" && t.key != "metadata.name")
        sel.error = "field label not supported: " + t.key;
      sel.terms.push_back(std::move(t));
    }
    return sel;
  }
  bool matches(const Meta& m) const {
    for (const auto& t : terms) {
      const std::string& v = t.key == "spec.nodeName" ? m.node : t.key == "metadata.namespace" ? m.ns : m.name;
      if ((v == t.value) != t.equal) return false;
    }
    return true;
  }
};

// One change, as etcd keeps it: the states before and after (absent when added / deleted).
struct Event {
  bool pods = true;
  uint64_t rv = 0;
  std::optional<Meta> before, after;
  std::string object;  // the new state, or the last one when deleted
};

// What one list or watch asks for.
struct Query {
  bool pods = true;
  std::string ns;  // /api/v1/namespaces/NS/pods
  Selector selector;
  std::map<std::string, std::string> params;

  bool matches(const Meta& m) const { return (ns.empty() || m.ns == ns) && selector.matches(m); }
  bool watch() const {
    auto it = params.find("watch");
    return it != params.end() && (it->second == "1" || it->second == "true");
  }
  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? "" : it->second;
  }
};

struct Reply {
  int status = 200;
  std::string body;
};

std::string chunk(std::string_view line) {
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", line.size() + 1);
  return size + std::string(line) + "\n\r\n";
}

std::string event_line(std::string_view type, std::string_view object) {
  return R"({"type":")" + std::string(type) + R"(","object":)" + std::string(object) + "}";
}

}  // namespace

struct KubeApiTestServer::Impl {
  explicit Impl(Options o)
      : options(std::move(o)),
        listener(options.tls_cert_file, options.tls_key_file, [this](HttpConnection& c) { serve(c); }) {}

  Options options;
  TestHttpListener listener;
  std::atomic<int> watches{0};

  mutable std::mutex mu;
  std::condition_variable changed;  // a new event, bookmarks, close_watches(), stop()
  std::vector<Request> requests;
  std::string token;
  int delay_ms = 0, fail_count = 0, fail_status = 0;

  // The store: one global resourceVersion, the objects, their recent history.
  // A fresh etcd is at revision 1: a list never says "0", which a watch would take as "any".
  uint64_t rv = 1, compacted_rv = 0;
  std::map<std::string, StoredPtr> pods;        // "namespace/name"
  std::map<std::string, StoredPtr> namespaces;  // name
  std::deque<Event> history;
  uint64_t history_base = 0;  // the absolute index of history.front()
  uint64_t bookmark_round = 0, close_round = 0;
  std::map<uint64_t, std::shared_ptr<const Snapshot>> snapshots[2];  // by revision; [0] namespaces, [1] pods

  void serve(HttpConnection& c);
  bool answer(HttpConnection& c, const HttpMessage& m);
  bool send(HttpConnection& c, const Reply& r, bool keep_alive);
  std::optional<Reply> refused(const HttpMessage& m);
  Reply route(const HttpMessage& m, std::optional<Query>& watch);
  Reply get_one(std::map<std::string, StoredPtr>& store, std::string_view kind, const std::string& key,
                std::string_view name);
  Reply list(const Query& q);
  bool watch(HttpConnection& c, const Query& q);
  bool watch_start(const Query& q, std::string& out, uint64_t& cursor);
  enum class Next { kMore, kEnd, kGone };
  Next watch_collect(const Query& q, uint64_t& cursor, uint64_t& bookmarks, uint64_t closes, std::string& out);
  std::string bookmark(const Query& q, bool initial_end) const;
  void record(Event e);
  void put(bool is_pods, const std::string& json);
  void remove(bool is_pods, const std::string& key);
  std::map<std::string, StoredPtr>& store(bool is_pods) { return is_pods ? pods : namespaces; }
};

KubeApiTestServer::KubeApiTestServer(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->token = impl_->options.token;
}

KubeApiTestServer::~KubeApiTestServer() { stop(); }

bool KubeApiTestServer::start() { return impl_->listener.start(impl_->options.port); }
void KubeApiTestServer::stop() {
  impl_->listener.stop([this] { impl_->changed.notify_all(); });  // watches waiting see !running
}
uint16_t KubeApiTestServer::port() const { return impl_->listener.port(); }
std::string KubeApiTestServer::url() const {
  return std::string(impl_->listener.tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}

void KubeApiTestServer::put_pod(const std::string& pod_json) { impl_->put(true, pod_json); }
void KubeApiTestServer::delete_pod(const std::string& ns, const std::string& name) { impl_->remove(true, ns + "/" + name); }
void KubeApiTestServer::put_namespace(const std::string& ns_json) { impl_->put(false, ns_json); }
void KubeApiTestServer::delete_namespace(const std::string& name) { impl_->remove(false, name); }

namespace {
std::string owner_api_version(const std::string& kind) {
  if (kind == "ReplicaSet" || kind == "StatefulSet" || kind == "DaemonSet" || kind == "Deployment") return "apps/v1";
  if (kind == "Job" || kind == "CronJob") return "batch/v1";
  return "v1";
}
}  // namespace

std::string KubeApiTestServer::pod_json(std::string ns, std::string name, std::string node, std::string uid,
                                        std::map<std::string, std::string> labels,
                                        std::map<std::string, std::string> annotations, std::string owner_kind,
                                        std::string owner_name) {
  std::string meta = R"("name":)" + json_string(name) + R"(,"namespace":)" + json_string(ns) + R"(,"uid":)" + json_string(uid) +
                     R"(,"creationTimestamp":"2026-12-01T10:00:00Z")";
  if (!labels.empty()) meta += R"(,"labels":)" + json_map(labels);
  if (!annotations.empty()) meta += R"(,"annotations":)" + json_map(annotations);
  if (!owner_kind.empty()) {
    meta += R"(,"ownerReferences":[{"apiVersion":")" + owner_api_version(owner_kind) + R"(","kind":)" +
            json_string(owner_kind) + R"(,"name":)" + json_string(owner_name) + R"(,"uid":)" + json_string("owner-" + uid) +
            R"(,"controller":true,"blockOwnerDeletion":true}])";
  }
  std::string image = "registry.example.com/" + name + ":1.0";
  return R"({"kind":"Pod","apiVersion":"v1","metadata":{)" + meta + R"(},"spec":{"containers":[{"name":"app","image":)" +
         json_string(image) + R"(,"resources":{},"imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always",)"
         R"("serviceAccountName":"default","nodeName":)" + json_string(node) +
         R"(},"status":{"phase":"Running","hostIP":"10.0.0.10","podIP":"10.244.1.7",)"
         R"("startTime":"2026-12-01T10:00:00Z","containerStatuses":[{"name":"app","ready":true,"restartCount":0,)"
         R"("image":)" + json_string(image) + R"(,"imageID":)" + json_string(image + "@sha256:" + std::string(64, '0')) +
         R"(,"containerID":)" + json_string("containerd://" + std::string(64, 'a')) + R"(,"started":true}]}})";
}

std::string KubeApiTestServer::namespace_json(std::string name, std::map<std::string, std::string> labels) {
  std::string meta = R"("name":)" + json_string(name) + R"(,"uid":)" + json_string("ns-uid-" + name) +
                     R"(,"creationTimestamp":"2026-12-01T09:00:00Z")";
  if (!labels.empty()) meta += R"(,"labels":)" + json_map(labels);
  return R"({"kind":"Namespace","apiVersion":"v1","metadata":{)" + meta +
         R"(},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}})";
}

void KubeApiTestServer::set_token(const std::string& token) {
  std::lock_guard lock(impl_->mu);
  impl_->token = token;
}
void KubeApiTestServer::set_delay_ms(int ms) {
  std::lock_guard lock(impl_->mu);
  impl_->delay_ms = ms;
}
void KubeApiTestServer::compact() {
  Impl& d = *impl_;
  std::lock_guard lock(d.mu);
  // A revision of its own (no event), so that a list made after compact() gives a
  // resourceVersion that can be watched from while every earlier one is too old.
  d.compacted_rv = ++d.rv;
  d.history_base += d.history.size();
  d.history.clear();
  d.snapshots[0].clear();
  d.snapshots[1].clear();
}
void KubeApiTestServer::send_bookmarks() {
  {
    std::lock_guard lock(impl_->mu);
    ++impl_->bookmark_round;
  }
  impl_->changed.notify_all();
}
void KubeApiTestServer::close_watches() {
  {
    std::lock_guard lock(impl_->mu);
    ++impl_->close_round;
  }
  impl_->changed.notify_all();
}
void KubeApiTestServer::fail_requests(int count, int status) {
  std::lock_guard lock(impl_->mu);
  impl_->fail_count = count;
  impl_->fail_status = status;
}
std::vector<KubeApiTestServer::Request> KubeApiTestServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}
int KubeApiTestServer::open_watches() const { return impl_->watches; }
std::string KubeApiTestServer::resource_version() const {
  std::lock_guard lock(impl_->mu);
  return std::to_string(impl_->rv);
}

// --- The store ---------------------------------------------------------------------------

void KubeApiTestServer::Impl::record(Event e) {
  history.push_back(std::move(e));
  while (history.size() > kHistoryEvents) {
    compacted_rv = history.front().rv;  // a watch from before it can no longer be replayed
    history.pop_front();
    ++history_base;
  }
}

void KubeApiTestServer::Impl::put(bool is_pods, const std::string& json) {
  {
    std::lock_guard lock(mu);
    auto stored = with_resource_version(json, rv + 1);
    if (!stored) return;
    ++rv;
    std::string key = is_pods ? stored->meta.ns + "/" + stored->meta.name : stored->meta.name;
    auto& objects = store(is_pods);
    Event e{is_pods, rv, std::nullopt, stored->meta, stored->json};
    if (auto it = objects.find(key); it != objects.end()) e.before = it->second->meta;
    objects[key] = std::make_shared<const Stored>(std::move(*stored));
    record(std::move(e));
  }
  changed.notify_all();
}

void KubeApiTestServer::Impl::remove(bool is_pods, const std::string& key) {
  {
    std::lock_guard lock(mu);
    auto& objects = store(is_pods);
    auto it = objects.find(key);
    if (it == objects.end()) return;
    auto last = with_resource_version(it->second->json, ++rv);  // the deletion's revision
    record(Event{is_pods, rv, it->second->meta, std::nullopt, last->json});
    objects.erase(it);
  }
  changed.notify_all();
}

// --- HTTP --------------------------------------------------------------------------------

void KubeApiTestServer::Impl::serve(HttpConnection& c) {
  HttpMessage m;
  while (listener.running() && c.read_request(m) && answer(c, m)) {
  }
}

// Answers one request; false when the connection is to be closed.
bool KubeApiTestServer::Impl::answer(HttpConnection& c, const HttpMessage& m) {
  Request rec{m.method, m.target, "", 0, false};
  if (auto it = m.headers.find("authorization"); it != m.headers.end()) rec.authorization = it->second;
  std::optional<Query> watch_query;
  std::optional<Reply> reply = refused(m);
  if (!reply) reply = route(m, watch_query);
  rec.status = reply->status;
  Query asked;
  asked.params = parse_query(m.query);
  rec.watch = asked.watch();
  int delay;
  {
    std::lock_guard lock(mu);
    requests.push_back(rec);
    delay = delay_ms;
  }
  if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  auto conn = m.headers.find("connection");
  bool keep_alive = conn == m.headers.end() || conn->second != "close";
  if (watch_query) return watch(c, *watch_query) && keep_alive;
  return send(c, *reply, keep_alive) && keep_alive;
}

bool KubeApiTestServer::Impl::send(HttpConnection& c, const Reply& r, bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + std::string(status_text(r.status)) +
                    "\r\nContent-Type: application/json\r\nCache-Control: no-cache, private\r\n"
                    "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  if (r.status == 429) out += "Retry-After: 1\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  return c.write(out + "\r\n" + r.body);
}

// An injected failure or a missing/wrong bearer token.
std::optional<Reply> KubeApiTestServer::Impl::refused(const HttpMessage& m) {
  std::lock_guard lock(mu);
  if (fail_count > 0) {
    --fail_count;
    return Reply{fail_status, status_json(fail_status, fail_status == 429 ? "too many requests, please try again later"
                                                                          : "injected failure")};
  }
  auto it = m.headers.find("authorization");
  if (!token.empty() && (it == m.headers.end() || it->second != "Bearer " + token))
    return Reply{401, status_json(401, "Unauthorized")};
  return std::nullopt;
}

namespace {
std::vector<std::string> path_segments(std::string_view path) {  // "/api/v1/pods" -> api, v1, pods
  std::vector<std::string> parts;
  for (std::size_t pos = 1; pos < path.size();) {
    std::size_t slash = std::min(path.find('/', pos), path.size());
    parts.push_back(url_decode(path.substr(pos, slash - pos)));
    pos = slash + 1;
  }
  return parts;
}
}  // namespace

// A reply, or a list or watch to serve (then `watch_query` is set).
Reply KubeApiTestServer::Impl::route(const HttpMessage& m, std::optional<Query>& watch_query) {
  if (m.method != "GET") return {405, status_json(405, "the server does not allow this method on the requested resource")};
  if (m.path == "/version")
    return {200, R"({"major":"1","minor":"28","gitVersion":"v1.28.4","platform":"linux/amd64"})"};
  if (m.path == "/healthz" || m.path == "/readyz" || m.path == "/livez") return {200, "ok"};
  Reply unknown{404, status_json(404, "the server could not find the requested resource")};
  std::vector<std::string> parts = path_segments(m.path);
  std::size_t n = parts.size();
  if (n < 3 || parts[0] != "api" || parts[1] != "v1") return unknown;
  bool in_namespace = n >= 4 && parts[2] == "namespaces";
  if (n == 4 && in_namespace) {
    std::lock_guard lock(mu);
    return get_one(namespaces, "namespaces", parts[3], parts[3]);
  }
  if (n == 6 && in_namespace && parts[4] == "pods") {
    std::lock_guard lock(mu);
    return get_one(pods, "pods", parts[3] + "/" + parts[5], parts[5]);
  }
  Query q;
  if (n == 3 && parts[2] == "namespaces") q.pods = false;
  else if (n == 5 && in_namespace && parts[4] == "pods") q.ns = parts[3];
  else if (n != 3 || parts[2] != "pods") return unknown;
  q.params = parse_query(m.query);
  q.selector = Selector::parse(q.param("fieldSelector"));
  if (!q.selector.error.empty()) return {400, status_json(400, q.selector.error)};
  if (!q.watch()) return list(q);
  watch_query = std::move(q);
  return {200, ""};
}

Reply KubeApiTestServer::Impl::get_one(std::map<std::string, StoredPtr>& objects, std::string_view kind,
                                       const std::string& key, std::string_view name) {
  auto it = objects.find(key);
  if (it == objects.end()) return {404, not_found(kind, name)};
  return {200, it->second->json};
}

// --- Lists -------------------------------------------------------------------------------

namespace {
// A continue token as the API makes them: base64url of {"v","rv","start"}; start is the key
// after which the next page begins.
std::string continue_token(uint64_t rv, const std::string& after) {
  return base64url(R"({"v":"meta.k8s.io/v1","rv":)" + std::to_string(rv) + R"(,"start":)" + json_string(after) + "}");
}

bool parse_continue(const std::string& token, uint64_t& rv, std::string& after) {
  auto json = unbase64url(token);
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (!json || parser.parse(*json).get(e) != simdjson::SUCCESS) return false;
  std::string_view start;
  if (e["rv"].get(rv) != simdjson::SUCCESS || e["start"].get(start) != simdjson::SUCCESS) return false;
  after = start;
  return true;
}


// One page of `items` (sorted by key) after the key `after`, at revision `at`.
Reply page(const Query& q, const Snapshot& items, uint64_t at, const std::string& after) {
  std::size_t limit = std::strtoull(q.param("limit").c_str(), nullptr, 10);
  auto it = after.empty() ? items.begin()
                          : std::upper_bound(items.begin(), items.end(), after,
                                             [](const std::string& k, const auto& item) { return k < item.first; });
  std::string body, last;
  std::size_t count = 0;
  for (; it != items.end() && (limit == 0 || count < limit); ++it) {
    if (!q.matches(it->second->meta)) continue;
    body += (count++ ? "," : "") + it->second->json;
    last = it->first;
  }
  std::size_t remaining = 0;
  for (auto rest = it; rest != items.end(); ++rest) remaining += q.matches(rest->second->meta);
  std::string meta = R"("resourceVersion":")" + std::to_string(at) + "\"";
  if (remaining > 0) {
    meta += R"(,"continue":")" + continue_token(at, last) + "\"";
    if (q.selector.terms.empty() && q.ns.empty()) meta += R"(,"remainingItemCount":)" + std::to_string(remaining);
  }
  return {200, std::string(R"({"kind":")") + (q.pods ? "PodList" : "NamespaceList") +
                   R"(","apiVersion":"v1","metadata":{)" + meta + R"(},"items":[)" + body + "]}"};
}
}  // namespace

// A list reads one revision page after page: the first page takes a snapshot that the continue
// tokens of the next ones name (by revision), until compact() or newer snapshots drop it.
Reply KubeApiTestServer::Impl::list(const Query& q) {
  std::lock_guard lock(mu);
  auto& snaps = snapshots[q.pods ? 1 : 0];
  uint64_t at = rv;
  std::string after;
  std::string token = q.param("continue");
  std::string asked_rv = q.param("resourceVersion");
  if (!token.empty()) {
    if (!parse_continue(token, at, after)) return {400, status_json(400, "continue key is not valid")};
    if (!snaps.contains(at))
      return {410, status_json(410, "The provided continue parameter is too old to display a consistent list "
                                    "result. You can start a new list without the continue parameter.")};
  } else if (q.param("resourceVersionMatch") == "Exact" && !asked_rv.empty()) {
    uint64_t exact = std::strtoull(asked_rv.c_str(), nullptr, 10);
    if (exact < compacted_rv) return {410, too_old(exact, rv)};
  }
  if (!snaps.contains(at)) {
    snaps[at] = std::make_shared<const Snapshot>(store(q.pods).begin(), store(q.pods).end());
    while (snaps.size() > kSnapshots) snaps.erase(snaps.begin());
  }
  return page(q, *snaps[at], at, after);
}

// --- Watches -----------------------------------------------------------------------------

std::string KubeApiTestServer::Impl::bookmark(const Query& q, bool initial_end) const {
  std::string meta = R"("resourceVersion":")" + std::to_string(rv) + "\"";
  if (initial_end) meta += R"(,"annotations":{"k8s.io/initial-events-end":"true"})";
  return event_line("BOOKMARK", std::string(R"({"kind":")") + (q.pods ? "Pod" : "Namespace") +
                                    R"(","apiVersion":"v1","metadata":{)" + meta + "}}");
}

// The lines a watch starts with and the history index it goes on from; false: 410, end.
bool KubeApiTestServer::Impl::watch_start(const Query& q, std::string& out, uint64_t& cursor) {
  std::string from = q.param("resourceVersion");
  cursor = history_base + history.size();
  if (from.empty() || from == "0") {  // the current state as ADDED, then what changes
    for (const auto& [key, obj] : store(q.pods)) {
      if (q.matches(obj->meta)) out += chunk(event_line("ADDED", obj->json));
    }
    if (q.param("sendInitialEvents") == "true" && q.param("allowWatchBookmarks") == "true")
      out += chunk(bookmark(q, true));
    return true;
  }
  uint64_t since = std::strtoull(from.c_str(), nullptr, 10);
  if (since < compacted_rv) {
    out += chunk(event_line("ERROR", too_old(since, rv)));
    return false;
  }
  auto first = std::upper_bound(history.begin(), history.end(), since,
                                [](uint64_t v, const Event& e) { return v < e.rv; });
  cursor = history_base + static_cast<uint64_t>(first - history.begin());
  return true;
}

// Appends what is due to `out` (events from `cursor`, a bookmark); kEnd when the watch ends.
KubeApiTestServer::Impl::Next KubeApiTestServer::Impl::watch_collect(const Query& q, uint64_t& cursor,
                                                                     uint64_t& bookmarks, uint64_t closes,
                                                                     std::string& out) {
  if (cursor < history_base) {  // it fell behind the bounded history
    out += chunk(event_line("ERROR", too_old(history.empty() ? rv : history.front().rv - 1, rv)));
    return Next::kGone;
  }
  for (; cursor < history_base + history.size(); ++cursor) {
    const Event& e = history[cursor - history_base];
    if (e.pods != q.pods) continue;
    bool was = e.before && q.matches(*e.before), is = e.after && q.matches(*e.after);
    if (was || is) out += chunk(event_line(was && is ? "MODIFIED" : is ? "ADDED" : "DELETED", e.object));
  }
  if (bookmarks != bookmark_round) {
    bookmarks = bookmark_round;
    if (q.param("allowWatchBookmarks") == "true") out += chunk(bookmark(q, false));
  }
  return closes != close_round || !listener.running() ? Next::kEnd : Next::kMore;
}

bool KubeApiTestServer::Impl::watch(HttpConnection& c, const Query& q) {
  long timeout_s = std::strtol(q.param("timeoutSeconds").c_str(), nullptr, 10);
  auto deadline = timeout_s > 0 ? Clock::now() + std::chrono::seconds(timeout_s) : Clock::time_point::max();
  std::string out = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-cache, private\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n";
  uint64_t cursor, bookmarks, closes;
  bool open;
  {
    std::lock_guard lock(mu);
    open = watch_start(q, out, cursor);
    bookmarks = bookmark_round;
    closes = close_round;
  }
  ++watches;
  bool alive = c.write(out);
  for (Next next = open ? Next::kMore : Next::kGone; alive && next == Next::kMore;) {
    out.clear();
    {
      std::unique_lock lock(mu);
      // Woken by a change; every 200 ms anyway, to notice a client that went away.
      changed.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::milliseconds(200)), [&] {
        return cursor < history_base + history.size() || bookmarks != bookmark_round || closes != close_round ||
               !listener.running();
      });
      next = watch_collect(q, cursor, bookmarks, closes, out);
    }
    if (Clock::now() >= deadline && next == Next::kMore) next = Next::kEnd;
    alive = (out.empty() || c.write(out)) && !c.peer_closed();
  }
  --watches;
  return alive && listener.running() && c.write("0\r\n\r\n");
}

}  // namespace logferry::testing

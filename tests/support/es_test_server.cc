// EsTestServer: see the header. TestHttpListener gives each connection its own thread with
// blocking reads and writes (a handful of keep-alive connections is what the sink opens).
#include "support/es_test_server.h"

#include <simdjson.h>
#include <zlib.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "support/test_http_listener.h"

namespace logferry::testing {

namespace {

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string error_object(int status, const std::string& index, const std::string& id, int major) {
  std::string t, r, extra;
  switch (status) {
    case 400:
      t = "mapper_parsing_exception";
      r = "failed to parse field [level] of type [long] in document with id '" + id + "'";
      extra = R"(,"caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"x\""})";
      break;
    case 404:
      t = "index_not_found_exception";
      r = "no such index [" + index + "]";
      extra = R"(,"index":")" + json_escape(index) + "\"";
      break;
    case 409:
      t = "version_conflict_engine_exception";
      r = (major < 7 ? "[doc][" : "[") + id + "]: version conflict, document already exists (current version [1])";
      extra = R"(,"index_uuid":"5xLVEaDJQnCkfUpuZF3g3A","shard":"0","index":")" + json_escape(index) + "\"";
      break;
    case 429:
      t = "es_rejected_execution_exception";
      r = "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, "
          "replica_bytes=0, all_bytes=0, coordinating_operation_bytes=1024, max_coordinating_and_primary_bytes=0]";
      break;
    default:
      t = "unavailable_shards_exception";
      r = "[" + index + "][0] primary shard is not active Timeout: [1m]";
  }
  return R"({"type":")" + t + R"(","reason":")" + json_escape(r) + "\"" + extra + "}";
}

std::string status_text(int s) {
  switch (s) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

bool gunzip(std::string_view in, std::string& out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buf[65536];
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - z.avail_out);
  } while (rc != Z_STREAM_END);
  inflateEnd(&z);
  return rc == Z_STREAM_END;
}

struct Reply {
  int status = 200;
  std::string body;
  bool reset = false;  // cut the connection half-way through this answer
};

}  // namespace

struct EsTestServer::Impl {
  explicit Impl(Options o)
      : options(std::move(o)),
        listener(options.tls_cert_file, options.tls_key_file, [this](HttpConnection& c) { serve(c); }) {}

  Options options;
  TestHttpListener listener;
  int major = 7;
  int minor = 17;

  mutable std::mutex mu;
  std::vector<Document> docs;
  std::map<std::string, std::size_t> doc_by_key;
  std::vector<Request> requests;
  std::map<std::string, int> received;
  std::map<std::string, std::string> templates;
  std::vector<ItemFault> item_faults;
  int fail_count = 0, fail_status = 0, reset_count = 0, delay_ms = 0;
  uint64_t next_id = 0, seq_no = 0;
  std::atomic<uint64_t> items_seen{0}, bulk_requests{0};

  void serve(HttpConnection& c);
  Reply handle(HttpMessage& m, bool& head);
  Reply root(bool head);
  Reply template_api(HttpMessage& m, const std::string& kind, const std::string& name);
  Reply bulk(HttpMessage& m);
  Reply bulk_fast(const HttpMessage& m, std::string_view body);
  std::string item_result(const std::string& action, const std::string& index, const std::string& type,
                          const std::string& id, int status, int version, bool created, bool filtered);
};

EsTestServer::EsTestServer(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
  const std::string& v = impl_->options.version;
  impl_->major = std::atoi(v.c_str());
  auto dot = v.find('.');
  impl_->minor = dot == std::string::npos ? 0 : std::atoi(v.c_str() + dot + 1);
}

EsTestServer::~EsTestServer() { stop(); }

bool EsTestServer::start() { return impl_->listener.start(impl_->options.port); }
void EsTestServer::stop() { impl_->listener.stop(); }
uint16_t EsTestServer::port() const { return impl_->listener.port(); }
std::string EsTestServer::url() const {
  return std::string(impl_->listener.tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}

void EsTestServer::fail_requests(int count, int status) {
  std::lock_guard lock(impl_->mu);
  impl_->fail_count = count;
  impl_->fail_status = status;
}
void EsTestServer::add_item_fault(ItemFault fault) {
  std::lock_guard lock(impl_->mu);
  impl_->item_faults.push_back(std::move(fault));
}
void EsTestServer::reset_responses(int count) {
  std::lock_guard lock(impl_->mu);
  impl_->reset_count = count;
}
void EsTestServer::set_delay_ms(int ms) {
  std::lock_guard lock(impl_->mu);
  impl_->delay_ms = ms;
}
std::vector<EsTestServer::Document> EsTestServer::documents() const {
  std::lock_guard lock(impl_->mu);
  return impl_->docs;
}
std::vector<EsTestServer::Request> EsTestServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}
std::map<std::string, int> EsTestServer::received() const {
  std::lock_guard lock(impl_->mu);
  return impl_->received;
}
std::map<std::string, std::string> EsTestServer::templates() const {
  std::lock_guard lock(impl_->mu);
  return impl_->templates;
}
uint64_t EsTestServer::items_seen() const { return impl_->items_seen; }
uint64_t EsTestServer::bulk_requests() const { return impl_->bulk_requests; }

void EsTestServer::Impl::serve(HttpConnection& c) {
  HttpMessage m;
  while (listener.running() && c.read_request(m)) {
    bool head = false;
    Reply r = handle(m, head);
    int delay;
    {
      std::lock_guard lock(mu);
      delay = delay_ms;
    }
    if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + status_text(r.status) +
                      "\r\ncontent-type: application/json; charset=UTF-8\r\ncontent-length: " +
                      std::to_string(r.body.size()) + "\r\n";
    if (major > 7 || (major == 7 && minor >= 14)) out += "X-elastic-product: Elasticsearch\r\n";
    out += "\r\n";
    if (!head) out += r.body;
    if (r.reset) {
      c.write(std::string_view(out).substr(0, out.size() / 2));
      return;  // the caller closes: the client sees the answer cut short
    }
    if (!c.write(out)) return;
    if (auto it = m.headers.find("connection"); it != m.headers.end() && it->second == "close") return;
  }
}

Reply EsTestServer::Impl::handle(HttpMessage& m, bool& head) {
  head = m.method == "HEAD";
  Request rec{m.method, m.target, "", "", m.body.size(), 0};
  if (auto it = m.headers.find("authorization"); it != m.headers.end()) rec.authorization = it->second;
  if (auto it = m.headers.find("content-encoding"); it != m.headers.end()) rec.content_encoding = it->second;
  if (rec.content_encoding == "gzip") {
    std::string plain;
    if (!gunzip(m.body, plain)) {
      Reply r{400, R"({"error":"bad gzip body","status":400})"};
      rec.status = r.status;
      std::lock_guard lock(mu);
      requests.push_back(rec);
      return r;
    }
    m.body.swap(plain);
  }
  Reply r;
  std::string path = m.path;
  if (path == "/_test/stats") {
    r = {200, R"({"items":)" + std::to_string(items_seen.load()) + R"(,"requests":)" +
                  std::to_string(bulk_requests.load()) + "}"};
  } else if (path == "/" && (m.method == "GET" || head)) {
    r = root(head);
  } else if (path.size() >= 6 && path.compare(path.size() - 6, 6, "/_bulk") == 0 && m.method == "POST") {
    r = bulk(m);
  } else if (path.starts_with("/_template/") || path.starts_with("/_index_template/")) {
    auto slash = path.find('/', 1);
    r = template_api(m, path.substr(1, slash - 1), path.substr(slash + 1));
  } else {
    r = {400, R"({"error":"no handler found for uri [)" + json_escape(m.path) + R"(] and method [)" + m.method +
                  R"(]"})"};
  }
  rec.status = r.status;
  if (!options.fast || path != "/_bulk") {
    std::lock_guard lock(mu);
    requests.push_back(rec);
  }
  return r;
}

Reply EsTestServer::Impl::root(bool) {
  std::string flavor = major >= 7 ? R"("build_flavor":"default",)" : "";
  return {200, R"({"name":"es-test","cluster_name":"logferry-test","cluster_uuid":"x7kB0vG8T2S4tQO3pC3m1w",)"
               R"("version":{"number":")" + options.version + R"(",)" + flavor +
                   R"("build_type":"tar","build_hash":"0000000","build_date":"2024-01-01T00:00:00.000Z",)"
                   R"("build_snapshot":false,"lucene_version":"8.11.1",)"
                   R"("minimum_wire_compatibility_version":"6.8.0",)"
                   R"("minimum_index_compatibility_version":"6.0.0-beta1"},"tagline":"You Know, for Search"})"};
}

Reply EsTestServer::Impl::template_api(HttpMessage& m, const std::string& kind, const std::string& name) {
  bool composable = kind == "_index_template";
  if (composable && (major < 7 || (major == 7 && minor < 8)))
    return {405, R"({"error":"Incorrect HTTP method for uri [/_index_template/)" + json_escape(name) + R"(]"})"};
  std::string key = kind + "/" + name;
  std::lock_guard lock(mu);
  auto it = templates.find(key);
  if (m.method == "HEAD") return {it != templates.end() ? 200 : 404, ""};
  if (m.method == "GET") {
    if (it == templates.end()) return {404, "{}"};
    return {200, "{\"" + json_escape(name) + "\":" + it->second + "}"};
  }
  if (m.method == "PUT") {
    simdjson::dom::parser p;
    simdjson::dom::element e;
    if (p.parse(m.body).get(e) != simdjson::SUCCESS || !e.is_object())
      return {400, R"({"error":{"type":"parse_exception","reason":"request body is required"},"status":400})"};
    templates[key] = m.body;
    return {200, R"({"acknowledged":true})"};
  }
  return {405, "{}"};
}

std::string EsTestServer::Impl::item_result(const std::string& action, const std::string& index,
                                            const std::string& type, const std::string& id, int status,
                                            int version, bool created, bool filtered) {
  std::string out = "{\"" + action + "\":{";
  if (filtered) {
    out += "\"status\":" + std::to_string(status);
    if (status >= 300) out += ",\"error\":" + error_object(status, index, id, major);
    return out + "}}";
  }
  out += "\"_index\":\"" + json_escape(index) + "\"";
  if (major < 8) out += ",\"_type\":\"" + json_escape(type.empty() ? "_doc" : type) + "\"";
  out += ",\"_id\":\"" + json_escape(id) + "\"";
  if (status < 300) {
    out += ",\"_version\":" + std::to_string(version) + ",\"result\":\"" + (created ? "created" : "updated") +
           "\",\"_shards\":{\"total\":2,\"successful\":1,\"failed\":0},\"_seq_no\":" + std::to_string(seq_no++) +
           ",\"_primary_term\":1";
  }
  out += ",\"status\":" + std::to_string(status);
  if (status >= 300) out += ",\"error\":" + error_object(status, index, id, major);
  return out + "}}";
}

Reply EsTestServer::Impl::bulk_fast(const HttpMessage& m, std::string_view body) {
  bool filtered = m.query.find("filter_path=") != std::string::npos;
  std::string out = filtered ? R"({"errors":false,"items":[)" : R"({"took":1,"errors":false,"items":[)";
  uint64_t n = 0;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t e = body.find('\n', pos);
    if (e == std::string_view::npos) e = body.size();
    std::string_view line = body.substr(pos, e - pos);
    pos = e + 1;
    if (line.empty()) continue;
    bool create = line.starts_with("{\"create\"");
    std::size_t e2 = body.find('\n', pos);  // the document line
    pos = e2 == std::string_view::npos ? body.size() : e2 + 1;
    if (n++) out += ',';
    out += filtered ? (create ? R"({"create":{"status":201}})" : R"({"index":{"status":201}})")
                    : (create ? R"({"create":{"_index":"x","_id":"x","_version":1,"result":"created","status":201}})"
                              : R"({"index":{"_index":"x","_id":"x","_version":1,"result":"created","status":201}})");
  }
  out += "]}";
  items_seen += n;
  return {200, std::move(out)};
}

Reply EsTestServer::Impl::bulk(HttpMessage& m) {
  ++bulk_requests;
  bool reset = false;
  {
    std::lock_guard lock(mu);
    if (fail_count > 0) {
      --fail_count;
      int s = fail_status;
      std::string t = s == 429 ? "es_rejected_execution_exception" : "cluster_block_exception";
      std::string reason = s == 429 ? "rejected execution of coordinating operation"
                                    : "blocked by: [SERVICE_UNAVAILABLE/2/no master];";
      return {s, R"({"error":{"root_cause":[{"type":")" + t + R"(","reason":")" + reason + R"("}],"type":")" + t +
                     R"(","reason":")" + reason + R"("},"status":)" + std::to_string(s) + "}"};
    }
    if (reset_count > 0) {
      --reset_count;
      reset = true;
    }
  }
  if (options.fast) {
    Reply r = bulk_fast(m, m.body);
    r.reset = reset;
    return r;
  }
  bool filtered = m.query.find("filter_path=") != std::string::npos;
  auto whole_error = [](const std::string& type, const std::string& reason) {
    return Reply{400, R"({"error":{"root_cause":[{"type":")" + type + R"(","reason":")" + json_escape(reason) +
                          R"("}],"type":")" + type + R"(","reason":")" + json_escape(reason) + R"("},"status":400})"};
  };
  // First pass: validate every action line as Elasticsearch does before indexing anything.
  struct Item {
    std::string action, index, type, id, routing, pipeline, source;
  };
  std::vector<Item> items;
  simdjson::dom::parser parser;
  std::string_view body = m.body;
  std::size_t pos = 0;
  int line_no = 0;
  while (pos < body.size()) {
    std::size_t e = body.find('\n', pos);
    if (e == std::string_view::npos) e = body.size();
    std::string_view line = body.substr(pos, e - pos);
    pos = e + 1;
    ++line_no;
    if (line.empty()) continue;
    simdjson::dom::element el;
    simdjson::dom::object meta_outer;
    if (parser.parse(line.data(), line.size()).get(el) || el.get_object().get(meta_outer))
      return whole_error("illegal_argument_exception", "Malformed action/metadata line [" + std::to_string(line_no) + "]");
    Item it;
    for (auto [k, v] : meta_outer) {
      it.action = std::string(k);
      simdjson::dom::object meta;
      if (v.get_object().get(meta)) return whole_error("illegal_argument_exception", "Malformed action/metadata line");
      for (auto [mk, mv] : meta) {
        std::string_view sv;
        if (mv.is_null()) continue;
        if (mv.get_string().get(sv)) continue;
        if (mk == "_index") it.index = std::string(sv);
        else if (mk == "_type") it.type = std::string(sv);
        else if (mk == "_id") it.id = std::string(sv);
        else if (mk == "routing") it.routing = std::string(sv);
        else if (mk == "pipeline") it.pipeline = std::string(sv);
        else
          return whole_error("illegal_argument_exception", "Action/metadata line [" + std::to_string(line_no) +
                                                               "] contains an unknown parameter [" + std::string(mk) + "]");
      }
      if (major >= 8 && meta["_type"].error() == simdjson::SUCCESS)
        return whole_error("illegal_argument_exception", "Action/metadata line [" + std::to_string(line_no) +
                                                             "] contains an unknown parameter [_type]");
      break;
    }
    if (it.action != "index" && it.action != "create")
      return whole_error("illegal_argument_exception", "Unknown action [" + it.action + "]");
    if (major < 7 && it.type.empty())
      return whole_error("action_request_validation_exception", "Validation Failed: 1: type is missing;");
    if (it.index.empty()) return whole_error("action_request_validation_exception", "Validation Failed: 1: index is missing;");
    std::size_t e2 = body.find('\n', pos);
    if (e2 == std::string_view::npos) e2 = body.size();
    it.source = std::string(body.substr(pos, e2 - pos));
    pos = e2 + 1;
    ++line_no;
    items.push_back(std::move(it));
  }
  std::string out = filtered ? "" : R"("took":2,)";
  std::string list;
  bool errors = false;
  std::lock_guard lock(mu);
  for (auto& it : items) {
    ++items_seen;
    ++received[it.source];
    int status = 0;
    for (auto& f : item_faults) {
      if (f.times != 0 && it.source.find(f.marker) != std::string::npos) {
        status = f.status;
        if (f.times > 0) --f.times;
        break;
      }
    }
    simdjson::dom::element doc;
    if (status == 0 && (parser.parse(it.source).get(doc) || !doc.is_object())) status = 400;
    std::string id = it.id;
    bool created = true;
    int version = 1;
    if (status == 0) {
      if (id.empty()) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "lf%018llu", static_cast<unsigned long long>(next_id++));
        id = buf;
      }
      std::string key = it.index + "/" + id;
      auto found = doc_by_key.find(key);
      if (found != doc_by_key.end() && it.action == "create") {
        status = 409;
      } else if (found != doc_by_key.end()) {
        Document& d = docs[found->second];
        d.source = it.source;
        d.version = version = d.version + 1;
        d.action = it.action;
        created = false;
        status = 200;
      } else {
        doc_by_key[key] = docs.size();
        docs.push_back(Document{it.index, it.type, id, it.source, it.action, it.routing, it.pipeline, 1});
        status = 201;
      }
    }
    errors = errors || status >= 300;
    if (!list.empty()) list += ',';
    list += item_result(it.action, it.index, major == 7 && it.type.empty() ? "_doc" : it.type, id, status, version,
                        created, filtered);
  }
  Reply r{200, "{" + out + "\"errors\":" + (errors ? "true" : "false") + ",\"items\":[" + list + "]}"};
  r.reset = reset;
  return r;
}

}  // namespace logferry::testing

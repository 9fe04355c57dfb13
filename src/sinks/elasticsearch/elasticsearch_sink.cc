#include "sinks/elasticsearch/elasticsearch_sink.h"

#include <simdjson.h>
#include <zlib.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/json.h"
#include "sinks/elasticsearch/hosts.h"
#include "sinks/elasticsearch/index_template.h"

namespace logferry::sinks {

using elasticsearch::BulkAction;
using namespace std::chrono_literals;

namespace {

// What Elasticsearch's item statuses mean to the plugin (common.rb: DOC_SUCCESS_CODES,
// DOC_CONFLICT_CODE, DOC_DLQ_CODES; everything else is retried).
enum class ItemClass { kSuccess, kConflict, kDeadLetter, kRetry };
ItemClass classify(int status) {
  if (status == 200 || status == 201) return ItemClass::kSuccess;
  if (status == 409) return ItemClass::kConflict;
  if (status == 400 || status == 404) return ItemClass::kDeadLetter;
  return ItemClass::kRetry;
}

// The server's major version from `GET /` ({"version":{"number":"7.17.9",...},...}).
std::optional<int> parse_major(std::string& body) {
  std::size_t len = body.size();
  body.reserve(len + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(simdjson::padded_string_view(body.data(), len, body.capacity())).get(doc)) return std::nullopt;
  std::string_view number;
  if (doc["version"]["number"].get_string().get(number)) return std::nullopt;
  int major = 0;
  std::size_t i = 0;
  for (; i < number.size() && number[i] >= '0' && number[i] <= '9'; ++i) major = major * 10 + (number[i] - '0');
  if (i == 0) return std::nullopt;
  return major;
}

bool gzip_into(std::string_view in, std::string& out, int level) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  out.resize(deflateBound(&z, static_cast<uLong>(in.size())) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END;
}

std::string_view first_line(std::string_view s) { return s.substr(0, s.find('\n')); }
std::string_view second_line(std::string_view s) {
  auto nl = s.find('\n');
  if (nl == std::string_view::npos) return {};
  s.remove_prefix(nl + 1);
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  return s;
}

}  // namespace

void ElasticsearchSink::describe(config::Schema<Options>& s) {
  s.field("hosts", &Options::hosts)
      .doc("Elasticsearch nodes: host, host:port or URL with scheme and path prefix (port 9200 by default).");
  s.field("path", &Options::path).doc("Path prefix for hosts given without one (a proxy path).");
  s.field("index", &Options::index).doc("Index to write to (template).");
  s.field("document_type", &Options::document_type)
      .doc("_type (template); sent to Elasticsearch < 7 (default doc on 6) and, when set, on 7; never on 8+.");
  s.field("document_id", &Options::document_id).doc("_id (template); default: Elasticsearch assigns one.");
  s.field("action", &Options::action).doc("index or create (template); 409 on create is a duplicate: counted and dropped.");
  s.field("pipeline", &Options::pipeline).doc("Ingest pipeline (template); empty means none.");
  s.field("routing", &Options::routing).doc("Routing value (template).");
  s.field("user", &Options::user).doc("Basic authentication user.");
  s.field("password", &Options::password).doc("Basic authentication password.");
  s.field("api_key", &Options::api_key).doc("API key, id:api_key or its base64 form; needs TLS, as in the plugin.");
  s.field("ssl", &Options::ssl).alias("ssl_enabled").doc("https for hosts written without a scheme.");
  s.field("cacert", &Options::cacert).alias("ssl_certificate_authorities").doc("CA certificate file (PEM).");
  s.field("ssl_certificate_verification", &Options::ssl_certificate_verification)
      .doc("Verify the server certificate and host name.");
  s.field("ssl_verification_mode", &Options::ssl_verification_mode).one_of({"", "full", "none"})
      .doc("full | none (newer plugin spelling of ssl_certificate_verification).");
  s.field("ssl_certificate", &Options::ssl_certificate).doc("Client certificate (PEM).");
  s.field("ssl_key", &Options::ssl_key).doc("Client private key (PEM).");
  s.field("http_compression", &Options::http_compression).doc("gzip request bodies (Content-Encoding: gzip).");
  s.field("compression_level", &Options::compression_level).range(0, 9)
      .doc("gzip level with http_compression (0 turns it off).");
  s.field("manage_template", &Options::manage_template).doc("Install the index template at start.");
  s.field("template", &Options::template_file).doc("Template file (JSON) instead of the default one.");
  s.field("template_name", &Options::template_name).doc("Name of the installed template.");
  s.field("template_overwrite", &Options::template_overwrite).doc("Replace a template that exists.");
  s.field("flush_size", &Options::flush_size).range(1, 1 << 20).doc("Events per _bulk request, at most.");
  s.field("max_bulk_bytes", &Options::max_bulk_bytes)
      .doc("Bytes per _bulk request (uncompressed) before another is started; 20MiB as the plugin.");
  s.field("max_in_flight", &Options::max_in_flight).range(1, 64)
      .doc("_bulk requests sent at once, each on its own keep-alive connection.");
  s.field("timeout", &Options::timeout).doc("Time for one request, connect to last byte.");
  s.field("retry_initial_interval", &Options::retry_initial_interval).doc("First retry wait; doubles each time.");
  s.field("retry_max_interval", &Options::retry_max_interval).doc("Longest retry wait.");
  s.field("resurrect_delay", &Options::resurrect_delay)
      .doc("First wait before a dead host is checked again (GET /); doubles up to retry_max_interval.");
  s.field("healthcheck_path", &Options::healthcheck_path).doc("Path checked with HEAD before GET / (when not /).");
  s.field("dlq", &Options::dlq)
      .doc("Write events refused with 400/404 to <data_dir>/<sink>/dead_letter_queue.ndjson (else logged and counted).");
  s.field("dlq_max_bytes", &Options::dlq_max_bytes).doc("Size of the dead letter file past which entries are dropped and counted.");

  s.check([](const Options& o, config::CheckContext& c) {
    if (o.hosts.empty()) c.error("hosts", "needs at least one host");
    bool any_https = false;
    for (const auto& h : o.hosts) {
      auto url = elasticsearch::host_base_url(h, o.ssl, o.path);
      if (!url) c.error("hosts", url.error().message);
      else any_https = any_https || url->starts_with("https://");
    }
    if (!o.api_key.empty() && !o.user.empty()) c.error("api_key", "set either api_key or user/password");
    if (!o.api_key.empty() && !any_https)
      c.error("api_key", "needs TLS (ssl: true or https:// hosts), as in the plugin");
    if (!o.password.empty() && o.user.empty()) c.error("password", "needs user");
    if (o.ssl_certificate.empty() != o.ssl_key.empty())
      c.error(o.ssl_certificate.empty() ? "ssl_key" : "ssl_certificate", "needs both ssl_certificate and ssl_key");
    if (o.cacert.size() > 1) c.error("cacert", "one CA file (concatenate several into one PEM file)");
    if (o.retry_max_interval < o.retry_initial_interval)
      c.error("retry_max_interval", "must not be shorter than retry_initial_interval");
    if (o.action.is_constant() && o.action.text() != "index" && o.action.text() != "create")
      c.error("action", "'" + o.action.text() + "' is not supported (index or create)");
    if (o.max_bulk_bytes.bytes < 1024) c.error("max_bulk_bytes", "must be at least 1KiB");
  });
}

Result<std::unique_ptr<Sink>> ElasticsearchSink::build(const Options& o, BuildContext& ctx) {
  Settings st;
  for (const auto& h : o.hosts) {
    auto url = elasticsearch::host_base_url(h, o.ssl, o.path);
    if (!url) return unexpected(ErrorCode::kInvalidArgument, ctx.name + ": " + url.error().message);
    Host host;
    host.base = *url;
    host.bulk_url = *url + "/_bulk?filter_path=errors,items.*.error,items.*.status";
    st.hosts.push_back(std::move(host));
  }
  auto resolve = [&](const std::string& p) {
    std::filesystem::path path(p);
    return (path.is_relative() ? ctx.config_dir / path : path).string();
  };
  net::HttpRequest& r = st.base_request;
  r.method = "POST";
  r.timeout = o.timeout;
  r.connect_timeout = std::min<std::chrono::milliseconds>(o.timeout, 10s);
  r.verify_tls = o.ssl_certificate_verification && o.ssl_verification_mode != "none";
  if (!o.cacert.empty()) r.ca_file = resolve(o.cacert.front());
  if (!o.ssl_certificate.empty()) r.cert_file = resolve(o.ssl_certificate);
  if (!o.ssl_key.empty()) r.key_file = resolve(o.ssl_key);
  r.max_response_bytes = 256u << 20;  // a bulk answer has one entry per item
  r.headers.push_back("Content-Type: application/json");
  if (!o.user.empty()) r.headers.push_back(elasticsearch::basic_auth_header(o.user, o.password));
  if (!o.api_key.empty()) r.headers.push_back(elasticsearch::api_key_header(o.api_key));
  st.flush_size = static_cast<std::size_t>(o.flush_size);
  st.max_bulk_bytes = static_cast<std::size_t>(o.max_bulk_bytes.bytes);
  st.max_in_flight = static_cast<std::size_t>(o.max_in_flight);
  st.compression_level = o.http_compression ? static_cast<int>(o.compression_level) : 0;
  st.retry_initial = o.retry_initial_interval;
  st.retry_max = o.retry_max_interval;
  st.resurrect_delay = o.resurrect_delay;
  st.healthcheck_path = o.healthcheck_path.empty() ? "/" : o.healthcheck_path;
  if (st.healthcheck_path.front() != '/') st.healthcheck_path.insert(0, "/");
  st.manage_template = o.manage_template;
  st.template_name = o.template_name;
  st.template_overwrite = o.template_overwrite;
  if (o.manage_template && !o.template_file.empty()) {
    std::ifstream in(resolve(o.template_file));
    if (!in) return unexpected(ErrorCode::kInvalidArgument, ctx.name + ": cannot read template " + o.template_file);
    std::stringstream ss;
    ss << in.rdbuf();
    st.template_body = ss.str();
  }
  if (!r.verify_tls) log_warn("{}: TLS certificate verification is off", ctx.name);

  elasticsearch::ActionConfig ac;
  ac.index = o.index;
  ac.action = o.action;
  if (!o.document_type.empty()) ac.document_type = o.document_type;
  if (!o.document_id.empty()) ac.document_id = o.document_id;
  if (!o.routing.empty()) ac.routing = o.routing;
  if (!o.pipeline.empty()) ac.pipeline = o.pipeline;

  std::unique_ptr<elasticsearch::DeadLetterFile> dlq;
  if (o.dlq)
    dlq = std::make_unique<elasticsearch::DeadLetterFile>(ctx.data_dir / "dead_letter_queue.ndjson",
                                                          o.dlq_max_bytes.bytes, ctx.name, ctx.clock);

  Labels labels = ctx.labels();
  auto with = [&](const char* k, const char* v) {
    Labels l = labels;
    l.emplace_back(k, v);
    return l;
  };
  auto& m = ctx.metrics;
  const char* kRequests = "logferry_elasticsearch_sink_bulk_requests_total";
  const char* kRequestsHelp = "_bulk requests by result (ok, with_errors: some items failed, failed: no usable answer)";
  const char* kItems = "logferry_elasticsearch_sink_items_total";
  const char* kItemsHelp = "Bulk items answered, by status class";
  Metrics metrics{
      &m.counter(kRequests, kRequestsHelp, with("result", "ok")),
      &m.counter(kRequests, kRequestsHelp, with("result", "with_errors")),
      &m.counter(kRequests, kRequestsHelp, with("result", "failed")),
      &m.counter(kItems, kItemsHelp, with("status", "2xx")),
      &m.counter(kItems, kItemsHelp, with("status", "409")),
      &m.counter(kItems, kItemsHelp, with("status", "4xx")),
      &m.counter(kItems, kItemsHelp, with("status", "429")),
      &m.counter(kItems, kItemsHelp, with("status", "5xx")),
      &m.counter("logferry_elasticsearch_sink_retried_items_total",
                 "Items sent again alone after an item-level failure (429, 5xx, ...)", labels),
      &m.counter("logferry_elasticsearch_sink_retried_requests_total",
                 "Requests sent again whole after a connection error or an HTTP error status", labels),
      &m.counter("logferry_elasticsearch_sink_duplicates_total",
                 "create items answered 409 (the document exists): dropped", labels),
      &m.counter("logferry_elasticsearch_sink_dlq_events_total", "Events written to the dead letter file", labels),
      &m.counter("logferry_elasticsearch_sink_dropped_total",
                 "Events refused for good (400/404, unmappable) and not dead-lettered (dlq off or full)", labels),
      &m.counter("logferry_elasticsearch_sink_bytes_total", "Request body bytes sent (after gzip)", labels),
      &m.counter("logferry_elasticsearch_sink_healthchecks_failed_total", "Failed host checks (GET /)", labels),
      &m.gauge("logferry_elasticsearch_sink_hosts_healthy", "Hosts currently in rotation", labels),
      &m.gauge("logferry_elasticsearch_sink_in_flight_requests", "_bulk requests under way", labels),
  };
  return std::unique_ptr<Sink>(
      std::make_unique<ElasticsearchSink>(std::move(st), std::move(ac), std::move(dlq), metrics, ctx.name));
}

ElasticsearchSink::ElasticsearchSink(Settings settings, elasticsearch::ActionConfig actions,
                                     std::unique_ptr<elasticsearch::DeadLetterFile> dlq, Metrics metrics,
                                     std::string name)
    : settings_(std::move(settings)),
      encoder_(std::move(actions)),
      dlq_(std::move(dlq)),
      metrics_(metrics),
      name_(std::move(name)) {
  encoder_.set_server_major(0);
  for (auto& h : settings_.hosts) h.delay = settings_.resurrect_delay;
}

// ---- hosts -------------------------------------------------------------------------------

bool ElasticsearchSink::healthcheck(Host& host) {
  net::HttpRequest req = settings_.base_request;
  req.method = "GET";
  req.body.clear();
  req.timeout = std::min<std::chrono::milliseconds>(req.timeout, 10s);
  req.max_response_bytes = 1u << 20;
  if (settings_.healthcheck_path != "/") {
    req.method = "HEAD";
    req.url = host.base + settings_.healthcheck_path;
    auto head = http_.send(req);
    if (!head || head->status < 200 || head->status > 299) {
      host_problems_.warn("{}: {} is not healthy: {}", name_, req.url,
                          head ? "HTTP " + std::to_string(head->status) : head.error().message);
      return false;
    }
    req.method = "GET";
  }
  req.url = host.base + "/";
  auto res = http_.send(req);
  if (!res || res->status < 200 || res->status > 299) {
    host_problems_.warn("{}: {} is not healthy: {}", name_, req.url,
                        res ? "HTTP " + std::to_string(res->status) : res.error().message);
    return false;
  }
  auto major = parse_major(res->body);
  if (!major) {
    host_problems_.warn("{}: {} answered GET / without version.number: not Elasticsearch?", name_, req.url);
    return false;
  }
  host.major = *major;
  return true;
}

void ElasticsearchSink::check_hosts(bool force) {
  auto now = std::chrono::steady_clock::now();
  int healthy = 0;
  for (auto& h : settings_.hosts) {
    if (!h.alive && (force || now >= h.next_check)) {
      if (healthcheck(h)) {
        h.alive = true;
        h.delay = settings_.resurrect_delay;
        log_info("{}: {} Elasticsearch {} at {}", name_, connected_once_ ? "restored connection to" : "connected to",
                 h.major, h.base);
        if (!connected_once_ || h.major > encoder_.server_major()) encoder_.set_server_major(h.major);
        connected_once_ = true;
        if (settings_.manage_template && !template_done_) install_template(h);
      } else {
        metrics_.healthchecks_failed->add();
        h.next_check = std::chrono::steady_clock::now() + h.delay;
        h.delay = std::min(h.delay * 2, std::max(settings_.retry_max, settings_.resurrect_delay));
      }
    }
    healthy += h.alive ? 1 : 0;
  }
  metrics_.hosts_healthy->set(healthy);
}

void ElasticsearchSink::install_template(const Host& host) {
  template_done_ = true;  // one attempt, as the plugin: a failure is logged, not retried
  std::string url = host.base + "/" + std::string(elasticsearch::template_endpoint(host.major)) + "/" +
                    settings_.template_name;
  net::HttpRequest req = settings_.base_request;
  req.body.clear();
  req.max_response_bytes = 1u << 20;
  req.url = url;
  if (!settings_.template_overwrite) {
    req.method = "HEAD";
    auto head = http_.send(req);
    if (head && head->status >= 200 && head->status <= 299) {
      log_info("{}: template {} exists, not overwritten (template_overwrite: false)", name_, url);
      return;
    }
  }
  req.method = "PUT";
  req.body = settings_.template_body.empty() ? elasticsearch::default_index_template(host.major)
                                             : settings_.template_body;
  auto res = http_.send(req);
  if (!res || res->status < 200 || res->status > 299) {
    log_error("{}: failed to install template {}: {}", name_, url,
              res ? "HTTP " + std::to_string(res->status) + " " + res->body.substr(0, 300) : res.error().message);
    return;
  }
  log_info("{}: installed template {}", name_, url);
}

void ElasticsearchSink::mark_dead(Host& host, const std::string& why) {
  if (!host.alive) return;
  host.alive = false;
  host.delay = settings_.resurrect_delay;
  host.next_check = std::chrono::steady_clock::now() + host.delay;
  host_problems_.warn("{}: marking {} dead: {}", name_, host.base, why);
}

std::optional<std::size_t> ElasticsearchSink::next_host() {
  std::size_t n = settings_.hosts.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t h = (round_robin_ + i) % n;
    if (settings_.hosts[h].alive) {
      round_robin_ = h + 1;
      return h;
    }
  }
  return std::nullopt;
}

bool ElasticsearchSink::ensure_connection(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    check_hosts(false);
    for (const auto& h : settings_.hosts)
      if (h.alive) return true;
    auto earliest = settings_.hosts.front().next_check;
    for (const auto& h : settings_.hosts) earliest = std::min(earliest, h.next_check);
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(earliest - std::chrono::steady_clock::now());
    if (!sleep(std::max(wait, 10ms), stop)) return false;
  }
  return false;
}

void ElasticsearchSink::flush() {
  // Idle: connect (and install the template) at start, as the plugin does, and keep dead
  // hosts' checks going so they are back in rotation before the next batch.
  check_hosts(false);
}

bool ElasticsearchSink::sleep(std::chrono::milliseconds d, const std::stop_token& stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop, d, [] { return false; });
  return !stop.stop_requested();
}

// ---- batches -----------------------------------------------------------------------------

void ElasticsearchSink::encode_batch(const EventBatch& batch) {
  encoded_.clear();
  items_.clear();
  pending_.clear();
  for (const Event& e : batch.events()) {
    elasticsearch::BulkItem item;
    if (auto err = encoder_.encode(e, encoded_, item)) {
      // Not sendable (unknown action, unresolved index): the plugin's EventMappingError path.
      std::string doc;
      append_json(doc, e, JsonOptions{.skip_metadata = false, .normalize_timestamp = true});
      if (dlq_ && dlq_->add(0, err->reason, {}, doc, {})) {
        metrics_.dlq_written->add();
      } else {
        metrics_.dropped->add();
        item_problems_.warn("{}: event dropped: {}", name_, err->reason);
      }
      continue;
    }
    pending_.push_back(static_cast<uint32_t>(items_.size()));
    items_.push_back(item);
  }
}

std::size_t ElasticsearchSink::plan(std::size_t pos, std::size_t& used) {
  used = 0;
  std::size_t start = pos;
  // Spread the items evenly over the requests of this round (at most flush_size each), so
  // they finish together: 2048 items with 4 in flight are 4 x 512, not 500+500+500+500+48.
  std::size_t left = pending_.size() - pos;
  // Requests of fewer than kMinShare items are not worth a connection of their own.
  constexpr std::size_t kMinShare = 256;
  std::size_t requests = std::min(settings_.max_in_flight,
                                  std::max((left + settings_.flush_size - 1) / settings_.flush_size,
                                           (left + kMinShare - 1) / kMinShare));
  while (pos < pending_.size() && used < settings_.max_in_flight) {
    auto host = next_host();
    if (!host) break;
    if (slots_.size() <= used) slots_.emplace_back();
    Slot& slot = slots_[used];
    slot.items.clear();
    slot.host = *host;
    std::size_t bytes = 0;
    std::size_t share = used < requests ? (pending_.size() - pos + (requests - used) - 1) / (requests - used)
                                        : settings_.flush_size;
    std::size_t limit = std::min(settings_.flush_size, std::max<std::size_t>(share, 1));
    while (pos < pending_.size() && slot.items.size() < limit) {
      std::size_t size = items_[pending_[pos]].size;
      if (!slot.items.empty() && bytes + size > settings_.max_bulk_bytes) break;
      slot.items.push_back(pending_[pos]);
      bytes += size;
      ++pos;
    }
    ++used;
  }
  return pos - start;
}

void ElasticsearchSink::prepare_body(Slot& slot, net::HttpExchange& x) {
  const Host& host = settings_.hosts[slot.host];
  slot.request.method = "POST";
  slot.request.url = host.bulk_url;
  slot.request.headers = settings_.base_request.headers;
  if (settings_.compression_level > 0) slot.request.headers.push_back("Content-Encoding: gzip");
  slot.request.timeout = settings_.base_request.timeout;
  slot.request.connect_timeout = settings_.base_request.connect_timeout;
  slot.request.verify_tls = settings_.base_request.verify_tls;
  slot.request.ca_file = settings_.base_request.ca_file;
  slot.request.cert_file = settings_.base_request.cert_file;
  slot.request.key_file = settings_.base_request.key_file;
  slot.request.max_response_bytes = settings_.base_request.max_response_bytes;
  // Consecutive items (a first attempt) are one slice of the batch buffer: sent without a copy.
  const auto& first = items_[slot.items.front()];
  const auto& last = items_[slot.items.back()];
  bool contiguous = last.offset + last.size - first.offset ==
                    [&] {
                      std::size_t n = 0;
                      for (uint32_t i : slot.items) n += items_[i].size;
                      return n;
                    }() &&
                    slot.items.back() - slot.items.front() + 1 == slot.items.size();
  std::string_view plain;
  if (contiguous) {
    plain = std::string_view(encoded_).substr(first.offset, last.offset + last.size - first.offset);
  } else {
    elasticsearch::gather_items(encoded_, items_, slot.items, slot.body);
    plain = slot.body;
  }
  if (settings_.compression_level > 0) {
    std::string& out = contiguous ? slot.body : slot.request.body;  // never compress in place
    gzip_into(plain, out, settings_.compression_level);
    plain = out;
  }
  x.request = &slot.request;
  x.body = plain;
  metrics_.bytes->add(plain.size());
}

void ElasticsearchSink::dead_letter(uint32_t item, int status, std::string_view error_type,
                                    std::string_view error_json) {
  std::string_view lines = std::string_view(encoded_).substr(items_[item].offset, items_[item].size);
  std::string reason = "Could not index event to Elasticsearch. status: " + std::to_string(status) +
                       ", action: " + std::string(first_line(lines)) +
                       ", response: " + std::string(error_json.empty() ? error_type : error_json);
  if (dlq_ && dlq_->add(status, reason, first_line(lines), second_line(lines), error_json)) {
    metrics_.dlq_written->add();
    return;
  }
  metrics_.dropped->add();
  item_problems_.warn("{}: {}{}", name_, reason, dlq_ ? " (dead letter file full)" : "");
}

void ElasticsearchSink::handle_items(Slot& slot, bool& failures) {
  for (std::size_t i = 0; i < slot.items.size(); ++i) {
    const auto& r = response_.items[i];
    uint32_t item = slot.items[i];
    int status = r.status;
    if (status >= 200 && status <= 299) metrics_.items_2xx->add();
    else if (status == 409) metrics_.items_409->add();
    else if (status == 429) metrics_.items_429->add();
    else if (status >= 500) metrics_.items_5xx->add();
    else metrics_.items_4xx->add();
    switch (classify(status)) {
      case ItemClass::kSuccess: break;
      case ItemClass::kConflict:
        metrics_.duplicates->add();
        if (items_[item].action != BulkAction::kCreate)
          item_problems_.warn("{}: failed action, status 409: {}", name_, r.error_json);
        break;
      case ItemClass::kDeadLetter: dead_letter(item, status, r.error_type, r.error_json); break;
      case ItemClass::kRetry:
        failures = true;
        metrics_.retried_items->add();
        item_problems_.warn("{}: retrying failed action, status {}: {}", name_, status, r.error_json);
        next_pending_.push_back(item);
        break;
    }
  }
}

void ElasticsearchSink::handle_response(Slot& slot, net::HttpExchange& x, bool& failures) {
  Host& host = settings_.hosts[slot.host];
  auto retry_whole = [&](const std::string& why) {
    failures = true;
    metrics_.requests_failed->add();
    metrics_.retried_requests->add();
    request_problems_.warn("{}: bulk request to {} failed, will retry with backoff: {}", name_, host.base, why);
    next_pending_.insert(next_pending_.end(), slot.items.begin(), slot.items.end());
  };
  if (x.error) {
    mark_dead(host, x.error->message);
    retry_whole(x.error->message);
    return;
  }
  long status = x.response.status;
  if (status == 413) {
    // The plugin turns 413 into a 413 error for every item (retried, never dead-lettered).
    metrics_.requests_with_errors->add();
    failures = true;
    for (uint32_t i : slot.items) next_pending_.push_back(i);
    metrics_.retried_items->add(slot.items.size());
    request_problems_.warn("{}: bulk request rejected: 413 Payload Too Large ({} items)", name_, slot.items.size());
    return;
  }
  if (status < 200 || status > 299) {
    retry_whole("HTTP " + std::to_string(status) + " " + x.response.body.substr(0, 300));
    return;
  }
  auto parsed = elasticsearch::parse_bulk_response(x.response.body, response_);
  if (!parsed) {
    retry_whole(parsed.error().message);
    return;
  }
  if (response_.items.size() != slot.items.size()) {
    retry_whole("sent " + std::to_string(slot.items.size()) + " documents but Elasticsearch returned " +
                std::to_string(response_.items.size()) + " responses");
    return;
  }
  if (!response_.errors) {
    metrics_.requests_ok->add();
    metrics_.items_2xx->add(slot.items.size());
    return;
  }
  metrics_.requests_with_errors->add();
  handle_items(slot, failures);
}

bool ElasticsearchSink::commit_dead_letters(const std::stop_token& stop) {
  if (!dlq_) return true;
  auto wait = settings_.retry_initial;
  while (true) {
    auto r = dlq_->commit();
    if (r) return true;
    request_problems_.warn("{}: dead letter file: {} (will retry)", name_, r.error().message);
    if (!sleep(wait, stop)) return false;
    wait = std::min(wait * 2, settings_.retry_max);
  }
}

Delivery ElasticsearchSink::send(const EventBatch& batch, const std::stop_token& stop) {
  if (!ensure_connection(stop)) return Delivery::kRetry;
  encode_batch(batch);
  auto wait = settings_.retry_initial;
  while (!pending_.empty()) {
    next_pending_.clear();
    bool failures = false;
    for (std::size_t pos = 0; pos < pending_.size();) {
      if (!ensure_connection(stop)) return Delivery::kRetry;
      std::size_t used = 0;
      pos += plan(pos, used);
      exchanges_.resize(used);
      for (std::size_t i = 0; i < used; ++i) prepare_body(slots_[i], exchanges_[i]);
      metrics_.in_flight->set(static_cast<int64_t>(used));
      http_.send_all(std::span(exchanges_.data(), used), stop);
      metrics_.in_flight->set(0);
      if (stop.stop_requested()) return Delivery::kRetry;
      for (std::size_t i = 0; i < used; ++i) handle_response(slots_[i], exchanges_[i], failures);
    }
    if (!commit_dead_letters(stop)) return Delivery::kRetry;
    pending_.swap(next_pending_);
    if (pending_.empty()) break;
    // Only what failed is sent again, after the plugin's doubling wait.
    if (!sleep(wait, stop)) return Delivery::kRetry;
    wait = std::min(wait * 2, settings_.retry_max);
  }
  if (!commit_dead_letters(stop)) return Delivery::kRetry;
  return Delivery::kDelivered;
}

}  // namespace logferry::sinks

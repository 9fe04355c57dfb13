// elasticsearch sink: indexes events through the _bulk API with the options, defaults and
// failure handling of logstash-output-elasticsearch, so the same index and the same documents
// appear (docs/elasticsearch_sink.md lists what is installed, the failure table and the
// deviations).
//
// Per batch (on the sink's thread): every event is encoded once (action line + document) into
// one buffer; the items are cut into requests of at most flush_size events and
// max_bulk_bytes, up to max_in_flight of them sent at once over keep-alive connections
// (curl multi), round robin over the healthy hosts. Whole failed requests are retried whole,
// failed items (429, 5xx, ...) alone, with the plugin's backoff (retry_initial_interval
// doubling to retry_max_interval) and without end; send() returns kDelivered only when every
// item was accepted, was a duplicate (409 on create) or went to the dead letter file, and
// kRetry (the batch is failed, never acked) only when stop is requested.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "config/schema.h"
#include "core/component.h"
#include "core/log.h"
#include "core/sink.h"
#include "net/http_client.h"
#include "sinks/elasticsearch/bulk_request.h"
#include "sinks/elasticsearch/bulk_response.h"
#include "sinks/elasticsearch/dead_letter.h"
#include "template/template.h"

namespace logferry::sinks {

class ElasticsearchSink final : public Sink {
 public:
  static constexpr std::string_view kType = "elasticsearch";
  static constexpr std::string_view kDoc =
      "Indexes events into Elasticsearch through _bulk (logstash-output-elasticsearch options and failure handling).";

  struct Options {
    std::vector<std::string> hosts{"127.0.0.1"};
    std::string path;
    Template index = Template::compile("logstash-%{+YYYY.MM.dd}").value();
    Template document_type;
    Template document_id;
    Template action = Template::compile("index").value();
    Template pipeline;
    Template routing;
    std::string user;
    std::string password;
    std::string api_key;
    std::optional<bool> ssl;
    std::vector<std::string> cacert;
    bool ssl_certificate_verification = true;
    std::string ssl_verification_mode;
    std::string ssl_certificate;
    std::string ssl_key;
    bool http_compression = false;
    int64_t compression_level = 1;
    bool manage_template = true;
    std::string template_file;
    std::string template_name = "logstash";
    bool template_overwrite = false;
    int64_t flush_size = 1000;
    config::ByteSize max_bulk_bytes{20u << 20};
    int64_t max_in_flight = 4;
    config::Duration timeout = std::chrono::seconds(60);
    config::Duration retry_initial_interval = std::chrono::seconds(2);
    config::Duration retry_max_interval = std::chrono::seconds(64);
    config::Duration resurrect_delay = std::chrono::seconds(5);
    std::string healthcheck_path = "/";
    bool dlq = false;
    config::ByteSize dlq_max_bytes{1ull << 30};
  };
  static void describe(config::Schema<Options>& s);
  static Result<std::unique_ptr<Sink>> build(const Options& options, BuildContext& ctx);

  struct Metrics {
    Counter* requests_ok;           // bulk requests by result
    Counter* requests_with_errors;
    Counter* requests_failed;
    Counter* items_2xx;             // items by status class
    Counter* items_409;
    Counter* items_4xx;
    Counter* items_429;
    Counter* items_5xx;
    Counter* retried_items;         // items sent again after an item-level failure
    Counter* retried_requests;      // requests sent again after a whole-request failure
    Counter* duplicates;
    Counter* dlq_written;
    Counter* dropped;               // refused for good and not dead-lettered (dlq off or full)
    Counter* bytes;
    Counter* healthchecks_failed;
    Gauge* hosts_healthy;
    Gauge* in_flight;
  };

  struct Host {
    std::string base;        // scheme://host:port/prefix
    std::string bulk_url;
    bool alive = false;
    int major = 0;
    std::chrono::steady_clock::time_point next_check{};
    std::chrono::milliseconds delay{0};
  };

  struct Settings {
    std::vector<Host> hosts;
    net::HttpRequest base_request;   // headers (auth, content type), TLS, timeouts
    std::size_t flush_size = 1000;
    std::size_t max_bulk_bytes = 20u << 20;
    std::size_t max_in_flight = 4;
    int compression_level = 0;       // 0: no gzip
    std::chrono::milliseconds retry_initial{2000};
    std::chrono::milliseconds retry_max{64000};
    std::chrono::milliseconds resurrect_delay{5000};
    std::string healthcheck_path = "/";
    bool manage_template = true;
    std::string template_body;       // empty: the default for the server's version
    std::string template_name = "logstash";
    bool template_overwrite = false;
    bool explicit_type = false;
  };

  ElasticsearchSink(Settings settings, elasticsearch::ActionConfig actions,
                    std::unique_ptr<elasticsearch::DeadLetterFile> dlq, Metrics metrics, std::string name);
  // Sink
  Delivery send(const EventBatch& batch, const std::stop_token& stop) override;
  void flush() override;

  // The server's major version once a host answered (0 before), for tests.
  int server_major() const { return encoder_.server_major(); }

 private:
  struct Slot {
    net::HttpRequest request;
    std::string body;                 // gathered or gzip'd items (else a slice of encoded_)
    std::vector<uint32_t> items;
    std::size_t host = 0;
  };
  enum class Outcome { kDone, kRetry, kFailed };

  void encode_batch(const EventBatch& batch);
  bool ensure_connection(const std::stop_token& stop);
  void check_hosts(bool force);
  bool healthcheck(Host& host);
  void install_template(const Host& host);
  void mark_dead(Host& host, const std::string& why);
  std::optional<std::size_t> next_host();
  // Fills slots from pending_[pos...]; returns how many pending items they took.
  std::size_t plan(std::size_t pos, std::size_t& used_slots);
  void prepare_body(Slot& slot, net::HttpExchange& exchange);
  void handle_response(Slot& slot, net::HttpExchange& exchange, bool& failures);
  void handle_items(Slot& slot, bool& failures);
  void dead_letter(uint32_t item, int status, std::string_view error_type, std::string_view error_json);
  bool commit_dead_letters(const std::stop_token& stop);
  bool sleep(std::chrono::milliseconds d, const std::stop_token& stop);

  Settings settings_;
  elasticsearch::BulkEncoder encoder_;
  std::unique_ptr<elasticsearch::DeadLetterFile> dlq_;
  Metrics metrics_;
  std::string name_;
  net::HttpClient http_;
  bool connected_once_ = false;
  bool template_done_ = false;
  std::size_t round_robin_ = 0;

  std::string encoded_;                     // the batch's items, back to back
  std::vector<elasticsearch::BulkItem> items_;
  std::vector<uint32_t> pending_, next_pending_;
  std::vector<Slot> slots_;
  std::vector<net::HttpExchange> exchanges_;
  elasticsearch::BulkResponse response_;
  RateLimitedLog request_problems_;
  RateLimitedLog item_problems_;
  RateLimitedLog host_problems_;
};

}  // namespace logferry::sinks

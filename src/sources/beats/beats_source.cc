#include "sources/beats/beats_source.h"

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <filesystem>

#include "net/loop_relay.h"
#include "net/tls_server_context.h"
#include "runtime/listener_registry.h"
#include "runtime/socket_handover.h"
#include "sources/beats/beats_session.h"

namespace logferry::sources {

namespace {

// Batches waiting for the forwarder; past this every connection stops reading.
constexpr std::size_t kMaxQueuedBatches = 2;

constexpr const char* kErrorReasons[] = {
    "bad_version", "bad_frame_type", "frame_too_large", "bad_length", "bad_compression",
    "zlib_bomb", "truncated_compressed", "nesting_too_deep", "window_too_large",
    "window_bytes_exceeded", "data_outside_window", "unexpected_frame"};

// ssl_client_authentication (Logstash 8) wins over the older ssl_verify_mode.
std::string verify_mode(const BeatsSource::Options& o) {
  if (o.ssl_client_authentication == "optional") return "peer";
  if (o.ssl_client_authentication == "required") return "force_peer";
  if (o.ssl_client_authentication == "none") return "none";
  return o.ssl_verify_mode;
}

}  // namespace

struct BeatsSource::Impl {
  asio::io_context io{1};
  std::unique_ptr<net::TcpServer> tcp;
  runtime::SocketHandover handover;  // reload: the socket and connections kept for the next pipeline
  // Finalizers fire on sink threads; acks are written on the io thread, while the source runs.
  std::shared_ptr<net::LoopRelay<BeatsSource>> relay = std::make_shared<net::LoopRelay<BeatsSource>>();
};

void BeatsSource::describe(config::Schema<Options>& s) {
  s.field("address", &Options::address)
      .doc("HOST:PORT to listen on (Logstash's host and port; port 0 picks a free one).");
  s.field("ssl_enabled", &Options::ssl_enabled).alias("ssl").doc("Serve TLS.");
  s.field("ssl_certificate", &Options::ssl_certificate).doc("PEM certificate (chain) of this server.");
  s.field("ssl_key", &Options::ssl_key).doc("PEM private key (PKCS#1, PKCS#8 or EC).");
  s.field("ssl_key_passphrase", &Options::ssl_key_passphrase).doc("Passphrase of an encrypted ssl_key.");
  s.field("ssl_certificate_authorities", &Options::ssl_certificate_authorities)
      .doc("PEM CA files (or directories of hashed CA files) that client certificates must chain to.");
  s.field("ssl_verify_mode", &Options::ssl_verify_mode).one_of({"none", "peer", "force_peer"})
      .doc("none: no client certificate; peer: verify one if sent; force_peer: require one.");
  s.field("ssl_client_authentication", &Options::ssl_client_authentication)
      .one_of({"", "none", "optional", "required"})
      .doc("Logstash 8 spelling of ssl_verify_mode: optional = peer, required = force_peer.");
  s.field("ssl_supported_protocols", &Options::ssl_supported_protocols)
      .doc("TLS versions served, consecutive: TLSv1.1, TLSv1.2, TLSv1.3 (empty: TLSv1.2 and TLSv1.3).");
  s.field("ssl_cipher_suites", &Options::ssl_cipher_suites)
      .doc("Cipher suites, IANA names as Logstash's (or OpenSSL names); a protocol with none of "
           "them is not served. Empty: OpenSSL's defaults.");
  s.field("ssl_handshake_timeout", &Options::ssl_handshake_timeout)
      .doc("An unfinished TLS handshake is closed after this.");
  s.field("client_inactivity_timeout", &Options::client_inactivity_timeout)
      .doc("A connection that neither sent nor was sent anything this long is closed (half-open "
           "and silent peers). Keep-alives count, so a client waiting for a slow pipeline stays.");
  s.field("keepalive_interval", &Options::keepalive_interval)
      .doc("While a window waits for the sinks, `2A 0` is sent after this much writer silence "
           "(Logstash: 5 s), well under Filebeat's timeout (30 s; ICP sets 15 s).");
  s.field("max_connections", &Options::max_connections).range(1, 1'000'000)
      .doc("Connections over this are closed at once and counted.");
  s.field("max_window_events", &Options::max_window_events).range(1, 1u << 30)
      .doc("A window announcing more events closes the connection (Filebeat's bulk_max_size is 2048).");
  s.field("max_window_bytes", &Options::max_window_bytes)
      .doc("Most JSON bytes in one window, and what one compressed frame may inflate to "
           "(a zlib bomb stops here); over it the connection is closed.");
  s.field("max_frame_bytes", &Options::max_frame_bytes)
      .doc("Largest single frame (one event, or one compressed frame before inflating).");
  s.field("batch_max_events", &Options::batch_max_events).range(1, 1'000'000)
      .doc("Most events per batch; a batch also ends when the sockets have nothing more.");
  s.field("add_hostname", &Options::add_hostname)
      .doc("Copy beat.hostname into host when host is absent (logstash-input-beats 3.x did this "
           "always, 6.x+ only with add_hostname => true).");
  s.field("include_codec_tag", &Options::include_codec_tag)
      .doc("Tag events beats_input_codec_plain_applied (with a message field) or "
           "beats_input_raw_event (without), as the plugin does by default.");
  s.check([](const Options& o, config::CheckContext& c) {
    if (o.ssl_enabled && (o.ssl_certificate.empty() || o.ssl_key.empty()))
      c.error("ssl_enabled", "needs ssl_certificate and ssl_key");
    if (verify_mode(o) != "none" && o.ssl_certificate_authorities.empty())
      c.error(o.ssl_client_authentication.empty() ? "ssl_verify_mode" : "ssl_client_authentication",
              "client verification needs ssl_certificate_authorities");
    if (o.max_frame_bytes.bytes < 1024 || o.max_frame_bytes.bytes > (1ULL << 30))
      c.error("max_frame_bytes", "must be between 1KiB and 1GiB");
    if (o.max_window_bytes.bytes < 1024 || o.max_window_bytes.bytes > (4ULL << 30))
      c.error("max_window_bytes", "must be between 1KiB and 4GiB");
    if (o.keepalive_interval.count() < 10) c.error("keepalive_interval", "must be at least 10ms");
  });
  s.check([](const Options& o, config::CheckContext& c) {
    if (auto r = net::check_tls_protocols(o.ssl_supported_protocols); !r)
      c.error("ssl_supported_protocols", r.error().message);
    else if (auto r2 = net::check_tls_ciphers(o.ssl_supported_protocols, o.ssl_cipher_suites); !r2)
      c.error("ssl_cipher_suites", r2.error().message);
  });
}

BeatsSource::BeatsSource(Options options, BuildContext& ctx)
    : options_(std::move(options)),
      name_(ctx.name),
      clock_(&ctx.clock),
      impl_(std::make_unique<Impl>()),
      mapper_(beats::MappingOptions{options_.add_hostname, options_.include_codec_tag}) {
  Labels l = ctx.labels();
  auto& m = ctx.metrics;
  metrics_.reset(new Metrics{
      net::TcpServerMetrics{
          &m.counter("logferry_beats_connections_accepted_total", "Connections accepted", l),
          &m.counter("logferry_beats_connections_rejected_total", "Connections refused over max_connections", l),
          &m.counter("logferry_beats_connections_timed_out_total", "Connections closed by inactivity or handshake timeout", l),
          &m.counter("logferry_beats_tls_handshake_failures_total", "Failed TLS handshakes", l),
          &m.gauge("logferry_beats_connections", "Open connections", l)},
      m.counter("logferry_beats_windows_total", "Windows (W frames) received", l),
      m.counter("logferry_beats_events_total", "Events (data frames) received", l),
      m.counter("logferry_beats_acks_total", "Windows acked after delivery", l),
      m.counter("logferry_beats_keepalives_total", "Keep-alive acks (2A 0) sent while a window waited", l),
      m.counter("logferry_beats_windows_failed_total", "Windows not delivered (connection closed, client resends)", l),
      m.counter("logferry_beats_timestamp_failures_total", "Events whose @timestamp was not a valid time (set to now)", l),
      m.counter("logferry_beats_json_failures_total", "JSON frames that were not a JSON object (kept in message)", l),
      {},
      RateLimitedLog()});
  for (const char* reason : kErrorReasons) {
    Labels rl = l;
    rl.emplace_back("reason", reason);
    metrics_->protocol_errors.emplace_back(
        reason, &m.counter("logferry_beats_protocol_errors_total",
                           "Connections closed for a protocol error, by reason", rl));
  }
}

BeatsSource::~BeatsSource() {
  // Built during a reload but never run (a later component failed), or never drained: the
  // socket goes back.
  if (out_ == nullptr && runtime::ListenerRegistry::instance().handing_over()) park_sockets();
  impl_->relay->detach();
  if (impl_->tcp) impl_->tcp->stop();
  impl_->tcp.reset();
  stop_forwarder();
  // Connections handed over may still be held by the loop's cancelled handlers: their sessions
  // go with it, while sessions_ and the metrics they touch still exist.
  impl_.reset();
}

void BeatsSource::stop_forwarder() {
  if (!forwarder_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    forward_stop_ = true;
  }
  cv_.notify_all();
  forwarder_.join();
}

Result<std::unique_ptr<Source>> BeatsSource::build(const Options& options, BuildContext& ctx) {
  std::unique_ptr<BeatsSource> s(new BeatsSource(options, ctx));
  if (auto r = s->open(ctx); !r) return unexpected(r.error());
  return std::unique_ptr<Source>(std::move(s));
}

Result<void> BeatsSource::open(BuildContext& ctx) {
  net::TcpServer::Options so;
  so.address = options_.address;
  so.max_connections = static_cast<std::size_t>(options_.max_connections);
  so.idle_timeout = options_.client_inactivity_timeout;
  so.handshake_timeout = options_.ssl_handshake_timeout;
  so.read_buffer_bytes = 256 * 1024;  // a 2048-event compressed window in one or two reads
  if (options_.ssl_enabled) {
    std::string mode = verify_mode(options_);
    const auto& cas = options_.ssl_certificate_authorities;
    net::TlsServerOptions t;
    t.cert_file = ctx.resolve(options_.ssl_certificate);
    t.key_file = ctx.resolve(options_.ssl_key);
    t.key_passphrase = options_.ssl_key_passphrase;
    t.protocols = options_.ssl_supported_protocols;
    t.ciphers = options_.ssl_cipher_suites;
    auto tls = net::make_tls_server_context(t);
    if (!tls) return unexpected(tls.error());
    for (const auto& ca : cas) {
      std::string path = ctx.resolve(ca);
      asio::error_code ec;
      if (std::filesystem::is_directory(path)) {
        (*tls)->add_verify_path(path, ec);
      } else {
        (*tls)->load_verify_file(path, ec);
      }
      if (ec) return unexpected(ErrorCode::kInvalidArgument, "ssl_certificate_authorities " + path + ": " + ec.message());
    }
    if (mode == "force_peer") {
      (*tls)->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    } else if (mode == "peer") {
      (*tls)->set_verify_mode(asio::ssl::verify_peer);
    }
    so.tls = *tls;
  }
  // A reload hands us the previous pipeline's listening socket and connections: no
  // connection is refused, none is closed.
  impl_->handover.adopt("beats", options_.address, options_.ssl_enabled);
  impl_->handover.use_listener(so);
  auto server = net::TcpServer::bind(impl_->io, std::move(so), metrics_->server);
  if (!server) return unexpected(server.error());
  port_ = (*server)->port();
  impl_->tcp = std::move(*server);
  return {};
}

net::lumberjack::Limits BeatsSource::limits() const {
  net::lumberjack::Limits l;
  l.max_frame_bytes = static_cast<std::size_t>(options_.max_frame_bytes.bytes);
  l.max_inflated_bytes = static_cast<std::size_t>(options_.max_window_bytes.bytes);
  return l;
}

void BeatsSource::register_session(uint64_t id, beats::BeatsSession* s) { sessions_[id] = s; }
void BeatsSource::unregister_session(uint64_t id) { sessions_.erase(id); }

void BeatsSource::count_error(std::string_view reason, std::string_view peer_ip) {
  for (auto& [r, c] : metrics_->protocol_errors) {
    if (r == reason) c->add();
  }
  metrics_->bad_input_log.warn("beats {}: protocol error '{}' from {}; connection closed", name_,
                               reason, peer_ip);
}

Event& BeatsSource::next_event(WindowRef ref) {
  if (!batch_) batch_ = out_->new_batch();
  if (batch_windows_.empty() || !(batch_windows_.back() == ref)) {
    batch_windows_.push_back(ref);
    if (auto it = sessions_.find(ref.connection); it != sessions_.end()) it->second->add_part(ref.window);
  }
  return batch_->add();
}

void BeatsSource::add_json(WindowRef ref, std::string_view json, std::string_view peer_ip) {
  Event& e = next_event(ref);
  auto r = mapper_.map_json(json, e, now_, peer_ip);
  batch_bad_json_ += r.bad_json;
  batch_bad_ts_ += r.bad_timestamp;
  if (batch_->size() >= static_cast<std::size_t>(options_.batch_max_events)) flush();
}

void BeatsSource::add_pairs(WindowRef ref,
                            const std::vector<std::pair<std::string_view, std::string_view>>& pairs,
                            std::string_view peer_ip) {
  Event& e = next_event(ref);
  auto r = mapper_.map_pairs(pairs, e, now_, peer_ip);
  batch_bad_ts_ += r.bad_timestamp;
  if (batch_->size() >= static_cast<std::size_t>(options_.batch_max_events)) flush();
}

void BeatsSource::flush() {
  if (!batch_) return;
  BatchPtr batch = std::move(batch_);
  batch_.reset();
  metrics_->events.add(batch->size());
  if (batch_bad_json_) metrics_->json_failures.add(batch_bad_json_);
  if (batch_bad_ts_) metrics_->timestamp_failures.add(batch_bad_ts_);
  batch_bad_json_ = batch_bad_ts_ = 0;
  std::weak_ptr<net::LoopRelay<BeatsSource>> weak = impl_->relay;
  batch->add_finalizer(std::make_shared<Finalizer>(
      [weak, refs = std::move(batch_windows_)](BatchStatus status) mutable {
        net::LoopRelay<BeatsSource>::post(weak, [refs = std::move(refs), status](BeatsSource& s) {
          s.windows_done(refs, status == BatchStatus::kDelivered);
        });
      }));
  batch_windows_ = {};
  std::size_t queued;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(batch));
    queued = queue_.size();
  }
  cv_.notify_one();
  if (queued >= kMaxQueuedBatches) set_paused(true);
}

void BeatsSource::windows_done(const std::vector<WindowRef>& refs, bool delivered) {
  for (const WindowRef& r : refs) {
    // part_done may close a session (undelivered), which unregisters it: look up each time.
    if (auto it = sessions_.find(r.connection); it != sessions_.end()) it->second->part_done(r.window, delivered);
  }
}

void BeatsSource::set_paused(bool paused) {
  // Held for a reload: a connection must not read again (what it read would have no pipeline).
  if (paused_ == paused || impl_->handover.held()) return;
  paused_ = paused;
  for (auto& [id, s] : sessions_) s->set_reading(!paused);
}

// Runs the transforms and waits for sink buffers (backpressure) off the io thread, so acks and
// keep-alives keep flowing while the pipeline is full.
void BeatsSource::forward_loop() {
  while (true) {
    BatchPtr batch;
    bool resume = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return forward_stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
      resume = queue_.size() < kMaxQueuedBatches;
    }
    if (resume) net::LoopRelay<BeatsSource>::post(impl_->relay, [](BeatsSource& s) { s.set_paused(false); });
    if (stopping_.load()) {
      batch->fail();
      continue;
    }
    if (!out_->send(std::move(batch))) {
      stopping_ = true;
      impl_->io.stop();
    }
  }
}

void BeatsSource::run(SourceContext& ctx) {
  out_ = &ctx.out;
  impl_->relay->attach(impl_->io, *this);
  forward_stop_ = false;
  forwarder_ = std::thread([this] { forward_loop(); });
  impl_->tcp->start([this](net::Connection& c) -> std::unique_ptr<net::ConnectionHandler> {
    return std::make_unique<beats::BeatsSession>(*this, c, impl_->io);
  });
  adopt_connections();
  log_info("beats source {}: listening on {} (port {}{})", name_, options_.address, port_,
           options_.ssl_enabled ? ", TLS" : "");
  auto guard = asio::make_work_guard(impl_->io);
  while (!ctx.stop.stop_requested() && !stopping_) {
    now_ = clock_->now();
    impl_->io.run_one_for(std::chrono::milliseconds(200));
    now_ = clock_->now();
    impl_->io.poll();  // everything already readable joins this batch
    flush();
    if (impl_->io.stopped()) {
      if (ctx.stop.stop_requested() || stopping_) break;
      impl_->io.restart();
    }
  }
  if (runtime::ListenerRegistry::instance().handing_over()) {
    // The connections stay: what they sent goes into this pipeline, acked once it drained
    // (if the pipeline no longer takes batches, they fail and on_drained() closes those).
    hold_for_handover();
    stop_forwarder();  // sends every batch queued (the sinks run until this thread ends)
    out_ = nullptr;
    return;
  }
  // Events of windows not yet acked are resent by their clients: drop the open batch.
  batch_.reset();
  batch_windows_.clear();
  stopping_ = true;
  impl_->relay->detach();
  impl_->tcp->stop();
  sessions_.clear();
  stop_forwarder();
  out_ = nullptr;
}

void BeatsSource::interrupt() {
  impl_->io.stop();
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

void BeatsSource::on_drained() {
  if (impl_->handover.held()) park_sockets();
}

void BeatsSource::adopt_connections() {
  std::size_t n = impl_->handover.adopt_connections(
      *impl_->tcp, [this](net::Connection& c, const std::any& state) -> std::unique_ptr<net::ConnectionHandler> {
        if (const auto* s = std::any_cast<beats::BeatsState>(&state))
          return std::make_unique<beats::BeatsSession>(*this, c, impl_->io, *s);
        return std::make_unique<beats::BeatsSession>(*this, c, impl_->io);
      });
  if (n > 0) log_info("beats source {}: took over {} open connections", name_, n);
}

// Reload, first step: no more accepts or reads (a TLS session moves with its fd). What the
// connections have read joins this pipeline's last batch; the rest waits in the kernel or the
// TLS session.
void BeatsSource::hold_for_handover() {
  if (impl_->handover.held()) return;
  now_ = clock_->now();
  impl_->handover.hold(impl_->io, impl_->tcp.get(), nullptr);
  if (out_) flush();
}

// Reload, second step (the old pipeline drained): the acks of what it delivered are written,
// then the socket and the connections go to the registry, each with its BeatsState. A
// connection with a window still waiting for a batch (the drain ran out of time) or failed
// closes instead: its client resends what has no ack.
void BeatsSource::park_sockets() {
  hold_for_handover();
  if (impl_->handover.parked()) return;
  send_drained_acks();
  auto kept = impl_->handover.park(
      impl_->tcp.get(), {}, [](const net::Connection&, net::ConnectionHandler& h) -> std::optional<std::any> {
        auto& session = static_cast<beats::BeatsSession&>(h);
        if (!session.can_move()) return std::nullopt;
        return session.state();
      });
  sessions_.clear();
  impl_->relay->detach();
  if (kept)
    log_info("beats source {}: {} socket and {} connections kept for the next pipeline", name_, options_.address,
             *kept);
}

// The drain has fired every finalizer: their windows_done() wait on the loop, and the acks
// they write must be out before the connections move.
void BeatsSource::send_drained_acks() {
  impl_->io.restart();
  impl_->io.poll();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (impl_->tcp && impl_->tcp->writes_pending() && std::chrono::steady_clock::now() < deadline)
    impl_->io.run_one_for(std::chrono::milliseconds(10));
}

}  // namespace logferry::sources

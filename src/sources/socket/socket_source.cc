#include "sources/socket/socket_source.h"

#include <arpa/inet.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <asio.hpp>

#include "core/log.h"
#include "core/tags.h"
#include "core/time_util.h"
#include "net/frame_splitter.h"
#include "net/listen_helpers.h"
#include "net/proxy_protocol.h"
#include "net/tls_server_context.h"
#include "runtime/socket_handover.h"
#include "sources/common/listener_options.h"

namespace logferry::sources {

using SteadyClock = std::chrono::steady_clock;

struct SocketSource::Metrics {
  Counter& json_failures;
  Counter& truncated;
  Counter& incomplete;
  Counter& udp_dropped;
  Counter& proxy_header_failures;
  net::TcpServerMetrics server;
  RateLimitedLog bad_input_log;
};

namespace {

constexpr std::size_t kUdpMaxPerWake = 4096;  // then let timers and the batch flush run
constexpr auto kMaxBatchAge = std::chrono::milliseconds(100);
constexpr std::string_view kJsonFailureTag = "_jsonparsefailure";

bool is_none(const SocketSource::Options& o) { return o.framing == "none"; }

// Who a connection's data comes from: its peer, or the client its PROXY header names (the
// header's destination is proxy_host and proxy_port, as in Logstash's tcp input).
struct StreamPeer {
  std::string ip, proxy_ip;
  uint16_t port = 0, proxy_port = 0;
  SocketSource::Peer view() const { return {ip, port, proxy_ip, proxy_port}; }
};

StreamPeer peer_of(const net::Connection& conn) {
  const auto& h = conn.proxy_header();
  if (!h || h->local) return {conn.peer_ip(), {}, conn.peer_port(), 0};
  return {h->source_ip, h->dest_ip, h->source_port, h->dest_port};
}

// What a TCP connection carries into the next pipeline on reload: the line it is halfway
// through, and who sent it.
struct StreamState {
  net::FrameSplitter split;
  StreamPeer peer;
};

// TCP/TLS: lines (framing newline) or each read (framing none) of one connection.
class SocketStreamHandler final : public net::ConnectionHandler {
 public:
  SocketStreamHandler(SocketSource& source, net::Connection& conn)
      : source_(source),
        none_(is_none(source.options())),
        split_(net::Framing::kNewline, source.max_frame_bytes(), /*keep_leading_spaces=*/true),
        peer_(peer_of(conn)) {}
  SocketStreamHandler(SocketSource& source, const StreamState& from)
      : source_(source), none_(is_none(source.options())), split_(from.split), peer_(from.peer) {}

  StreamState state() const { return {split_, peer_}; }

  void on_data(std::string_view bytes) override {
    feed(bytes);
    source_.after_read();
  }
  void on_close() override {
    if (split_.mid_frame()) source_.metrics().incomplete.add();
    split_.finish([this](std::string_view line, bool truncated) { source_.add_frame(line, peer_.view(), truncated); });
  }

 private:
  void feed(std::string_view bytes) {
    if (none_) {
      bool truncated = bytes.size() > source_.max_frame_bytes();
      source_.add_frame(bytes.substr(0, source_.max_frame_bytes()), peer_.view(), truncated);
    } else {
      split_.feed(bytes, [this](std::string_view line, bool truncated) { source_.add_frame(line, peer_.view(), truncated); });
    }
  }

  SocketSource& source_;
  bool none_;
  net::FrameSplitter split_;
  StreamPeer peer_;
};

const char* peer_text(const sockaddr_storage& peer, char* buf, socklen_t size) {
  const auto* sa = reinterpret_cast<const sockaddr*>(&peer);
  if (sa->sa_family == AF_INET)
    return ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, size);
  if (sa->sa_family == AF_INET6)
    return ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, size);
  return nullptr;
}

}  // namespace

struct SocketSource::Impl {
  asio::io_context io{1};
  std::unique_ptr<net::TcpServer> tcp;
  std::unique_ptr<asio::ip::udp::socket> udp;
  std::vector<char> datagram;  // one receive buffer, reused
  net::FrameSplitter udp_split{net::Framing::kNewline, 1, true};
  uint32_t kernel_drops_seen = 0;
  runtime::SocketHandover handover;  // reload: sockets and connections kept for the next pipeline
};

void SocketSource::TlsOptions::describe(config::Schema<TlsOptions>& s) {
  s.field("enabled", &TlsOptions::enabled).doc("Serve TLS on mode tcp (Logstash's ssl_enable).");
  describe_tls_server_files(s);
  s.field("extra_chain_certs", &TlsOptions::extra_chain_certs)
      .doc("PEM files of intermediate certificates sent after cert_file's chain.");
}

void SocketSource::describe(config::Schema<Options>& s) {
  s.field("address", &Options::address).required()
      .doc("HOST:PORT to listen on (port 0 picks a free one).");
  s.field("mode", &Options::mode).one_of({"tcp", "udp"}).doc("Transport.");
  s.field("framing", &Options::framing).one_of({"newline", "none"})
      .doc("newline: one event per line; none: one per datagram (udp) or per read (tcp).");
  s.field("decoding", &Options::decoding).one_of({"text", "json"})
      .doc("text: the frame is `message`; json: the object's keys become fields (an array, one "
           "event per object).");
  s.field("tls", &Options::tls).doc("TLS server settings for mode tcp.");
  s.field("proxy_protocol", &Options::proxy_protocol)
      .doc("Each TCP connection starts with a PROXY protocol v1 or v2 header (HAProxy, load "
           "balancers; with tls, in clear before the handshake): its client is host and port, "
           "the address it reached proxy_host and proxy_port. A connection without a valid "
           "header within 10 s is closed.");
  describe_listener_limits(s);
  s.check([](const Options& o, config::CheckContext& c) {
    if (o.tls.enabled && o.mode != "tcp") c.error("tls", "tls needs mode tcp");
    if (o.tls.enabled && (o.tls.cert_file.empty() || o.tls.key_file.empty()))
      c.error("tls", "tls.enabled needs tls.cert_file and tls.key_file");
    check_tls_server_files(o.tls, c);
    if (o.proxy_protocol && o.mode != "tcp") c.error("proxy_protocol", "needs mode tcp");
    check_listener_limits(o, c);
  });
}

SocketSource::SocketSource(Options options, BuildContext& ctx)
    : options_(std::move(options)), name_(ctx.name), clock_(&ctx.clock), impl_(std::make_unique<Impl>()) {
  Labels l = ctx.labels();
  auto& m = ctx.metrics;
  metrics_.reset(new Metrics{
      m.counter("logferry_socket_json_failures_total", "Frames that were not valid JSON (kept in message, tagged)", l),
      m.counter("logferry_socket_truncated_total", "Lines or datagrams cut at max_frame_bytes", l),
      m.counter("logferry_socket_incomplete_lines_total", "Unterminated last lines of closed connections (delivered)", l),
      m.counter("logferry_socket_udp_dropped_total", "Datagrams dropped by the kernel while the pipeline was full", l),
      m.counter("logferry_socket_proxy_header_failures_total", "Connections closed for a missing or bad PROXY header", l),
      net::tcp_server_metrics(m, "socket", l),
      RateLimitedLog()});
  impl_->udp_split = net::FrameSplitter(net::Framing::kNewline, max_frame_bytes(), true);
}

SocketSource::~SocketSource() {
  // Built during a reload but never run (a later component failed): the socket goes back.
  if (out_ == nullptr && runtime::ListenerRegistry::instance().handing_over()) park_sockets();
  if (impl_->tcp) impl_->tcp->stop();
  impl_->tcp.reset();
}

Result<std::unique_ptr<Source>> SocketSource::build(const Options& options, BuildContext& ctx) {
  std::unique_ptr<SocketSource> s(new SocketSource(options, ctx));
  if (auto r = s->open(ctx); !r) return unexpected(r.error());
  return std::unique_ptr<Source>(std::move(s));
}

Result<void> SocketSource::open_udp() {
  std::any drops_seen;
  auto sock = impl_->handover.open_udp(impl_->io, options_.address, options_.receive_buffer_bytes.bytes, &drops_seen);
  if (!sock) return unexpected(sock.error());
  if (const auto* seen = std::any_cast<uint32_t>(&drops_seen)) impl_->kernel_drops_seen = *seen;
  port_ = (*sock)->local_endpoint().port();
  impl_->udp = std::move(*sock);
  // One more byte than allowed tells a datagram that was too long.
  impl_->datagram.resize(std::min<std::size_t>(max_frame_bytes(), 65535) + 1);
  return {};
}

Result<void> SocketSource::open(BuildContext& ctx) {
  // A reload hands us the previous pipeline's socket: nothing is refused in between.
  impl_->handover.adopt("socket/" + options_.mode, options_.address, options_.tls.enabled);
  if (options_.mode == "udp") return open_udp();
  net::TcpServer::Options so;
  so.address = options_.address;
  so.max_connections = static_cast<std::size_t>(options_.max_connections);
  so.idle_timeout = options_.idle_timeout;
  so.proxy_header.enabled = options_.proxy_protocol;
  so.proxy_header.on_error = [this](const std::string& peer, const std::string& why) { proxy_header_failed(peer, why); };
  impl_->handover.use_listener(so);
  if (options_.tls.enabled) {
    net::TlsServerOptions t = tls_server_options(options_.tls, ctx);
    for (const auto& f : options_.tls.extra_chain_certs) t.extra_chain_files.push_back(ctx.resolve(f));
    auto tls = net::make_tls_server_context(t);
    if (!tls) return unexpected(tls.error());
    so.tls = *tls;
  }
  auto server = net::TcpServer::bind(impl_->io, std::move(so), metrics_->server);
  if (!server) return unexpected(server.error());
  port_ = (*server)->port();
  impl_->tcp = std::move(*server);
  return {};
}

Event& SocketSource::new_event() {
  if (!batch_) {
    batch_ = out_->new_batch();
    batch_started_ = SteadyClock::now();
  }
  return batch_->add();
}

void SocketSource::add_frame(std::string_view frame, const Peer& peer, bool truncated) {
  if (out_ == nullptr || frame.empty()) return;
  std::size_t first = batch_ ? batch_->size() : 0;
  if (options_.decoding == "json") {
    add_json(frame, truncated);
  } else {
    add_text(frame);
  }
  Peer copied{batch_->arena().copy(peer.ip), peer.port, batch_->arena().copy(peer.proxy_ip), peer.proxy_port};
  for (std::size_t i = first; i < batch_->size(); ++i) finish_event(batch_->events()[i], copied, truncated);
  if (truncated) ++batch_truncated_;
  if (batch_->size() >= static_cast<std::size_t>(options_.batch_max_events)) flush();
}

void SocketSource::add_text(std::string_view text) {
  Event& e = new_event();
  e.append("message", e.string_value(text));
}

// Logstash's json codec: an object is an event, an array one event per element; anything
// else (or invalid text) is the plain text tagged _jsonparsefailure.
void SocketSource::add_json(std::string_view text, bool truncated) {
  Event& first = new_event();
  std::optional<Value> parsed = truncated ? std::nullopt : json_.read(text, first);
  bool objects = parsed && parsed->is_object();
  if (parsed && parsed->kind() == Value::Kind::kArray) {
    objects = !parsed->as_array()->items.empty();
    for (const Value& item : parsed->as_array()->items) objects = objects && item.is_object();
  }
  if (!objects) {
    first.append("message", first.string_value(text));
    add_literal_tag(first, kJsonFailureTag);
    ++batch_json_failures_;
    return;
  }
  if (parsed->is_object()) {
    first.root().fields = parsed->as_object()->fields;
    return;
  }
  const auto& items = parsed->as_array()->items;
  first.root().fields = items.front().as_object()->fields;
  for (std::size_t i = 1; i < items.size(); ++i) new_event().root().fields = items[i].as_object()->fields;
}

// Logstash's Event: a JSON `@timestamp` is parsed (else now, the original kept in
// `_@timestamp`, tagged); the input sets host and port unless the event has them.
void SocketSource::finish_event(Event& e, const Peer& peer, bool truncated) {
  Object& root = e.root();
  Timestamp now = clock_->now();
  Value* ts = root.get("@timestamp");
  if (ts == nullptr) {
    e.append("@timestamp", Value::timestamp(now));
  } else if (auto t = ts->is_string() ? parse_rfc3339(ts->as_string()) : std::nullopt) {
    *ts = Value::timestamp(*t);
  } else if (ts->kind() != Value::Kind::kTimestamp) {
    Value original = *ts;
    *ts = Value::timestamp(now);
    root.set("_@timestamp", original);
    add_literal_tag(e, "_timestampparsefailure");
  }
  if (root.get("host") == nullptr && !peer.ip.empty()) e.append("host", Value::string(peer.ip));
  if (peer.port != 0 && root.get("port") == nullptr) e.append("port", Value::integer(peer.port));
  if (!peer.proxy_ip.empty() && root.get("proxy_host") == nullptr) e.append("proxy_host", Value::string(peer.proxy_ip));
  if (peer.proxy_port != 0 && root.get("proxy_port") == nullptr) e.append("proxy_port", Value::integer(peer.proxy_port));
  if (truncated) e.append("truncated", Value::boolean(true));
}

void SocketSource::proxy_header_failed(const std::string& peer_ip, const std::string& why) {
  metrics_->proxy_header_failures.add();
  metrics_->bad_input_log.warn("socket source {}: closing {}: PROXY protocol: {}", name_, peer_ip, why);
}

void SocketSource::after_read() {
  if (batch_ && SteadyClock::now() - batch_started_ >= kMaxBatchAge) flush();
}

void SocketSource::flush() {
  if (!batch_) return;
  BatchPtr batch = std::move(batch_);
  batch_.reset();
  if (batch_json_failures_) {
    metrics_->json_failures.add(batch_json_failures_);
    metrics_->bad_input_log.warn("socket {}: {} frame(s) were not JSON (kept in message, tagged {})", name_,
                                 batch_json_failures_, kJsonFailureTag);
  }
  if (batch_truncated_) {
    metrics_->truncated.add(batch_truncated_);
    metrics_->bad_input_log.warn("socket {}: frame longer than max_frame_bytes ({}) cut", name_,
                                 options_.max_frame_bytes.bytes);
  }
  batch_json_failures_ = batch_truncated_ = 0;
  if (!out_->send(std::move(batch))) {
    stopping_ = true;
    impl_->io.stop();
  }
}

void SocketSource::arm_udp() {
  impl_->udp->async_wait(asio::socket_base::wait_read, [this](asio::error_code ec) {
    if (ec || stopping_) return;
    drain_udp();
    if (!stopping_) arm_udp();
  });
}

// One datagram: one frame (framing none) or its lines.
void SocketSource::add_datagram(std::string_view data, std::string_view peer_ip, bool truncated) {
  if (is_none(options_)) {
    add_frame(data, Peer{peer_ip, 0, {}, 0}, truncated);
    return;
  }
  auto on_line = [&](std::string_view line, bool cut) { add_frame(line, Peer{peer_ip, 0, {}, 0}, cut || truncated); };
  impl_->udp_split.feed(data, on_line);
  impl_->udp_split.finish(on_line);
}

void SocketSource::drain_udp() {
  Impl& im = *impl_;
  int fd = im.udp->native_handle();
  char ip[INET6_ADDRSTRLEN];
  for (std::size_t i = 0; i < kUdpMaxPerWake && !stopping_; ++i) {
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof(peer);
    ssize_t n = ::recvfrom(fd, im.datagram.data(), im.datagram.size(), MSG_DONTWAIT | MSG_TRUNC,
                           reinterpret_cast<sockaddr*>(&peer), &peer_len);
    if (n < 0) break;
    const char* who = peer_text(peer, ip, sizeof(ip));
    std::string_view from = who ? std::string_view(who) : std::string_view();
    auto len = static_cast<std::size_t>(n);
    bool truncated = len > max_frame_bytes() || len >= im.datagram.size();
    add_datagram(std::string_view(im.datagram.data(), std::min({len, im.datagram.size() - 1, max_frame_bytes()})),
                 from, truncated);
  }
  // Kernel drops while the pipeline was full: the socket's own counter (it only grows).
  uint32_t meminfo[SK_MEMINFO_VARS] = {};
  socklen_t len = sizeof(meminfo);
  if (::getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo, &len) == 0 && len > SK_MEMINFO_DROPS * sizeof(uint32_t)) {
    uint32_t delta = meminfo[SK_MEMINFO_DROPS] - im.kernel_drops_seen;
    if (delta > 0 && delta < (1u << 31)) metrics_->udp_dropped.add(delta);
    im.kernel_drops_seen = meminfo[SK_MEMINFO_DROPS];
  }
  after_read();
}

void SocketSource::run(SourceContext& ctx) {
  out_ = &ctx.out;
  if (impl_->tcp) {
    impl_->tcp->start([this](net::Connection& c) -> std::unique_ptr<net::ConnectionHandler> {
      return std::make_unique<SocketStreamHandler>(*this, c);
    });
    adopt_connections();
  }
  if (impl_->udp) {
    replay_held_datagrams();
    arm_udp();
  }
  log_info("socket source {}: listening on {} ({}{}, port {})", name_, options_.address, options_.mode,
           options_.tls.enabled ? "+tls" : "", port_);
  net::run_rounds(impl_->io, ctx.stop, stopping_, [this] { flush(); });
  flush();
  stopping_ = true;
  if (runtime::ListenerRegistry::instance().handing_over()) {
    park_sockets();
    out_ = nullptr;
    return;
  }
  if (impl_->tcp) impl_->tcp->stop();  // last lines of closing connections join the batch
  if (impl_->udp) {
    asio::error_code ec;
    impl_->udp->close(ec);
  }
  flush();
  out_ = nullptr;
}

void SocketSource::interrupt() { impl_->io.stop(); }

void SocketSource::adopt_connections() {
  std::size_t n = impl_->handover.adopt_connections(
      *impl_->tcp, [this](net::Connection& c, const std::any& state) -> std::unique_ptr<net::ConnectionHandler> {
        if (const auto* s = std::any_cast<StreamState>(&state)) return std::make_unique<SocketStreamHandler>(*this, *s);
        return std::make_unique<SocketStreamHandler>(*this, c);
      });
  if (n > 0) log_info("socket source {}: took over {} open connections", name_, n);
}

// Datagrams that arrived while the socket was parked between two pipelines, in order.
void SocketSource::replay_held_datagrams() {
  auto held = impl_->handover.take_held_datagrams();
  for (const auto& d : held) {
    std::string_view bytes = d.bytes;
    add_datagram(bytes.substr(0, max_frame_bytes()), d.peer_ip, d.truncated || bytes.size() > max_frame_bytes());
  }
  if (!held.empty()) log_info("socket source {}: {} datagrams received during the reload", name_, held.size());
  flush();
}

// Reload: no more accepts or reads; what was read goes out in this pipeline's last batch, then
// the socket and its connections (each with its half-read line) wait for the next pipeline.
void SocketSource::park_sockets() {
  impl_->handover.hold(impl_->io, impl_->tcp.get(), impl_->udp.get());
  flush();
  auto kept = impl_->handover.park(impl_->tcp.get(), impl_->kernel_drops_seen,
                                   [](const net::Connection&, net::ConnectionHandler& h) -> std::optional<std::any> {
                                     return static_cast<SocketStreamHandler&>(h).state();
                                   });
  if (kept)
    log_info("socket source {}: {} socket and {} connections kept for the next pipeline", name_, options_.address,
             *kept);
}

}  // namespace logferry::sources

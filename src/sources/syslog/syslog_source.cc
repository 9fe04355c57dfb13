#include "sources/syslog/syslog_source.h"

#include <arpa/inet.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <asio.hpp>
#include <cstring>

#include "core/log.h"
#include "net/loop_relay.h"
#include "net/tls_server_context.h"
#include "net/relp.h"
#include "net/listen_helpers.h"
#include "runtime/socket_handover.h"
#include "sources/common/listener_options.h"
#include "sources/syslog/syslog_parser.h"

namespace logferry::sources {

using SteadyClock = std::chrono::steady_clock;

struct SyslogSource::Metrics {
  Counter& malformed;
  Counter& truncated;
  Counter& framing_errors;
  Counter& incomplete;
  Counter& udp_dropped;
  Counter& proxy_header_failures;
  net::TcpServerMetrics server;
  RateLimitedLog bad_input_log;
};

namespace {

constexpr std::size_t kUdpSlots = 64;
constexpr std::size_t kUdpMaxPerWake = 4096;  // then let TCP connections and timers run
constexpr auto kMaxBatchAge = std::chrono::milliseconds(100);

}  // namespace

struct SyslogSource::Impl {
  asio::io_context io{1};
  std::unique_ptr<net::TcpServer> tcp;
  std::unique_ptr<asio::ip::udp::socket> udp;
  // Finalizers fire on sink threads; RELP acks are written on the io thread, while the loop runs.
  std::shared_ptr<net::LoopRelay<SyslogSource>> relay = std::make_shared<net::LoopRelay<SyslogSource>>();
  // recvmmsg state, reused for every read
  std::size_t slot_bytes = 0;
  std::vector<char> udp_buffers;
  std::array<mmsghdr, kUdpSlots> msgs{};
  std::array<iovec, kUdpSlots> iovs{};
  std::array<sockaddr_storage, kUdpSlots> peers{};
  std::array<std::array<char, CMSG_SPACE(sizeof(uint32_t))>, kUdpSlots> controls{};
  uint32_t kernel_drops_seen = 0;
  runtime::SocketHandover handover;  // reload: sockets and connections kept for the next pipeline
};

namespace {

// Who sends on a connection (source_ip): the client its PROXY header names (proxy_protocol),
// else its peer.
std::string sender_of(const net::Connection& conn) {
  const auto& h = conn.proxy_header();
  return h && !h->local ? h->source_ip : conn.peer_ip();
}

}  // namespace

namespace syslog {

// What a TCP connection carries into the next pipeline on reload: the frame it is halfway
// through (and the framing it started with), the counts already reported, and its sender.
struct StreamState {
  net::FrameSplitter split;
  uint64_t errors_seen = 0, incomplete_seen = 0;
  std::string sender;
};

// TCP/TLS: frames from a byte stream.
class StreamHandler final : public net::ConnectionHandler {
 public:
  StreamHandler(SyslogSource& source, net::Connection& conn)
      : source_(source), split_(source.framing(), source.max_frame_bytes()), sender_(sender_of(conn)) {}
  StreamHandler(SyslogSource& source, const StreamState& from)
      : source_(source), split_(from.split), errors_seen_(from.errors_seen), incomplete_seen_(from.incomplete_seen),
        sender_(from.sender) {}

  StreamState state() const { return {split_, errors_seen_, incomplete_seen_, sender_}; }

  void on_data(std::string_view bytes) override {
    split_.feed(bytes, [this](std::string_view frame, bool truncated) {
      source_.add_message(frame, sender_, truncated, nullptr);
    });
    count();
    source_.after_read();
  }
  void on_close() override {
    split_.finish([this](std::string_view frame, bool truncated) {
      source_.add_message(frame, sender_, truncated, nullptr);
    });
    count();
  }

 private:
  void count() {
    auto& m = source_.metrics();
    if (uint64_t d = split_.framing_errors() - errors_seen_) {
      m.framing_errors.add(d);
      m.bad_input_log.warn("syslog: bad framing from {} (not a syslog frame)", sender_);
    }
    if (uint64_t d = split_.incomplete() - incomplete_seen_) m.incomplete.add(d);
    errors_seen_ = split_.framing_errors();
    incomplete_seen_ = split_.incomplete();
  }
  SyslogSource& source_;
  net::FrameSplitter split_;
  uint64_t errors_seen_ = 0, incomplete_seen_ = 0;
  std::string sender_;
};

// What an open RELP session carries into the next pipeline: its half-read frame and that it
// was opened. Only a session with no ack outstanding moves.
struct RelpState {
  net::relp::FrameReader reader;
  bool open = false;
  std::string sender;
};

// RELP: acks deferred until the batch holding the message is delivered.
class RelpHandler final : public net::ConnectionHandler {
 public:
  RelpHandler(SyslogSource& source, net::Connection& conn)
      : source_(source), conn_(conn), reader_(source.max_frame_bytes()), sender_(sender_of(conn)) {
    source_.register_relp(conn_.id(), this);
  }
  RelpHandler(SyslogSource& source, net::Connection& conn, const RelpState& from)
      : source_(source), conn_(conn), reader_(from.reader), sender_(from.sender), open_(from.open) {
    source_.register_relp(conn_.id(), this);
  }

  // Every message acked, no close under way: the session can go to the next pipeline.
  bool can_move() const { return pending_ == 0 && acks_.empty() && !close_requested_ && !closing_; }
  RelpState state() const { return {reader_, open_, sender_}; }

  void on_data(std::string_view bytes) override {
    bool ok = reader_.feed(bytes, [this](const net::relp::Frame& f) {
      if (closing_) return;
      const uint32_t txnr = f.txnr;
      const std::string_view cmd = f.command;
      if (cmd == "syslog") {
        if (!open_) {
          protocol_error("syslog before open");
          return;
        }
        SyslogSource::RelpAck ack{conn_.id(), txnr};
        ++pending_;
        source_.add_message(f.data, sender_, f.truncated, &ack);
      } else if (cmd == "open") {
        open_ = true;
        conn_.write(net::relp::response(
            txnr, "200 OK\nrelp_version=0\nrelp_software=logferry\ncommands=syslog"));
      } else if (cmd == "close") {
        close_requested_ = true;
        close_txnr_ = txnr;
        maybe_close();
      } else if (cmd == "rsp") {
        // an answer to our serverclose hint; nothing to do
      } else {
        conn_.write(net::relp::response(txnr, "500 unknown command"));
      }
    });
    if (!ok) protocol_error("malformed RELP frame");
    source_.after_read();
  }

  void on_close() override {
    closing_ = true;
    if (reader_.mid_frame()) source_.metrics().incomplete.add();
    source_.unregister_relp(conn_.id());
  }

  // On the io thread, when a batch is delivered: queue the ack.
  void ack(uint64_t txnr) {
    acks_ += net::relp::response(static_cast<uint32_t>(txnr), "200 OK");
    if (pending_ > 0) --pending_;
  }
  void flush_acks() {
    if (!acks_.empty()) conn_.write(std::move(acks_));
    acks_.clear();
    maybe_close();
  }
  void fail() { conn_.close(); }  // the sender resends what it has no ack for

 private:
  void maybe_close() {
    if (close_requested_ && pending_ == 0 && !closing_) {
      closing_ = true;
      conn_.write(net::relp::response(close_txnr_, ""));
      conn_.close_when_flushed();
    }
  }
  void protocol_error(const char* what) {
    source_.metrics().framing_errors.add();
    source_.metrics().bad_input_log.warn("syslog relp: {} from {}; closing", what, sender_);
    closing_ = true;
    conn_.close();
  }
  SyslogSource& source_;
  net::Connection& conn_;
  net::relp::FrameReader reader_;
  std::string sender_;
  std::string acks_;
  std::size_t pending_ = 0;
  uint32_t close_txnr_ = 0;
  bool open_ = false, close_requested_ = false, closing_ = false;
};

}  // namespace syslog

void SyslogSource::TlsOptions::describe(config::Schema<TlsOptions>& s) {
  describe_tls_server_files(s);
}

void SyslogSource::describe(config::Schema<Options>& s) {
  s.field("address", &Options::address).doc("HOST:PORT to listen on (port 0 picks a free one).");
  s.field("mode", &Options::mode).one_of({"udp", "tcp", "tls", "relp"}).doc("Transport.");
  s.field("tls", &Options::tls).doc("TLS settings for mode tls; with mode relp, cert_file and key_file turn on RELP over TLS.");
  s.field("framing", &Options::framing).one_of({"auto", "newline", "octet_counting"})
      .doc("TCP/TLS framing (RFC 6587); auto: a frame starting with a digit is octet-counted.");
  s.field("proxy_protocol", &Options::proxy_protocol)
      .doc("Each connection (tcp, tls, relp) starts with a PROXY protocol v1 or v2 header "
           "(HAProxy, load balancers; with TLS, in clear before the handshake): its client is "
           "source_ip, and host when the message has no hostname. A connection without a valid "
           "header within 10 s is closed.");
  describe_listener_limits(s);
  s.check([](const Options& o, config::CheckContext& c) {
    if (o.proxy_protocol && o.mode == "udp") c.error("proxy_protocol", "needs mode tcp, tls or relp");
    if (o.mode == "tls" && (o.tls.cert_file.empty() || o.tls.key_file.empty()))
      c.error("tls", "mode tls needs tls.cert_file and tls.key_file");
    if (o.mode == "relp" && o.tls.cert_file.empty() != o.tls.key_file.empty())
      c.error("tls", "RELP over TLS needs both tls.cert_file and tls.key_file");
    check_tls_server_files(o.tls, c);
    check_listener_limits(o, c);
  });
}

SyslogSource::SyslogSource(Options options, BuildContext& ctx)
    : options_(std::move(options)), name_(ctx.name), clock_(&ctx.clock), impl_(std::make_unique<Impl>()) {
  Labels l = ctx.labels();
  auto& m = ctx.metrics;
  metrics_.reset(new Metrics{
      m.counter("logferry_syslog_malformed_total", "Messages that were not valid RFC 5424/3164 (kept whole in message)", l),
      m.counter("logferry_syslog_truncated_total", "Messages cut at max_frame_bytes", l),
      m.counter("logferry_syslog_framing_errors_total", "Bad frames skipped (garbage, bad octet counts, RELP protocol errors)", l),
      m.counter("logferry_syslog_incomplete_frames_total", "Frames cut short by a closed connection", l),
      m.counter("logferry_syslog_udp_dropped_total", "Datagrams dropped by the kernel while the pipeline was full", l),
      m.counter("logferry_syslog_proxy_header_failures_total", "Connections closed for a missing or bad PROXY header", l),
      net::tcp_server_metrics(m, "syslog", l),
      RateLimitedLog()});
  if (options_.framing == "newline") framing_ = net::Framing::kNewline;
  if (options_.framing == "octet_counting") framing_ = net::Framing::kOctetCounting;
}

SyslogSource::~SyslogSource() {
  impl_->relay->detach();
  // Built during a reload but never run (a later component failed): the socket goes back.
  if (out_ == nullptr && runtime::ListenerRegistry::instance().handing_over()) park_sockets();
  if (impl_->tcp) impl_->tcp->stop();
  impl_->tcp.reset();
}

Result<std::unique_ptr<Source>> SyslogSource::build(const Options& options, BuildContext& ctx) {
  std::unique_ptr<SyslogSource> s(new SyslogSource(options, ctx));
  if (auto r = s->open(ctx); !r) return unexpected(r.error());
  return std::unique_ptr<Source>(std::move(s));
}

Result<void> SyslogSource::open(BuildContext& ctx) {
  // RELP over TLS (omrelp tls="on") when relp mode is given a certificate.
  bool relp_tls = options_.mode == "relp" && !options_.tls.cert_file.empty();
  bool use_tls = options_.mode == "tls" || relp_tls;
  // A reload hands us the previous pipeline's socket: nothing is refused in between.
  impl_->handover.adopt("syslog/" + options_.mode, options_.address, use_tls);
  if (options_.mode == "udp") {
    std::any drops_seen;
    auto sock = impl_->handover.open_udp(impl_->io, options_.address, options_.receive_buffer_bytes.bytes, &drops_seen);
    if (!sock) return unexpected(sock.error());
    if (const auto* seen = std::any_cast<uint32_t>(&drops_seen)) impl_->kernel_drops_seen = *seen;
    int one = 1;
    ::setsockopt((*sock)->native_handle(), SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
    port_ = (*sock)->local_endpoint().port();
    impl_->udp = std::move(*sock);
    impl_->slot_bytes = std::min<std::size_t>(max_frame_bytes(), 65536);
    impl_->udp_buffers.resize(impl_->slot_bytes * kUdpSlots);
    return {};
  }
  net::TcpServer::Options so;
  so.address = options_.address;
  so.max_connections = static_cast<std::size_t>(options_.max_connections);
  so.idle_timeout = options_.idle_timeout;
  so.no_delay = true;  // RELP acks (and nothing else we send) must not wait for Nagle
  so.proxy_header.enabled = options_.proxy_protocol;
  so.proxy_header.on_error = [this](const std::string& peer, const std::string& why) { proxy_header_failed(peer, why); };
  impl_->handover.use_listener(so);
  if (use_tls) {
    net::TlsServerOptions t = tls_server_options(options_.tls, ctx);
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

void SyslogSource::register_relp(uint64_t id, syslog::RelpHandler* h) { relp_handlers_[id] = h; }
void SyslogSource::unregister_relp(uint64_t id) { relp_handlers_.erase(id); }

void SyslogSource::add_message(std::string_view frame, std::string_view peer_ip, bool truncated,
                               const RelpAck* ack) {
  while (!frame.empty() && (frame.back() == '\n' || frame.back() == '\r' || frame.back() == '\0'))
    frame.remove_suffix(1);
  if (out_ == nullptr) return;  // not running (cannot happen while connections are served)
  if (frame.empty()) {
    // Nothing to log, but a RELP sender still needs its ack: an empty batch slot does that.
    if (ack == nullptr) return;
  }
  if (!batch_) {
    batch_ = out_->new_batch();
    batch_started_ = SteadyClock::now();
  }
  if (ack) batch_acks_.push_back(*ack);
  if (frame.empty()) return;
  Event& e = batch_->add();
  std::string_view text = batch_->arena().copy(frame);
  std::string_view ip = batch_->arena().copy(peer_ip);
  auto format = syslog::parse_syslog(text, e, clock_->now(), ip);
  if (format == syslog::SyslogFormat::kMalformed) ++batch_malformed_;
  e.append("source_ip", Value::string(ip));
  if (truncated) {
    e.append("truncated", Value::boolean(true));
    ++batch_truncated_;
  }
  if (batch_->size() >= static_cast<std::size_t>(options_.batch_max_events)) flush();
}

void SyslogSource::proxy_header_failed(const std::string& peer_ip, const std::string& why) {
  metrics_->proxy_header_failures.add();
  metrics_->bad_input_log.warn("syslog source {}: closing {}: PROXY protocol: {}", name_, peer_ip, why);
}

void SyslogSource::after_read() {
  if (batch_ && SteadyClock::now() - batch_started_ >= kMaxBatchAge) flush();
}

void SyslogSource::flush() {
  if (!batch_) return;
  BatchPtr batch = std::move(batch_);
  batch_.reset();
  if (batch_malformed_) metrics_->malformed.add(batch_malformed_);
  if (batch_truncated_) {
    metrics_->truncated.add(batch_truncated_);
    metrics_->bad_input_log.warn("syslog {}: message longer than max_frame_bytes ({}) cut", name_,
                                 options_.max_frame_bytes.bytes);
  }
  batch_malformed_ = batch_truncated_ = 0;
  if (!batch_acks_.empty()) {
    std::weak_ptr<net::LoopRelay<SyslogSource>> weak = impl_->relay;
    batch->add_finalizer(std::make_shared<Finalizer>(
        [weak, acks = std::move(batch_acks_)](BatchStatus status) mutable {
          net::LoopRelay<SyslogSource>::post(weak, [acks = std::move(acks), status](SyslogSource& s) mutable {
            s.deliver_acks(acks, status == BatchStatus::kDelivered);
          });
        }));
    batch_acks_ = {};
  }
  if (!out_->send(std::move(batch))) {
    stopping_ = true;
    impl_->io.stop();
  }
}

void SyslogSource::deliver_acks(std::vector<RelpAck>& acks, bool delivered) {
  std::vector<syslog::RelpHandler*> touched;
  for (const RelpAck& a : acks) {
    auto it = relp_handlers_.find(a.connection);
    if (it == relp_handlers_.end()) continue;  // gone: the sender resends after reconnecting
    if (!delivered) {
      it->second->fail();
      continue;
    }
    it->second->ack(a.txnr);
    if (touched.empty() || touched.back() != it->second) touched.push_back(it->second);
  }
  for (auto* h : touched) {
    // fail() above may have closed and unregistered it meanwhile
    for (auto& [id, live] : relp_handlers_) {
      if (live == h) {
        h->flush_acks();
        break;
      }
    }
  }
}

void SyslogSource::arm_udp() {
  impl_->udp->async_wait(asio::socket_base::wait_read, [this](asio::error_code ec) {
    if (ec || stopping_) return;
    drain_udp();
    if (!stopping_) arm_udp();
  });
}

void SyslogSource::count_udp_drops(uint32_t kernel_total) {
  // Both kernel counters only grow (modulo 2^32); count what is new since the last look.
  uint32_t delta = kernel_total - impl_->kernel_drops_seen;
  if (delta == 0 || delta > (1u << 31)) return;  // older stamp than one already counted
  metrics_->udp_dropped.add(delta);
  impl_->kernel_drops_seen = kernel_total;
}

void SyslogSource::drain_udp() {
  Impl& im = *impl_;
  int fd = im.udp->native_handle();
  std::size_t total = 0;
  char ip[INET6_ADDRSTRLEN];
  while (total < kUdpMaxPerWake && !stopping_) {
    for (std::size_t i = 0; i < kUdpSlots; ++i) {
      im.iovs[i] = {im.udp_buffers.data() + i * im.slot_bytes, im.slot_bytes};
      msghdr& h = im.msgs[i].msg_hdr;
      h = {};
      h.msg_name = &im.peers[i];
      h.msg_namelen = sizeof(sockaddr_storage);
      h.msg_iov = &im.iovs[i];
      h.msg_iovlen = 1;
      h.msg_control = im.controls[i].data();
      h.msg_controllen = im.controls[i].size();
    }
    int n = ::recvmmsg(fd, im.msgs.data(), kUdpSlots, MSG_DONTWAIT, nullptr);
    if (n <= 0) break;
    for (int k = 0; k < n; ++k) {
      auto i = static_cast<std::size_t>(k);
      msghdr& h = im.msgs[i].msg_hdr;
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          uint32_t drops = 0;
          std::memcpy(&drops, CMSG_DATA(c), sizeof(drops));
          count_udp_drops(drops);
        }
      }
      const auto* sa = reinterpret_cast<const sockaddr*>(&im.peers[i]);
      const char* ok = nullptr;
      if (sa->sa_family == AF_INET) {
        ok = ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, ip, sizeof(ip));
      } else if (sa->sa_family == AF_INET6) {
        ok = ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, ip, sizeof(ip));
      }
      std::size_t len = im.msgs[i].msg_len;
      bool truncated = (h.msg_flags & MSG_TRUNC) != 0 || len > max_frame_bytes();
      len = std::min(len, std::min(im.slot_bytes, max_frame_bytes()));
      add_message(std::string_view(im.udp_buffers.data() + i * im.slot_bytes, len),
                  ok ? std::string_view(ip) : std::string_view(), truncated, nullptr);
    }
    total += static_cast<std::size_t>(n);
    if (static_cast<std::size_t>(n) < kUdpSlots) break;
  }
  // The per-datagram SO_RXQ_OVFL stamp only reports drops once a later datagram gets in; the
  // socket's own counter is current.
  uint32_t meminfo[SK_MEMINFO_VARS] = {};
  socklen_t len = sizeof(meminfo);
  if (::getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo, &len) == 0 && len > SK_MEMINFO_DROPS * sizeof(uint32_t))
    count_udp_drops(meminfo[SK_MEMINFO_DROPS]);
  after_read();
}

void SyslogSource::run(SourceContext& ctx) {
  out_ = &ctx.out;
  impl_->relay->attach(impl_->io, *this);
  if (impl_->tcp) {
    bool relp = options_.mode == "relp";
    impl_->tcp->start([this, relp](net::Connection& c) -> std::unique_ptr<net::ConnectionHandler> {
      if (relp) return std::make_unique<syslog::RelpHandler>(*this, c);
      return std::make_unique<syslog::StreamHandler>(*this, c);
    });
    adopt_connections();
  }
  if (impl_->udp) {
    replay_held_datagrams();
    arm_udp();
  }
  log_info("syslog source {}: listening on {} ({}, port {})", name_, options_.address, options_.mode, port_);
  net::run_rounds(impl_->io, ctx.stop, stopping_, [this] { flush(); });
  flush();  // TCP senders got no ack to resend on: hand over what was read (failed if stopping)
  stopping_ = true;
  if (runtime::ListenerRegistry::instance().handing_over()) {
    hold_for_handover();
    out_ = nullptr;
    // RELP sessions move once the drain has acked what they sent (on_drained()).
    if (options_.mode != "relp") park_sockets();
    return;
  }
  impl_->relay->detach();
  if (impl_->tcp) impl_->tcp->stop();  // last lines of closing connections join the batch
  if (impl_->udp) {
    asio::error_code ec;
    impl_->udp->close(ec);
  }
  flush();
  out_ = nullptr;
}

void SyslogSource::interrupt() { impl_->io.stop(); }

// Datagrams that arrived while the socket was parked between two pipelines, in order.
void SyslogSource::replay_held_datagrams() {
  auto held = impl_->handover.take_held_datagrams();
  for (const auto& d : held) {
    std::string_view bytes = d.bytes;
    bool truncated = d.truncated || bytes.size() > max_frame_bytes();
    add_message(bytes.substr(0, max_frame_bytes()), d.peer_ip, truncated, nullptr);
  }
  if (!held.empty()) log_info("syslog source {}: {} datagrams received during the reload", name_, held.size());
  flush();
}

void SyslogSource::adopt_connections() {
  std::size_t n = impl_->handover.adopt_connections(
      *impl_->tcp, [this](net::Connection& conn, const std::any& state) -> std::unique_ptr<net::ConnectionHandler> {
        if (const auto* relp = std::any_cast<syslog::RelpState>(&state))
          return std::make_unique<syslog::RelpHandler>(*this, conn, *relp);
        if (const auto* stream = std::any_cast<syslog::StreamState>(&state))
          return std::make_unique<syslog::StreamHandler>(*this, *stream);
        if (options_.mode == "relp") return std::make_unique<syslog::RelpHandler>(*this, conn);
        return std::make_unique<syslog::StreamHandler>(*this, conn);
      });
  if (n > 0) log_info("syslog source {}: took over {} open connections", name_, n);
}

void SyslogSource::on_drained() {
  if (impl_->handover.held()) park_sockets();
}

// Reload, first step: no more accepts or reads (TLS sessions move with their fds). What
// the connections have read reaches this pipeline (the last batch); the rest waits in the kernel
// or in the TLS session.
void SyslogSource::hold_for_handover() {
  if (impl_->handover.held()) return;
  impl_->handover.hold(impl_->io, impl_->tcp.get(), impl_->udp.get());
  flush();
}

// Reload, second step: the socket and its open connections go to the registry for the next
// pipeline. A frame cut in half travels in the connection's StreamState or RelpState.
void SyslogSource::park_sockets() {
  hold_for_handover();
  if (impl_->handover.parked()) return;
  bool relp = options_.mode == "relp";
  if (impl_->tcp && relp) send_drained_acks();
  auto kept = impl_->handover.park(
      impl_->tcp.get(), impl_->kernel_drops_seen,
      [relp](const net::Connection&, net::ConnectionHandler& h) -> std::optional<std::any> {
        if (!relp) return static_cast<syslog::StreamHandler&>(h).state();
        auto& session = static_cast<syslog::RelpHandler&>(h);
        if (!session.can_move()) return std::nullopt;  // the sender resends what has no ack
        return session.state();
      });
  relp_handlers_.clear();
  impl_->relay->detach();
  if (kept)
    log_info("syslog source {}: {} socket and {} connections kept for the next pipeline", name_,
             options_.address, *kept);
}

// The drain has fired every finalizer: their acks wait on the loop. Write them out before the
// sessions move (a session whose batch failed closes instead, and its sender resends).
void SyslogSource::send_drained_acks() {
  impl_->io.restart();
  impl_->io.poll();
  auto deadline = SteadyClock::now() + std::chrono::seconds(2);
  while (impl_->tcp->writes_pending() && SteadyClock::now() < deadline)
    impl_->io.run_one_for(std::chrono::milliseconds(10));
}

}  // namespace logferry::sources

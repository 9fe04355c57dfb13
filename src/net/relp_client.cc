#include "net/relp_client.h"

#include <charconv>
#include <cstring>

namespace logferry::net {

namespace {

constexpr uint32_t kMaxTxnr = 999'999'999;  // RELP: TXNR is 1..999999999, then wraps to 1
constexpr std::size_t kMaxDataLen = 512 * 1024 * 1024;

Unexpected<Error> protocol_error(const std::string& what) {
  return unexpected(ErrorCode::kUnavailable, "RELP: " + what);
}

}  // namespace

Result<std::optional<RelpFrame>> parse_relp_frame(std::string_view in) {
  RelpFrame f;
  std::size_t i = 0;
  auto number = [&](uint64_t max, uint64_t& value) -> int {  // 1 ok, 0 need more, -1 bad
    std::size_t begin = i;
    value = 0;
    while (i < in.size() && in[i] >= '0' && in[i] <= '9') {
      value = value * 10 + static_cast<uint64_t>(in[i] - '0');
      if (value > max || i - begin >= 10) return -1;
      ++i;
    }
    if (i == in.size()) return 0;
    return i > begin ? 1 : -1;
  };
  uint64_t txnr = 0, len = 0;
  int r = number(kMaxTxnr, txnr);
  if (r <= 0) return r == 0 ? Result<std::optional<RelpFrame>>(std::nullopt) : protocol_error("bad TXNR");
  if (in[i++] != ' ') return protocol_error("expected SP after TXNR");
  std::size_t cmd = i;
  while (i < in.size() && in[i] != ' ' && i - cmd <= 32) ++i;
  if (i == in.size()) return std::optional<RelpFrame>();
  if (in[i] != ' ' || i == cmd) return protocol_error("bad command");
  f.command = in.substr(cmd, i - cmd);
  ++i;
  r = number(kMaxDataLen, len);
  if (r <= 0) return r == 0 ? Result<std::optional<RelpFrame>>(std::nullopt) : protocol_error("bad DATALEN");
  if (len > 0) {
    if (in[i] != ' ') return protocol_error("expected SP before DATA");
    ++i;
    if (in.size() - i < len + 1) return std::optional<RelpFrame>();
    f.data = in.substr(i, len);
    i += len;
  }
  if (i >= in.size()) return std::optional<RelpFrame>();
  if (in[i] != '\n') return protocol_error("expected LF after frame");
  f.txnr = static_cast<uint32_t>(txnr);
  f.size = i + 1;
  return std::optional<RelpFrame>(f);
}

uint32_t RelpClient::take_txnr() {
  uint32_t t = next_txnr_;
  next_txnr_ = next_txnr_ == kMaxTxnr ? 1 : next_txnr_ + 1;
  return t;
}

Result<void> RelpClient::open(const TcpClient::Options& options, const std::stop_token& stop) {
  close();
  if (auto c = tcp_.connect(options, stop); !c) return c;
  next_txnr_ = 1;
  in_.clear();
  static constexpr std::string_view kOffers =
      "relp_version=0\nrelp_software=logferry\ncommands=syslog";
  std::string frame = "1 open " + std::to_string(kOffers.size()) + " " + std::string(kOffers) + "\n";
  uint32_t txnr = take_txnr();
  if (auto w = tcp_.write_all(frame, stop); !w) {
    close();
    return w;
  }
  if (auto a = await(txnr, 1, options.connect_timeout, stop); !a) {
    close();
    return a;
  }
  return {};
}

void RelpClient::frame_syslog_in_place(std::string& out, std::size_t start) {
  std::size_t len = out.size() - start;
  char header[48];
  char* p = header;
  auto put = [&](uint64_t v) { p = std::to_chars(p, header + sizeof(header), v).ptr; };
  put(take_txnr());
  std::memcpy(p, " syslog ", 8);
  p += 8;
  put(len);
  if (len > 0) *p++ = ' ';
  out.insert(start, header, static_cast<std::size_t>(p - header));
  out.push_back('\n');
}

Result<void> RelpClient::send_and_await(std::string_view frames, uint32_t first_txnr, std::size_t count,
                                        std::chrono::milliseconds timeout, const std::stop_token& stop) {
  if (auto w = tcp_.write_all(frames, stop); !w) return w;
  return await(first_txnr, count, timeout, stop);
}

Result<void> RelpClient::await(uint32_t first, std::size_t count, std::chrono::milliseconds timeout,
                               const std::stop_token& stop) {
  std::size_t acked = 0;
  std::size_t consumed = 0;
  while (acked < count) {
    auto parsed = parse_relp_frame(std::string_view(in_).substr(consumed));
    if (!parsed) return unexpected(parsed.error());
    if (!parsed->has_value()) {
      in_.erase(0, consumed);
      consumed = 0;
      if (auto r = tcp_.read_some(in_, timeout, stop); !r) return unexpected(r.error());
      continue;
    }
    const RelpFrame& f = **parsed;
    consumed += f.size;
    if (f.command == "serverclose") return protocol_error(peer() + " is closing the session");
    if (f.command != "rsp") continue;
    // Responses come in order; one outside this batch's range is a stale or foreign answer.
    uint32_t offset = f.txnr >= first ? f.txnr - first : f.txnr + kMaxTxnr - first;
    if (offset >= count) continue;
    if (f.data.substr(0, 3) != "200")
      return protocol_error(peer() + " refused txnr " + std::to_string(f.txnr) + ": " +
                            std::string(f.data.substr(0, 100)));
    ++acked;
  }
  in_.erase(0, consumed);
  return {};
}

void RelpClient::close() {
  // No "close" command: after an error the session is unusable anyway, and a clean shutdown has
  // nothing unacknowledged left; the server treats EOF as the end of the session.
  tcp_.close();
  in_.clear();
}

}  // namespace logferry::net

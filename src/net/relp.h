// RELP (rsyslog's Reliable Event Logging Protocol) frames, the one codec for both directions:
// the syslog source (server side, sources/syslog) and the syslog sink's client (net/relp_client).
//
// Frame: TXNR SP COMMAND SP DATALEN [SP DATA] LF       (rsyslog.com/doc/relp.html)
//   TXNR     1..999999999, increasing per session and wrapping to 1; 0 only for serverclose
//   COMMAND  lower-case letters, at most 32 ("open", "syslog", "close", "rsp", "serverclose")
//   DATALEN  decimal, at most 9 digits; DATA is DATALEN bytes of anything
//
// Example:
//   relp::FrameReader reader(64 * 1024);   // DATA beyond 64 KiB is cut and flagged
//   bool ok = reader.feed(bytes, [&](const relp::Frame& f) { ... f.command, f.data ... });
//   if (!ok) ... protocol error: close the connection (RELP cannot resynchronise)
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace logferry::net::relp {

constexpr uint32_t kMaxTxnr = 999'999'999;
constexpr std::size_t kMaxCommand = 32;
constexpr std::size_t kMaxDigits = 9;

// The transaction number after `txnr` (wraps from kMaxTxnr to 1, as librelp).
inline uint32_t next_txnr(uint32_t txnr) { return txnr >= kMaxTxnr ? 1 : txnr + 1; }

// Appends "TXNR COMMAND LEN[ DATA]\n".
void append_frame(std::string& out, uint32_t txnr, std::string_view command, std::string_view data);
// Frames out[start, end) (already rendered DATA) in place: the header is inserted before it and
// LF appended; no allocation once `out` has grown.
void frame_in_place(std::string& out, std::size_t start, uint32_t txnr, std::string_view command);
// "TXNR rsp LEN DATA\n"
std::string response(uint32_t txnr, std::string_view data);

// The 3-digit status at the start of an rsp's DATA ("200 OK"); -1 when there is none.
int response_code(std::string_view rsp_data);

struct Frame {
  uint32_t txnr = 0;
  std::string_view command;
  std::string_view data;  // cut at the reader's max_data
  bool truncated = false;
};

// Incremental frame reader: bytes in any split give the same frames. Returns false on a
// protocol error; the reader is then unusable (close the connection).
class FrameReader {
 public:
  explicit FrameReader(std::size_t max_data) : max_data_(max_data == 0 ? 1 : max_data) {}

  template <class OnFrame>
  bool feed(std::string_view bytes, OnFrame&& on_frame);
  bool mid_frame() const { return state_ != State::kTxnr || digits_ != 0; }
  void reset() { *this = FrameReader(max_data_); }

 private:
  enum class State : uint8_t { kTxnr, kCommand, kDataLen, kData, kTrailer, kBroken };
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  // Consumes b[i]; false on a protocol error. Sets `done` when a frame is complete.
  bool step(std::string_view b, std::size_t& i, bool& done);
  void start_next() {
    state_ = State::kTxnr;
    txnr_ = 0;
    digits_ = 0;
  }

  std::size_t max_data_;
  State state_ = State::kTxnr;
  uint64_t txnr_ = 0, data_len_ = 0, data_left_ = 0;
  std::size_t digits_ = 0;
  std::string command_;
  std::string data_;
};

template <class OnFrame>
bool FrameReader::feed(std::string_view b, OnFrame&& on_frame) {
  std::size_t i = 0;
  while (i < b.size()) {
    bool done = false;
    if (!step(b, i, done)) {
      state_ = State::kBroken;
      return false;
    }
    if (!done) continue;
    Frame f{static_cast<uint32_t>(txnr_), command_, data_, data_len_ > max_data_};
    start_next();
    on_frame(static_cast<const Frame&>(f));
  }
  return state_ != State::kBroken;
}

}  // namespace logferry::net::relp

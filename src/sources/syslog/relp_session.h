// RELP server side (rsyslog's Reliable Event Logging Protocol), implemented on our TcpServer
// rather than with librelp: librelp's server calls back per message and expects the ack to be
// decided inside that callback, so deferring an ack until the sinks accepted the event would
// block every session of the listener. Here each `syslog` command's ack ("rsp 200 OK") is
// sent only when the batch holding it is delivered; the sender's window (omrelp: 128 by
// default) bounds how much is in flight.
//
// Frame: TXNR SP COMMAND SP DATALEN [SP DATA] LF.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace logferry::sources::syslog {

// Incremental RELP frame reader. on_frame(txnr, command, data, truncated) per frame; data
// longer than max_data is cut (truncated = true) and its rest skipped. Returns false on a
// protocol error (the connection must then be closed: RELP has no way to resync).
class RelpFrameReader {
 public:
  explicit RelpFrameReader(std::size_t max_data) : max_data_(max_data == 0 ? 1 : max_data) {}

  template <class OnFrame>
  bool feed(std::string_view bytes, OnFrame&& on_frame);
  bool mid_frame() const { return state_ != State::kTxnr || digits_ != 0; }

 private:
  enum class State : uint8_t { kTxnr, kCommand, kDataLen, kData, kTrailer };
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  std::size_t max_data_;
  State state_ = State::kTxnr;
  uint64_t txnr_ = 0, data_len_ = 0, data_left_ = 0;
  std::size_t digits_ = 0;
  std::string command_;
  std::string data_;
};

template <class OnFrame>
bool RelpFrameReader::feed(std::string_view b, OnFrame&& on_frame) {
  std::size_t i = 0;
  while (i < b.size()) {
    char c = b[i];
    switch (state_) {
      case State::kTxnr:
        if (digits_ == 0 && (c == '\n' || c == '\r')) {
          ++i;  // tolerate blank lines between frames
        } else if (is_digit(c) && digits_ < 9) {
          txnr_ = txnr_ * 10 + static_cast<uint64_t>(c - '0');
          ++digits_;
          ++i;
        } else if (c == ' ' && digits_ > 0) {
          state_ = State::kCommand;
          command_.clear();
          ++i;
        } else {
          return false;
        }
        break;
      case State::kCommand:
        if (c >= 'a' && c <= 'z' && command_.size() < 32) {
          command_.push_back(c);
          ++i;
        } else if (c == ' ' && !command_.empty()) {
          state_ = State::kDataLen;
          data_len_ = 0;
          digits_ = 0;
          ++i;
        } else {
          return false;
        }
        break;
      case State::kDataLen:
        if (is_digit(c) && digits_ < 9) {
          data_len_ = data_len_ * 10 + static_cast<uint64_t>(c - '0');
          ++digits_;
          ++i;
        } else if (digits_ > 0 && c == ' ' && data_len_ > 0) {
          data_left_ = data_len_;
          data_.clear();
          state_ = State::kData;
          ++i;
        } else if (digits_ > 0 && data_len_ == 0 && (c == '\n' || c == ' ')) {
          // "TXNR close 0\n" (some senders put a space before the trailer)
          if (c == ' ') {
            state_ = State::kTrailer;
            data_.clear();
            ++i;
            break;
          }
          ++i;
          on_frame(txnr_, std::string_view(command_), std::string_view(), false);
          state_ = State::kTxnr;
          txnr_ = 0;
          digits_ = 0;
        } else {
          return false;
        }
        break;
      case State::kData: {
        std::size_t take = std::min<uint64_t>(data_left_, b.size() - i);
        std::size_t used = static_cast<std::size_t>(data_len_ - data_left_);
        if (used < max_data_) data_.append(b.data() + i, std::min(take, max_data_ - used));
        i += take;
        data_left_ -= take;
        if (data_left_ == 0) state_ = State::kTrailer;
        break;
      }
      case State::kTrailer:
        if (c != '\n') return false;
        ++i;
        on_frame(txnr_, std::string_view(command_), std::string_view(data_), data_len_ > max_data_);
        data_.clear();
        state_ = State::kTxnr;
        txnr_ = 0;
        digits_ = 0;
        break;
    }
  }
  return true;
}

// "TXNR rsp LEN DATA\n"
std::string relp_response(uint64_t txnr, std::string_view data);

}  // namespace logferry::sources::syslog

// FrameSplitter: cuts a byte stream (TCP, TLS) into syslog frames, RFC 6587: octet counting
// ("LEN SP MSG") and non-transparent framing (MSG LF). Keeps no more than max_frame_bytes per
// connection: a longer frame is cut at that size, delivered marked as truncated, and the rest
// of it is skipped, so the stream resyncs on the next frame.
//
// Framing kAuto decides per frame from its first byte: a digit starts an octet-counted frame,
// anything else a line (as rsyslog's imtcp does). Digits not followed by a space are then read
// as the start of a line instead. kOctetCounting treats such bytes as a framing error and
// skips to the next LF; kNewline never counts octets.
//
// Example:
//   FrameSplitter split(Framing::kAuto, 64 * 1024);
//   split.feed(bytes, [&](std::string_view frame, bool truncated) { ... });
//   split.finish([&](std::string_view frame, bool truncated) { ... });  // at EOF
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "net/framing.h"

namespace logferry::net {


class FrameSplitter {
 public:
  // keep_leading_spaces: a line's leading spaces belong to it (plain text lines, Logstash's
  // line codec); syslog skips them as separators between frames.
  FrameSplitter(Framing framing, std::size_t max_frame_bytes, bool keep_leading_spaces = false)
      : framing_(framing == Framing::kNone ? Framing::kNewline : framing),
        max_frame_(max_frame_bytes == 0 ? 1 : max_frame_bytes),
        skip_spaces_(!keep_leading_spaces) {}

  // Calls on_frame(std::string_view frame, bool truncated) for each complete frame in `data`.
  // A frame view is valid only during the call.
  template <class OnFrame>
  void feed(std::string_view data, OnFrame&& on_frame);

  // End of stream. A pending line is a frame (many senders do not end the last line); a
  // partial octet-counted frame is dropped and counted in incomplete(). Resets the state.
  template <class OnFrame>
  void finish(OnFrame&& on_frame);

  // True while a frame is half received (for idle-timeout and close accounting).
  bool mid_frame() const { return state_ != State::kFrameStart; }

  // Totals since construction; callers add deltas to their metrics.
  uint64_t truncated() const { return truncated_; }
  uint64_t framing_errors() const { return framing_errors_; }
  uint64_t incomplete() const { return incomplete_; }

 private:
  enum class State : uint8_t { kFrameStart, kOctetLength, kOctetBody, kLine, kSkipLine };
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static std::string_view strip_cr(std::string_view s) {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
  }

  Framing framing_;
  std::size_t max_frame_;
  bool skip_spaces_;
  State state_ = State::kFrameStart;
  std::string buf_;             // the part of the current frame seen in earlier reads
  uint64_t octet_len_ = 0;      // announced length of the current octet-counted frame
  uint64_t octet_left_ = 0;     // bytes of it still to come
  std::size_t length_digits_ = 0;
  uint64_t truncated_ = 0, framing_errors_ = 0, incomplete_ = 0;
};

template <class OnFrame>
void FrameSplitter::feed(std::string_view data, OnFrame&& on_frame) {
  std::size_t i = 0;
  const std::size_t n = data.size();
  while (i < n) {
    switch (state_) {
      case State::kFrameStart: {
        char c = data[i];
        if (c == '\n' || c == '\r' || c == '\0' || (c == ' ' && skip_spaces_)) {
          ++i;  // separators between frames, and the LF some senders add after octet frames
          break;
        }
        if (framing_ != Framing::kNewline && is_digit(c)) {
          state_ = State::kOctetLength;
          octet_len_ = 0;
          length_digits_ = 0;
          buf_.clear();
        } else if (framing_ == Framing::kOctetCounting) {
          ++framing_errors_;
          state_ = State::kSkipLine;
        } else {
          state_ = State::kLine;
          buf_.clear();
        }
        break;
      }
      case State::kOctetLength: {
        char c = data[i];
        if (is_digit(c) && length_digits_ < 10) {
          octet_len_ = octet_len_ * 10 + static_cast<uint64_t>(c - '0');
          ++length_digits_;
          buf_.push_back(c);
          ++i;
        } else if (c == ' ' && length_digits_ > 0) {
          ++i;
          buf_.clear();
          octet_left_ = octet_len_;
          state_ = octet_left_ == 0 ? State::kFrameStart : State::kOctetBody;
          if (octet_len_ > max_frame_) ++truncated_;
          if (octet_left_ == 0) ++framing_errors_;  // "0 " announces an empty frame
        } else if (framing_ == Framing::kAuto) {
          state_ = State::kLine;  // digits that start a line ("2024-01-01T... text"), kept in buf_
          if (buf_.size() > max_frame_) buf_.resize(max_frame_);
        } else {
          ++framing_errors_;
          buf_.clear();
          state_ = State::kSkipLine;
        }
        break;
      }
      case State::kOctetBody: {
        std::size_t avail = n - i;
        std::size_t take = octet_left_ < avail ? static_cast<std::size_t>(octet_left_) : avail;
        std::size_t used = static_cast<std::size_t>(octet_len_ - octet_left_);
        if (used < max_frame_) {
          std::size_t keep = std::min(take, max_frame_ - used);
          if (buf_.empty() && take == octet_left_ && keep == take) {
            // Whole frame inside this read: hand out a view, no copy.
            octet_left_ = 0;
            state_ = State::kFrameStart;
            on_frame(data.substr(i, take), false);
            i += take;
            break;
          }
          buf_.append(data.data() + i, keep);
        }
        i += take;
        octet_left_ -= take;
        if (octet_left_ == 0) {
          state_ = State::kFrameStart;
          on_frame(std::string_view(buf_), octet_len_ > max_frame_);
          buf_.clear();
        }
        break;
      }
      case State::kLine: {
        const char* start = data.data() + i;
        const void* nl = std::memchr(start, '\n', n - i);
        std::size_t len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - start) : n - i;
        if (buf_.empty() && nl && len <= max_frame_) {
          state_ = State::kFrameStart;
          on_frame(strip_cr(std::string_view(start, len)), false);
          i += len + 1;
          break;
        }
        std::size_t room = max_frame_ - buf_.size();
        if (len > room) {
          // Longer than allowed: deliver what fits, marked, and skip the rest of the line.
          buf_.append(start, room);
          ++truncated_;
          on_frame(std::string_view(buf_), true);
          buf_.clear();
          state_ = State::kSkipLine;
          i += room;
          break;
        }
        buf_.append(start, len);
        i += len;
        if (nl) {
          ++i;
          state_ = State::kFrameStart;
          on_frame(strip_cr(std::string_view(buf_)), false);
          buf_.clear();
        }
        break;
      }
      case State::kSkipLine: {
        const void* nl = std::memchr(data.data() + i, '\n', n - i);
        if (!nl) {
          i = n;
        } else {
          i = static_cast<std::size_t>(static_cast<const char*>(nl) - data.data()) + 1;
          state_ = State::kFrameStart;
        }
        break;
      }
    }
  }
}

template <class OnFrame>
void FrameSplitter::finish(OnFrame&& on_frame) {
  if (state_ == State::kLine && !buf_.empty()) {
    on_frame(strip_cr(std::string_view(buf_)), false);
  } else if (state_ == State::kOctetBody || state_ == State::kOctetLength) {
    ++incomplete_;
  }
  buf_.clear();
  state_ = State::kFrameStart;
}

}  // namespace logferry::net

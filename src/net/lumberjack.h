// Lumberjack (the Beats protocol): an incremental frame parser and the frame encoders, shared
// by the beats source, the tests and the bench client. Wire format (logstash-input-beats
// PROTOCOL.md, BeatsParser.java; elastic/go-lumber), all integers big-endian uint32:
//
//   header  version ('1' or '2') + type
//   W       '2' 'W' count                      the number of data frames that follow
//   J       '2' 'J' seq len json[len]          one event (v2)
//   D       '1' 'D' seq n {klen k vlen v}*n    one event as a string map (v1)
//   C       ver 'C' len zlib[len]              a zlib stream of whole frames (nested C allowed)
//   A       ver 'A' seq                        cumulative ack (reader -> writer); seq 0 = keep-alive
//
// The parser hands frames to a FrameHandler as they complete; a frame split across reads is
// buffered, whole frames in a read are handed over without a copy. Every length is checked
// against Limits before memory is reserved for it, and a C frame's inflated size is capped (a
// zlib bomb stops at the cap), so a hostile peer costs at most those limits per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace logferry::net::lumberjack {

enum class ParseError : uint8_t {
  kNone,
  kBadVersion,         // first byte of a frame is not '1' or '2'
  kBadFrameType,       // not W J D C A
  kFrameTooLarge,      // a J/D/C length over max_frame_bytes
  kBadLength,          // J length 0, D pair count 0 or over max_pairs
  kInflateFailed,      // C payload is not a valid zlib stream
  kInflateTooLarge,    // C payload inflates past max_inflated_bytes (zlib bomb)
  kTruncatedCompressed,  // C payload ends inside a frame
  kNestingTooDeep,     // C inside C inside ... past max_nesting
  kRejected,           // the handler refused a frame (window limits, unexpected frame)
};
// Short snake_case name, used as a metric label: "bad_version", "zlib_bomb", ...
std::string_view error_name(ParseError e);

struct Limits {
  std::size_t max_frame_bytes = 8u << 20;      // J payload, whole D frame, C compressed payload
  std::size_t max_inflated_bytes = 64u << 20;  // what one C frame may inflate to
  uint32_t max_pairs = 65536;                  // key/value pairs of one D frame
  int max_nesting = 4;                         // C frames inside C frames
};

// Receives frames. Returning false stops parsing with kRejected (the connection is closed).
class FrameHandler {
 public:
  virtual ~FrameHandler() = default;
  virtual bool on_window(char version, uint32_t count) = 0;
  virtual bool on_json(uint32_t seq, std::string_view json) = 0;
  // v1 data frame: pairs are views valid during the call only.
  virtual bool on_data(uint32_t seq, const std::vector<std::pair<std::string_view, std::string_view>>& pairs) = 0;
  virtual bool on_ack(char version, uint32_t seq) = 0;
  // Called at the start and end of each C frame's content (payload bytes is the compressed size).
  virtual void on_compressed(std::size_t /*compressed_bytes*/, std::size_t /*inflated_bytes*/) {}
};

class Parser {
 public:
  explicit Parser(Limits limits = {}) : limits_(limits) {}
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Parses what `bytes` completes. False on a protocol error (error() says which); the
  // stream cannot be resynchronised after one, so the caller closes the connection.
  bool feed(std::string_view bytes, FrameHandler& handler);
  ParseError error() const { return error_; }
  // Bytes of an unfinished frame held back (0 between frames).
  std::size_t buffered() const { return buf_.size() - pos_; }
  // Gives buffers that grew past `keep` bytes back to the allocator (after a big window).
  void trim(std::size_t keep = 1u << 20);
  // The bytes of the unfinished frame: a reload hands them to the next connection's parser,
  // which restore()s them and completes the frame from the next bytes fed.
  std::string_view pending() const { return std::string_view(buf_).substr(pos_); }
  void restore(std::string_view bytes) {
    buf_.assign(bytes);
    pos_ = need_ = 0;
  }

 private:
  // One frame at the start of `data`: its size once complete, 0 if more bytes are needed
  // (need_ then says how many in total), or 0 with error_ set.
  std::size_t parse_one(std::string_view data, int depth, FrameHandler& handler);
  std::size_t parse_data_frame(std::string_view data, FrameHandler& handler);
  std::size_t parse_compressed(std::string_view data, int depth, FrameHandler& handler);
  bool parse_all(std::string_view data, int depth, FrameHandler& handler, std::size_t& consumed);
  bool fail(ParseError e) {
    error_ = e;
    return false;
  }
  std::size_t reject(ParseError e) {
    error_ = e;
    return 0;
  }

  Limits limits_;
  ParseError error_ = ParseError::kNone;
  std::string buf_;           // bytes of an unfinished frame (from pos_)
  std::size_t pos_ = 0;
  std::size_t need_ = 0;      // total bytes the frame at buf_[pos_] needs before a retry
  std::vector<std::string> inflated_;  // one buffer per nesting level, reused
  std::vector<std::pair<std::string_view, std::string_view>> pairs_;
};

// Encoders append whole frames to `out`.
void append_ack(std::string& out, uint32_t seq, char version = '2');
void append_window(std::string& out, uint32_t count, char version = '2');
void append_json(std::string& out, uint32_t seq, std::string_view json);
void append_data(std::string& out, uint32_t seq,
                 const std::vector<std::pair<std::string_view, std::string_view>>& pairs);
// A C frame holding `frames` (already encoded frames) deflated at `level` (1..9).
// False if zlib failed (out unchanged).
bool append_compressed(std::string& out, std::string_view frames, int level, char version = '2');

// Reads the 6-byte ACK frames a writer receives (possibly split across reads).
class AckReader {
 public:
  // Calls on_ack(seq) per ACK; false on anything that is not an ACK frame.
  template <class F>
  bool feed(std::string_view bytes, F&& on_ack) {
    for (char c : bytes) {
      frame_[have_++] = static_cast<unsigned char>(c);
      if (have_ < 6) continue;
      have_ = 0;
      if ((frame_[0] != '1' && frame_[0] != '2') || frame_[1] != 'A') return false;
      on_ack(uint32_t(frame_[2]) << 24 | uint32_t(frame_[3]) << 16 | uint32_t(frame_[4]) << 8 |
             uint32_t(frame_[5]));
    }
    return true;
  }

 private:
  unsigned char frame_[6] = {};
  std::size_t have_ = 0;
};

}  // namespace logferry::net::lumberjack

// Joins partial lines (CRI `P` ... `F`, Docker 16 KiB chunks) per stream, up to max_bytes:
// longer lines are cut there and reported as truncated. Also remembers where the oldest
// unfinished line started, which is where a restart must re-read from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sources/kubernetes_logs/log_line.h"

namespace logferry::sources::k8s {

class LineJoiner {
 public:
  explicit LineJoiner(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  struct Joined {
    std::string_view content;  // valid until the next add()/flush() for the same stream
    Timestamp time;            // of the line's first chunk
    bool truncated = false;
  };

  // Feeds one parsed line that starts at file offset `start`. True when a whole line is ready
  // in `out`; false while a partial line is being collected.
  bool add(const LogLine& line, uint64_t start, Joined& out);
  // Emits a stream's unfinished line as it is (its file ended without the closing chunk).
  bool flush(StreamKind stream, Joined& out);
  // The offset a restart must read from so no unfinished line is lost: the start of the oldest
  // pending partial line, else `next` (the offset after the last whole line).
  uint64_t resume_offset(uint64_t next) const;
  bool pending() const { return state_[0].active || state_[1].active; }
  // Gives back the buffers of streams with nothing pending, once their joined line has been
  // used (a node has thousands of files; most join a line now and then and sit idle after).
  void release_idle_buffers();
  void reset();

 private:
  struct State {
    std::string buffer;
    uint64_t start = 0;
    Timestamp time;
    bool active = false;
    bool truncated = false;
  };
  void append(State& s, std::string_view content);
  std::size_t max_bytes_;
  State state_[2];
};

}  // namespace logferry::sources::k8s

#include "sources/kubernetes_logs/line_joiner.h"

#include <algorithm>

namespace logferry::sources::k8s {

void LineJoiner::append(State& s, std::string_view content) {
  std::size_t room = max_bytes_ > s.buffer.size() ? max_bytes_ - s.buffer.size() : 0;
  if (content.size() > room) {
    s.truncated = true;
    content = content.substr(0, room);
  }
  s.buffer.append(content);
}

void LineJoiner::release_idle_buffers() {
  for (State& s : state_)
    if (!s.active && s.buffer.capacity() != 0) std::string().swap(s.buffer);
}

bool LineJoiner::add(const LogLine& line, uint64_t start, Joined& out) {
  State& s = state_[static_cast<int>(line.stream)];
  if (!s.active) {
    if (!line.partial) {
      // The common case: a whole line, nothing to copy.
      out.time = line.time;
      out.truncated = line.content.size() > max_bytes_;
      out.content = out.truncated ? line.content.substr(0, max_bytes_) : line.content;
      return true;
    }
    s.buffer.clear();
    s.active = true;
    s.truncated = false;
    s.start = start;
    s.time = line.time;
  }
  append(s, line.content);
  if (line.partial) return false;
  s.active = false;
  out.content = s.buffer;
  out.time = s.time;
  out.truncated = s.truncated;
  return true;
}

bool LineJoiner::flush(StreamKind stream, Joined& out) {
  State& s = state_[static_cast<int>(stream)];
  if (!s.active) return false;
  s.active = false;
  out.content = s.buffer;
  out.time = s.time;
  out.truncated = s.truncated;
  return true;
}

uint64_t LineJoiner::resume_offset(uint64_t next) const {
  uint64_t r = next;
  for (const auto& s : state_)
    if (s.active) r = std::min(r, s.start);
  return r;
}

void LineJoiner::reset() {
  for (auto& s : state_) {
    s.active = false;
    s.truncated = false;
    s.buffer.clear();
  }
}

}  // namespace logferry::sources::k8s

// One parsed container log line, CRI or Docker json-file, before partial lines are joined.
#pragma once

#include <string_view>

#include "core/value.h"

namespace logferry::sources::k8s {

enum class StreamKind : unsigned char { kStdout, kStderr };

inline std::string_view stream_name(StreamKind s) {
  return s == StreamKind::kStdout ? std::string_view("stdout") : std::string_view("stderr");
}

struct LogLine {
  Timestamp time;
  StreamKind stream = StreamKind::kStdout;
  // The text without the record's own line terminator. Views the input line, or (Docker, after
  // unescaping) the parser's scratch memory, valid until the next parse.
  std::string_view content;
  // CRI tag P, or a Docker chunk whose `log` did not end in "\n": more follows.
  bool partial = false;
};

}  // namespace logferry::sources::k8s

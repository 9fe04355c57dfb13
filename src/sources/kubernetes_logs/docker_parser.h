// Docker json-file lines: {"log":"text\n","stream":"stdout","time":"2024-01-01T00:00:00.123456789Z"}
// dockerd splits lines longer than 16 KiB; only the last chunk's `log` ends in "\n", so a chunk
// without it is a partial line (joined by LineJoiner like CRI's P tag).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "sources/kubernetes_logs/cri_parser.h"
#include "sources/kubernetes_logs/log_line.h"

namespace logferry::sources::k8s {

class DockerLineParser {
 public:
  // Parses `line` (without its '\n'). When `padded` is true the caller guarantees that
  // simdjson::SIMDJSON_PADDING readable bytes follow the line (a read buffer), and the line is
  // parsed in place; otherwise it is copied first. out.content views this parser's memory and
  // is valid until the next call. False when the line is not a Docker json-file record.
  bool parse(std::string_view line, bool padded, LogLine& out);

 private:
  simdjson::dom::parser parser_;
  std::string padded_;
  TimestampParser timestamps_;
};

}  // namespace logferry::sources::k8s

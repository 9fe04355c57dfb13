// CRI container log lines (containerd, CRI-O), as kubelet's parseCRILog reads them:
//   <RFC3339Nano> <stdout|stderr> <P|F>[:tag...] <content>
// Split on single spaces; tag P = partial (the content continues in the next line of the same
// stream), anything else in the first tag = full; extra `:`-separated tags are ignored.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "sources/kubernetes_logs/log_line.h"

namespace logferry::sources::k8s {

// Parses the timestamps of one file. Consecutive lines share their date and second, so the
// civil-time arithmetic is done once per second of log, not once per line.
class TimestampParser {
 public:
  std::optional<Timestamp> parse(std::string_view s);

 private:
  char prefix_[19] = {};
  int64_t prefix_ns_ = 0;  // the epoch nanoseconds of prefix_ (UTC, before any offset)
  bool have_prefix_ = false;
};

// Returns false when `line` (without its '\n') is not a CRI line; `out` is then unspecified.
bool parse_cri_line(std::string_view line, LogLine& out, TimestampParser& timestamps);

}  // namespace logferry::sources::k8s

// The classic rsyslog file line (RSYSLOG_TraditionalFileFormat), so log monitors and grep
// habits built on rsyslog's files keep working:
//   Mmm dd HH:MM:SS HOSTNAME TAG[PID]: MSG      (TAG: MSG without a procid)
//   Nov  5 09:03:01 web-1 nginx[812]: GET / 200
// - time: @timestamp in UTC (rsyslog prints local time; logferry never guesses a zone), day
//   padded with a space as in RFC 3164; the write time when the event has no @timestamp.
// - HOSTNAME: `host`, else the node name.
// - TAG: `appname`, plus `[procid]` when procid is present and not "-"; then ":". Without an
//   appname (e.g. kubernetes_logs events) the tag is left out.
// - MSG: `message`, else `log`; a space is put before it unless it starts with one
//   (rsyslog's sp-if-no-1st-sp), one trailing LF is dropped, and control characters are
//   escaped as rsyslog does on reception: '#' and three octal digits (LF -> #012, TAB -> #011),
//   so every event stays on one line.
#pragma once

#include <string>

#include "core/event.h"
#include "core/field_path.h"

namespace logferry::sinks {

class TraditionalFormat {
 public:
  explicit TraditionalFormat(std::string default_host);
  // Appends the line (no newline) to `out`.
  void render(const Event& event, Timestamp now, std::string& out) const;

 private:
  const Value* find_text(const Event& event, const FieldPath& path, std::string_view& text) const;

  std::string default_host_;
  FieldPath host_, appname_, procid_, message_, log_;
  mutable int64_t cached_second_ = INT64_MIN;
  mutable std::string cached_stamp_;
  mutable std::string scratch_;
};

}  // namespace logferry::sinks

// TimeFormat: a compiled Joda-Time pattern (what Logstash's %{+FORMAT} uses), always in UTC.
// Supported letters: y Y u x (year), M (month: 1-2 digits, MMM "Jan", MMMM "January"), d, D,
// H, k, K, h, m, s, S (fraction digits), a, E (EEE "Mon", EEEE "Monday"), Z ("+0000"),
// ZZ ("+00:00"), ZZZ/z ("UTC"), 'quoted text'. Anything else alphabetic is an error, as in Joda.
//
// Not thread-safe: keeps a one-second cache of the rendered text, because consecutive events
// nearly always share their second. Each component owns its own templates.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"
#include "template/joda_pattern.h"

namespace logferry {

class TimeFormat {
 public:
  static Result<TimeFormat> compile(std::string_view pattern);
  void append(std::string& out, Timestamp t) const;
  const std::string& pattern() const { return pattern_; }

 private:
  void render(std::string& out, Timestamp t) const;

  std::string pattern_;
  std::vector<JodaToken> tokens_;
  bool sub_second_ = false;
  mutable int64_t cached_second_ = INT64_MIN;
  mutable std::string cached_;
};

}  // namespace logferry

#include "template/time_format.h"

#include <string_view>

#include "core/time_util.h"
#include "template/joda_pattern.h"

namespace logferry {

Result<TimeFormat> TimeFormat::compile(std::string_view pattern) {
  auto tokens = tokenize_joda(pattern, "yYuxMdDHkKhmsSaEZz");
  if (!tokens) return unexpected(tokens.error());
  TimeFormat f;
  f.pattern_ = std::string(pattern);
  f.tokens_ = std::move(*tokens);
  for (const JodaToken& t : f.tokens_) f.sub_second_ = f.sub_second_ || t.letter == 'S';
  return f;
}

void TimeFormat::append(std::string& out, Timestamp t) const {
  if (sub_second_) {
    render(out, t);
    return;
  }
  int64_t sec = t.seconds();
  if (sec != cached_second_) {
    cached_.clear();
    render(cached_, t);
    cached_second_ = sec;
  }
  out += cached_;
}

void TimeFormat::render(std::string& out, Timestamp t) const {
  CivilTime c = to_civil(t);
  for (const JodaToken& tok : tokens_) {
    switch (tok.letter) {
      case 0: out += tok.literal; break;
      case 'y': case 'Y': case 'u': case 'x':
        if (tok.count == 2) {
          append_padded(out, c.year % 100, 2);
        } else {
          append_padded(out, c.year, tok.count);
        }
        break;
      case 'M':
        if (tok.count >= 4) {
          out += kMonthName[c.month - 1];
        } else if (tok.count == 3) {
          out += kMonthAbbrev[c.month - 1];
        } else {
          append_padded(out, c.month, tok.count);
        }
        break;
      case 'd': append_padded(out, c.day, tok.count); break;
      case 'D': append_padded(out, c.yday, tok.count); break;
      case 'H': append_padded(out, c.hour, tok.count); break;
      case 'k': append_padded(out, c.hour == 0 ? 24 : c.hour, tok.count); break;
      case 'K': append_padded(out, c.hour % 12, tok.count); break;
      case 'h': append_padded(out, c.hour % 12 == 0 ? 12 : c.hour % 12, tok.count); break;
      case 'm': append_padded(out, c.minute, tok.count); break;
      case 's': append_padded(out, c.second, tok.count); break;
      case 'S': {
        std::string digits;
        append_padded(digits, c.nanos, 9);
        if (tok.count <= 9) {
          out.append(digits, 0, static_cast<std::size_t>(tok.count));
        } else {
          out += digits;
          out.append(static_cast<std::size_t>(tok.count - 9), '0');
        }
        break;
      }
      case 'a': out += c.hour < 12 ? "AM" : "PM"; break;
      case 'E': out += tok.count >= 4 ? kWeekdayName[c.weekday] : kWeekdayAbbrev[c.weekday]; break;
      case 'Z':
        if (tok.count == 1) {
          out += "+0000";
        } else if (tok.count == 2) {
          out += "+00:00";
        } else {
          out += "UTC";
        }
        break;
      case 'z': out += "UTC"; break;
      default: break;
    }
  }
}

}  // namespace logferry

#include "sinks/file/traditional_format.h"

#include "core/json.h"
#include "core/time_util.h"
#include "template/template.h"

namespace logferry::sinks {

namespace {

void append_escaped(std::string& out, std::string_view s) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20) continue;
    out.append(s.data() + start, i - start);
    out += '#';
    out += static_cast<char>('0' + ((c >> 6) & 7));
    out += static_cast<char>('0' + ((c >> 3) & 7));
    out += static_cast<char>('0' + (c & 7));
    start = i + 1;
  }
  out.append(s.data() + start, s.size() - start);
}

}  // namespace

TraditionalFormat::TraditionalFormat(std::string default_host)
    : default_host_(std::move(default_host)),
      host_(FieldPath::parse("host")),
      appname_(FieldPath::parse("appname")),
      procid_(FieldPath::parse("procid")),
      message_(FieldPath::parse("message")),
      log_(FieldPath::parse("log")) {}

const Value* TraditionalFormat::find_text(const Event& event, const FieldPath& path,
                                          std::string_view& text) const {
  const Value* v = event.find(path);
  if (v == nullptr || v->is_null()) return nullptr;
  if (v->is_string()) {
    text = v->as_string();
  } else {
    scratch_.clear();
    append_text(scratch_, *v);
    text = scratch_;
  }
  return v;
}

void TraditionalFormat::render(const Event& event, Timestamp now, std::string& out) const {
  Timestamp ts;
  if (!event_timestamp(event, ts)) ts = now;
  int64_t second = ts.seconds();
  if (second != cached_second_) {
    CivilTime c = to_civil(ts);
    cached_stamp_.clear();
    cached_stamp_ += kMonthAbbrev[c.month - 1];
    cached_stamp_ += ' ';
    if (c.day < 10) cached_stamp_ += ' ';
    append_padded(cached_stamp_, c.day, 1);
    cached_stamp_ += ' ';
    append_padded(cached_stamp_, c.hour, 2);
    cached_stamp_ += ':';
    append_padded(cached_stamp_, c.minute, 2);
    cached_stamp_ += ':';
    append_padded(cached_stamp_, c.second, 2);
    cached_second_ = second;
  }
  out += cached_stamp_;
  out += ' ';

  std::string_view text;
  if (find_text(event, host_, text) && !text.empty()) {
    append_escaped(out, text);
  } else {
    out += default_host_;
  }

  if (find_text(event, appname_, text) && !text.empty() && text != "-") {
    out += ' ';
    append_escaped(out, text);
    if (find_text(event, procid_, text) && !text.empty() && text != "-") {
      out += '[';
      append_escaped(out, text);
      out += ']';
    }
    out += ':';
  }

  text = {};
  if (!find_text(event, message_, text)) find_text(event, log_, text);
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (text.empty() || text.front() != ' ') out += ' ';
  append_escaped(out, text);
}

}  // namespace logferry::sinks

// RFC 3164 parser (and its variants): any bytes, any "now", no crash, every view inside the input.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/event_batch.h"
#include "core/json.h"
#include "sources/syslog/syslog_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logferry;
  int64_t now = 1'700'000'000'000'000'000;
  if (size >= 4) {  // the first bytes move "now" around the year boundary logic
    uint32_t shift;
    std::memcpy(&shift, data, 4);
    now += static_cast<int64_t>(shift) * 1'000'000'000;
    data += 4;
    size -= 4;
  }
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sources::syslog::SyslogFields fields;
  (void)sources::syslog::parse_rfc3164(text, Timestamp{now}, fields);
  for (std::string_view v : {fields.host, fields.appname, fields.procid, fields.message}) {
    if (!v.empty() && (v.data() < text.data() || v.data() + v.size() > text.data() + text.size()))
      __builtin_trap();
  }
  EventBatch batch;
  Event& e = batch.add();
  sources::syslog::parse_syslog(text, e, Timestamp{now});
  std::string json;
  append_json(json, e);
  return 0;
}

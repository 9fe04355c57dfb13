// RFC 5424 parser: any bytes give an event with a message, never a crash or an out-of-bounds read.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/event_batch.h"
#include "core/json.h"
#include "sources/syslog/syslog_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logferry;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  EventBatch batch;
  Event& e = batch.add();
  sources::syslog::parse_syslog(text, e, Timestamp{1'700'000'000'000'000'000});
  if (e.root().get("message") == nullptr || e.root().get("@timestamp") == nullptr) __builtin_trap();
  sources::syslog::SyslogFields fields;
  (void)sources::syslog::parse_rfc5424(text, batch.arena(), fields);
  std::string json;
  append_json(json, e);  // walks every view: ASan catches any that point outside the input
  return 0;
}

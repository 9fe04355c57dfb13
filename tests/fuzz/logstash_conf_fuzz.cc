// Fuzzes the Logstash .conf front end: any bytes as a pipeline must yield diagnostics or a
// config (grammar, conditions, adapters, native schemas), never a crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/app.h"
#include "config/logstash/conf_to_pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  logferry::config::Diagnostics diags("fuzz.conf");
  logferry::config::ConfDefaults defaults;
  defaults.support_escapes = size > 0 && (data[0] & 1) != 0;
  auto cfg = logferry::config::logstash::conf_to_pipeline({{"fuzz.conf", text}}, logferry::app::registry(),
                                                          diags, defaults);
  (void)cfg;
  (void)diags.format();
  return 0;
}

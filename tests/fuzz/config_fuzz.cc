// Fuzzes the native config parser: any bytes as a YAML config must yield diagnostics or a
// config, never a crash, hang or leak (what `logferry validate` is given by users).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/app.h"
#include "config/pipeline_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  logferry::config::Diagnostics diags("fuzz.yaml");
  auto cfg = logferry::config::parse_pipeline(text, "/tmp", logferry::app::registry(), diags);
  (void)cfg;
  (void)diags.format();
  return 0;
}

// Elasticsearch _bulk response parser: any bytes give a parse result or an error, never a crash,
// every error view it returns points inside the body, and the action is one of a fixed set.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sinks/elasticsearch/bulk_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logferry::sinks::elasticsearch;
  std::string body(reinterpret_cast<const char*>(data), size);
  BulkResponse r;
  auto ok = parse_bulk_response(body, r);
  if (!ok) return 0;
  const char* begin = body.data();
  const char* end = begin + body.size();
  std::size_t sum = 0;
  for (const auto& item : r.items) {
    if (item.action != "index" && item.action != "create" && item.action != "update" &&
        item.action != "delete" && item.action != "unknown")
      __builtin_trap();
    for (std::string_view v : {item.error_type, item.error_json}) {
      if (!v.empty() && (v.data() < begin || v.data() + v.size() > end)) __builtin_trap();
      for (char c : v) sum += static_cast<unsigned char>(c);
    }
  }
  return static_cast<int>(sum & 0);
}

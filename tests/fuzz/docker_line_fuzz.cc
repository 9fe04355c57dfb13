// Docker json-file line parser on arbitrary bytes, both in place (padded buffer) and copied.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "sources/kubernetes_logs/docker_parser.h"

using namespace logferry::sources::k8s;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static DockerLineParser parser;
  std::string_view line(reinterpret_cast<const char*>(data), size);
  LogLine a, b;
  bool ok_copied = parser.parse(line, /*padded=*/false, a);
  std::string copy_a = ok_copied ? std::string(a.content) : std::string();
  std::string padded(line);
  padded.append(simdjson::SIMDJSON_PADDING, '\0');
  bool ok_in_place = parser.parse(std::string_view(padded.data(), size), /*padded=*/true, b);
  if (ok_copied != ok_in_place) std::abort();
  if (ok_copied && (copy_a != b.content || a.partial != b.partial || a.stream != b.stream ||
                    !(a.time == b.time)))
    std::abort();
  return 0;
}

// CRI line parser + partial-line joiner on arbitrary bytes: every line either parses or is
// rejected; the joiner never exceeds its limit.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sources/kubernetes_logs/cri_parser.h"
#include "sources/kubernetes_logs/line_joiner.h"

using namespace logferry::sources::k8s;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  TimestampParser timestamps;
  LineJoiner joiner(64);
  uint64_t offset = 0;
  while (!input.empty()) {
    auto nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    LogLine parsed;
    if (parse_cri_line(line, parsed, timestamps)) {
      if (parsed.content.data() < line.data() ||
          parsed.content.data() + parsed.content.size() > line.data() + line.size())
        std::abort();
      LineJoiner::Joined out;
      if (joiner.add(parsed, offset, out) && out.content.size() > 64) std::abort();
      if (joiner.resume_offset(offset + line.size() + 1) > offset + line.size() + 1) std::abort();
    }
    if (nl == std::string_view::npos) break;
    offset += nl + 1;
    input.remove_prefix(nl + 1);
  }
  return 0;
}

// Frame splitter: any byte stream in any read sizes. Checks: frames never exceed the limit,
// splitting the same input differently yields the same frames, nothing crashes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/frame_splitter.h"

namespace {

std::vector<std::string> run(logferry::net::Framing framing, std::string_view input,
                             std::size_t chunk, std::size_t max) {
  logferry::net::FrameSplitter s(framing, max);
  std::vector<std::string> frames;
  auto on = [&](std::string_view f, bool) {
    if (f.size() > max) __builtin_trap();
    frames.emplace_back(f);
  };
  for (std::size_t i = 0; i < input.size(); i += chunk) s.feed(input.substr(i, chunk), on);
  s.finish(on);
  return frames;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  auto framing = static_cast<logferry::net::Framing>(data[0] % 3);
  std::size_t chunk = static_cast<std::size_t>(data[1] % 17) + 1;
  std::size_t max = static_cast<std::size_t>(data[1] % 64) + 8;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  auto whole = run(framing, input, input.empty() ? 1 : input.size(), max);
  auto pieces = run(framing, input, chunk, max);
  if (whole != pieces) __builtin_trap();
  return 0;
}

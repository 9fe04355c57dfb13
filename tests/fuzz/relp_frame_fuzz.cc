// RELP frame reader (net/relp.h), used by the syslog source and the sink's RELP client: any
// byte stream in any read sizes. Checks: the same input split differently yields the same
// frames and the same verdict, DATA never exceeds the limit, the truncated flag is set exactly
// when DATALEN is over it, and every frame re-encodes into bytes that parse back to it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/relp.h"

namespace {

namespace relp = logferry::net::relp;

struct Parsed {
  std::vector<std::string> frames;
  bool ok = true;
  bool operator==(const Parsed&) const = default;
};

Parsed run(std::string_view input, std::size_t chunk, std::size_t max) {
  relp::FrameReader reader(max);
  Parsed p;
  for (std::size_t i = 0; i < input.size() && p.ok; i += chunk) {
    p.ok = reader.feed(input.substr(i, chunk), [&](const relp::Frame& f) {
      if (f.data.size() > max) __builtin_trap();
      if (f.txnr > relp::kMaxTxnr || f.command.empty() || f.command.size() > relp::kMaxCommand) __builtin_trap();
      p.frames.push_back(std::to_string(f.txnr) + " " + std::string(f.command) + " " +
                         (f.truncated ? "T" : "-") + std::string(f.data));
      if (!f.truncated) {  // what we encode, we parse back unchanged
        std::string encoded;
        relp::append_frame(encoded, f.txnr, f.command, f.data);
        relp::FrameReader again(max);
        int seen = 0;
        bool ok = again.feed(encoded, [&](const relp::Frame& g) {
          if (g.txnr != f.txnr || g.command != f.command || g.data != f.data) __builtin_trap();
          ++seen;
        });
        if (!ok || seen != 1) __builtin_trap();
      }
    });
  }
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::size_t chunk = static_cast<std::size_t>(data[0] % 23) + 1;
  std::size_t max = static_cast<std::size_t>(data[1] % 128) + 1;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  auto whole = run(input, input.empty() ? 1 : input.size(), max);
  auto pieces = run(input, chunk, max);
  if (whole != pieces) __builtin_trap();
  return 0;
}

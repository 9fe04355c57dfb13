// Lumberjack parser (and the beats event mapping behind it): any byte stream in any read
// sizes. Checks: the same input split differently yields the same frames and the same error,
// no payload exceeds the limits, mapping any JSON frame into an event never crashes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_batch.h"
#include "net/lumberjack.h"
#include "sources/beats/beats_event.h"

namespace {

namespace lj = logferry::net::lumberjack;

struct Recorder final : lj::FrameHandler {
  std::vector<std::string> frames;
  logferry::sources::beats::EventMapper* mapper = nullptr;
  logferry::EventBatch* batch = nullptr;
  bool on_window(char v, uint32_t n) override {
    frames.push_back(std::string("W") + v + std::to_string(n));
    return true;
  }
  bool on_json(uint32_t seq, std::string_view json) override {
    if (json.size() > 64 * 1024) __builtin_trap();
    frames.push_back("J" + std::to_string(seq) + std::string(json));
    if (mapper) mapper->map_json(json, batch->add(), logferry::Timestamp{0}, "127.0.0.1");
    return true;
  }
  bool on_data(uint32_t seq, const std::vector<std::pair<std::string_view, std::string_view>>& pairs) override {
    std::string s = "D" + std::to_string(seq);
    for (const auto& [k, v] : pairs) s += std::string(k) + '\0' + std::string(v) + '\0';
    frames.push_back(s);
    if (mapper) mapper->map_pairs(pairs, batch->add(), logferry::Timestamp{0}, "");
    return true;
  }
  bool on_ack(char v, uint32_t seq) override {
    frames.push_back(std::string("A") + v + std::to_string(seq));
    return seq != 0xdeadbeef;  // exercises the handler-refusal path
  }
};

lj::Limits limits() {
  lj::Limits l;
  l.max_frame_bytes = 64 * 1024;
  l.max_inflated_bytes = 1 << 20;
  l.max_pairs = 256;
  l.max_nesting = 3;
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::size_t chunk = static_cast<std::size_t>(data[0] % 29) + 1;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  lj::Parser whole(limits());
  Recorder a;
  logferry::sources::beats::EventMapper mapper({true, true});
  logferry::EventBatch batch;
  a.mapper = &mapper;
  a.batch = &batch;
  bool ok_whole = whole.feed(input, a);

  lj::Parser pieces(limits());
  Recorder b;
  bool ok_pieces = true;
  for (std::size_t i = 0; i < input.size() && ok_pieces; i += chunk)
    ok_pieces = pieces.feed(input.substr(i, chunk), b);
  if (ok_whole != ok_pieces || whole.error() != pieces.error() || a.frames != b.frames) __builtin_trap();
  if (ok_whole && whole.buffered() != pieces.buffered()) __builtin_trap();
  return 0;
}

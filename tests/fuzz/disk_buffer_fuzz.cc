// The disk buffer's reading side on arbitrary bytes: the input is laid down as a segment file
// (and, from its first bytes, a position file), the queue is opened and drained, and every
// record is decoded as events. Whatever the bytes, this must neither crash nor hang.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/event_codec.h"
#include "io/disk_queue.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path dir = fs::temp_directory_path() / ("disk_buffer_fuzz." + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t split = size > 0 ? data[0] % 16 : 0;
  split = std::min(split, size);
  std::ofstream(dir / "position") << in.substr(0, split);
  std::ofstream(dir / "00000000000000000000.seg", std::ios::binary) << in.substr(split);

  logferry::io::DiskQueue::Options o;
  o.dir = dir;
  o.sync = false;
  auto q = logferry::io::DiskQueue::open(o);
  if (!q) return 0;
  std::string payload;
  for (int i = 0; i < 10000; ++i) {
    auto got = (*q)->read_next(payload);
    if (!got || !*got) break;
    logferry::EventBatch batch;
    (void)logferry::decode_events(payload, batch);
    (*q)->commit();
  }
  return 0;
}

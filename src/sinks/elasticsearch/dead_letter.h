// The dead letter file: events Elasticsearch refused for good (400/404 items, and events the
// sink could not map to a bulk action), one JSON object per line, appended to
// <data_dir>/<sink>/dead_letter_queue.ndjson and synced before the batch is acknowledged:
//
//   {"@timestamp":"2026-12-02T10:00:00.123Z","plugin_type":"elasticsearch","plugin_id":"es",
//    "status":400,"reason":"Could not index event to Elasticsearch. status: 400, ...",
//    "action":{"index":{"_index":"logstash-2026.12.02"}},"error":{...},"event":{...}}
//
// Logstash's DLQ keeps the same facts (event, plugin, reason with status, action and
// response) in its binary segment files; a JSON line is readable with jq and replayable
// with the stdin source + parse_json. Bounded by max_bytes, like dead_letter_queue.max_bytes:
// past it new entries are refused (the caller counts them as dropped).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace logferry::sinks::elasticsearch {

class DeadLetterFile {
 public:
  DeadLetterFile(std::filesystem::path path, uint64_t max_bytes, std::string plugin_id, const Clock& clock);
  ~DeadLetterFile();
  DeadLetterFile(const DeadLetterFile&) = delete;
  DeadLetterFile& operator=(const DeadLetterFile&) = delete;

  // Adds one entry to the pending buffer; false when the file is full (nothing added).
  // `action_line` and `document` are the two bulk lines (without newlines); `error_json`
  // is the item's error object, or empty.
  bool add(int status, std::string_view reason, std::string_view action_line,
           std::string_view document, std::string_view error_json);
  // Writes and syncs what add() buffered. An error leaves it buffered for the next call.
  Result<bool> commit();
  const std::filesystem::path& path() const { return path_; }

 private:
  Result<bool> open();

  std::filesystem::path path_;
  uint64_t max_bytes_;
  std::string plugin_id_;
  const Clock& clock_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string pending_;
};

}  // namespace logferry::sinks::elasticsearch

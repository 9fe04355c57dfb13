// Building _bulk request bodies: one action line and one document line per event, as
// logstash-output-elasticsearch writes them (NDJSON, each line ending in "\n").
//
//   {"index":{"_index":"logstash-2026.12.02","_id":"abc","routing":"r","pipeline":"p"}}
//   {"@timestamp":"2026-12-02T10:00:00.000Z","message":"hello","@version":"1"}
//
// Every event of a batch is encoded once into one buffer; a request is a list of items
// (byte ranges of that buffer), so the first attempt sends a slice of it as is, and a retry of
// some items copies only those ranges. Nothing is allocated per event once buffers have grown.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "template/template.h"

namespace logferry::sinks::elasticsearch {

enum class BulkAction : uint8_t { kIndex, kCreate };

// What the action line carries. Templates are rendered per event.
struct ActionConfig {
  Template index;
  Template action;                       // "index" or "create" after rendering
  std::optional<Template> document_type; // the user's; the default depends on the server
  std::optional<Template> document_id;
  std::optional<Template> routing;
  std::optional<Template> pipeline;
};

// One encoded event: its two lines in the batch buffer.
struct BulkItem {
  uint32_t offset = 0;
  uint32_t size = 0;
  BulkAction action = BulkAction::kIndex;
};

// Why an event could not be encoded (it goes to the dead letter file, as the plugin's
// EventMappingError does).
struct MappingError {
  std::string reason;
};

class BulkEncoder {
 public:
  explicit BulkEncoder(ActionConfig config);

  // The server's major version decides `_type`: always sent below 7 (default "doc" on 6,
  // the event's `type` or "doc" on 5), on 7 only when document_type is set, never from 8.
  void set_server_major(int major) { major_ = major; }
  int server_major() const { return major_; }

  // Appends the event's two lines to `out` and describes them in `item`; on a mapping
  // problem appends nothing and returns the reason.
  std::optional<MappingError> encode(const Event& event, std::string& out, BulkItem& item);

 private:
  void append_type(const Event& event, std::string& out);

  ActionConfig config_;
  std::optional<BulkAction> constant_action_;  // when `action` has no placeholder
  int major_ = 8;
  std::string scratch_;  // rendered template values, reused
};

// Concatenates the items' ranges of `buffer` into `out` (cleared first).
void gather_items(std::string_view buffer, std::span<const BulkItem> items,
                  std::span<const uint32_t> which, std::string& out);

}  // namespace logferry::sinks::elasticsearch

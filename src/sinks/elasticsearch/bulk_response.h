// Parsing of Elasticsearch _bulk responses: the `errors` flag and, per item in request order,
// the status and the error (type, and the raw JSON of the whole error object for the dead
// letter file and the log). Works on the full response and on the one filtered with
// `filter_path=errors,items.*.error,items.*.status` (what the sink asks for, as the plugin does).
//
//   {"took":3,"errors":true,"items":[
//     {"index":{"_index":"logstash-2026.12.02","_id":"x","status":201,...}},
//     {"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"..."}}}]}
//
// Items are written into a caller-owned vector that keeps its capacity; their error views
// point into the body, which must stay alive and unmodified while they are used.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace logferry::sinks::elasticsearch {

struct BulkItemResult {
  int status = 0;
  std::string_view action;      // "index", "create", "update", "delete" or "unknown" (static text)
  std::string_view error_type;  // empty when there is no error
  std::string_view error_json;  // the raw "error" object, empty when there is none
};

struct BulkResponse {
  bool errors = false;
  std::vector<BulkItemResult> items;
};

// Parses `body` into `out` (cleared first). The string's capacity is grown, if needed, for
// simdjson's padding (its contents do not change). kDataLoss when the body is not a bulk
// response (not JSON, no items array, an item without a status).
Result<bool> parse_bulk_response(std::string& body, BulkResponse& out);
// The same over a read-only buffer, copied into a padded one (for tests and the fuzzer).
Result<bool> parse_bulk_response_copy(std::string_view body, std::string& scratch, BulkResponse& out);

}  // namespace logferry::sinks::elasticsearch

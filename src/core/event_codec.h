// EventCodec: events as compact bytes and back, for the disk buffer. Every value kind keeps its
// kind (a timestamp stays a timestamp, an integer an integer), which JSON would not. Decoding
// copies strings into the target batch's arena and checks every length against the input, so
// a corrupt record is an error, never a crash.
//
// Layout (little-endian): event count u32, then per event an object:
//   object = u32 n, n x (u32 key length, key, value)
//   value  = u8 kind, then: bool u8 | int/double/timestamp 8 bytes | string u32 length, bytes |
//            object | array = u32 n, n x value | null: nothing
#pragma once

#include <string>
#include <string_view>

#include "core/event_batch.h"
#include "core/result.h"

namespace logferry {

// Appends the batch's events to `out`.
void encode_events(const EventBatch& batch, std::string& out);
// Appends the decoded events to `batch`; fails on malformed input (the batch may then hold
// part of it: callers discard it).
Result<void> decode_events(std::string_view in, EventBatch& batch);

}  // namespace logferry

// simdjson DOM -> event values, for sources and transforms that parse JSON payloads
// (beats frames, parse_json). Strings and keys are copied into the event's arena, because
// simdjson's buffers are reused for the next document.
#pragma once

#include <simdjson.h>

#include "core/event.h"

namespace logferry {

Value json_to_value(simdjson::dom::element element, Event& event);

}  // namespace logferry

// JsonReader: JSON text -> event values in the event's arena, with numbers exact as Logstash
// keeps them (BigDecimal / BigInteger): integers that fit int64 are kInt, every other number
// (fractions, exponents, integers of any length) is a kDecimal holding its JSON text, so
// `1478207457.456` keeps `.456` and `123456789012345678901` keeps every digit when written out.
// simdjson's On-Demand API walks the text (its DOM refuses integers above 2^64); every value
// is consumed, so malformed text is always rejected. The text is copied once into the event's
// arena and strings and keys without escapes view that copy (no copy or unescaping per
// string). Reuses its buffers: no heap per event once grown.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace logferry {

class JsonReader {
 public:
  // The parsed value, or nothing when `text` is not one valid JSON document.
  std::optional<Value> read(std::string_view text, Event& event);
  // When `text` is one JSON object, appends its fields to `target` (with room reserved for
  // `headroom` more) and returns true; else returns false and leaves `target` as it was.
  // Saves building the object in the arena and copying it when it becomes an event's root.
  bool read_object_into(std::string_view text, Event& event, Object& target, std::size_t headroom);

 private:
  bool start(std::string_view text, Event& event, simdjson::ondemand::document& doc);
  std::string_view in_arena_text(std::string_view inside) const;
  std::string_view plain_key(simdjson::ondemand::raw_json_string key) const;
  Value convert(simdjson::ondemand::value& v, Event& event);  // by reference: a copy of the iterator stalls too
  Value fail() {
    failed_ = true;
    return Value();
  }
  bool collect_fields(simdjson::ondemand::object source, Event& event);
  simdjson::ondemand::parser parser_;
  std::string padded_;         // the text plus simdjson's padding
  const char* arena_text_ = nullptr;  // the same text in the event's arena
  std::vector<Field> scratch_;  // fields of the objects being read, innermost last
  bool failed_ = false;         // convert() met text that is not valid JSON
};

// A JSON number token (RFC 8259 §6) as a value: kInt when it is an integer that fits, else
// kDecimal with the text copied into the arena. Nothing when `token` is not a JSON number.
std::optional<Value> json_number(std::string_view token, Event& event);

}  // namespace logferry

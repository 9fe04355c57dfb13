// JSON output of values and events (console sink, templates rendering maps, webhooks).
#pragma once

#include <string>
#include <string_view>

#include "core/event.h"
#include "core/value.h"

namespace logferry {

// Appends s as a JSON string (quotes included). Invalid UTF-8 bytes become U+FFFD so the output
// is always valid JSON.
void append_json_string(std::string& out, std::string_view s);
// Appends `,"key":` (no comma when `first`): an object member's start, in one step.
void append_json_key(std::string& out, std::string_view key, bool first);
void append_json(std::string& out, const Value& v);
void append_json(std::string& out, const Object& o);
// A whole event, without its top-level `@metadata` (Logstash's Event#to_json: metadata is
// for the pipeline's templates and conditions, never output).
void append_json(std::string& out, const Event& e);

// How an event is written as a document for another system (Elasticsearch, a JSON codec).
struct JsonOptions {
  // Leave out the top-level "@metadata": Logstash never outputs it, it is for the pipeline.
  bool skip_metadata = true;
  // A top-level "@timestamp" held as an RFC 3339 string is written as Logstash prints its
  // Timestamp (ISO 8601 UTC, milliseconds, "Z"); a string that does not parse is kept.
  bool normalize_timestamp = false;
  // Logstash events carry "@version": "1" from their creation; logferry's need not, so a
  // document without one gets it last, as Logstash would have written it.
  bool add_version = false;
};
// The event as Logstash writes it for another system (Elasticsearch documents, the json and
// json_lines codecs): no @metadata, Logstash's @timestamp, "@version".
inline constexpr JsonOptions kLogstashDocument{.skip_metadata = true, .normalize_timestamp = true, .add_version = true};
void append_json(std::string& out, const Event& e, const JsonOptions& options);

// Appends the text form a template shows for a value: strings as they are, numbers and bools
// as text, timestamps as ISO 8601 UTC with milliseconds, lists joined by ",", maps as JSON.
void append_text(std::string& out, const Value& v);

}  // namespace logferry

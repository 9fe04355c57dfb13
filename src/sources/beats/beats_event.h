// Beats event -> logferry event, as logstash-input-beats maps it (message_listener.rb,
// decoded_event_transform.rb, raw_event_transform.rb, event_transform_common.rb):
//
// * The JSON object's keys become fields (nested objects kept); `@metadata` stays a field
//   (sinks do not print it; templates and conditions read `[@metadata][type]`).
// * With a `message` (Filebeat) or `line` (logstash-forwarder, renamed to `message`) field the
//   event goes through the plain codec ("decoded"): an unparsable `@timestamp` becomes now
//   (Logstash only logs a warning) and the tag is `beats_input_codec_plain_applied`.
// * Without one (e.g. ICP's Filebeat with json.keys_under_root) the hash becomes the event
//   directly ("raw"): an unparsable `@timestamp` becomes now, the tag `_timestampparsefailure`
//   is added and the original kept in `_@timestamp` (Logstash's Event constructor); the tag is
//   `beats_input_raw_event`.
// * `@version: "1"` unless present; `[@metadata][ip_address]` = the peer (plugin 4.x+/LS 6).
// * add_hostname (the 3.x behaviour, always on there): `beat.hostname` copied into `host`
//   when `host` is absent.
//
// One EventMapper per source thread: it reuses the simdjson parser and scratch buffers.
#pragma once


#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/json_reader.h"

namespace logferry::sources::beats {

struct MappingOptions {
  bool add_hostname = false;
  bool include_codec_tag = true;
};

struct MapResult {
  bool bad_json = false;          // kept whole in `message`, tagged _jsonparsefailure
  bool bad_timestamp = false;     // @timestamp present but not a valid ISO 8601 string
};

class EventMapper {
 public:
  explicit EventMapper(MappingOptions options) : options_(options) {}

  // A v2 JSON frame.
  MapResult map_json(std::string_view json, Event& event, Timestamp now, std::string_view peer_ip);
  // A v1 data frame (every value a string).
  MapResult map_pairs(const std::vector<std::pair<std::string_view, std::string_view>>& pairs,
                      Event& event, Timestamp now, std::string_view peer_ip);

 private:
  // Applies the Logstash rules to an event whose fields are the sender's keys.
  MapResult finish(Event& event, Timestamp now, std::string_view peer_ip);

  MappingOptions options_;
  JsonReader reader_;
  std::string text_;
};

}  // namespace logferry::sources::beats

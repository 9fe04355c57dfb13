#include "sources/beats/beats_event.h"

#include "core/json.h"
#include "core/tags.h"
#include "core/time_util.h"

namespace logferry::sources::beats {

namespace {

constexpr std::string_view kCodecTag = "beats_input_codec_plain_applied";
constexpr std::string_view kRawTag = "beats_input_raw_event";
// Room reserved in the event for the fields added after the sender's: finish() adds up to
// four, and filters add more (grok's %{COMBINEDAPACHELOG} 11, ICP's pipeline 7 plus a JSON
// line's keys). Growing the vector later would leave its old copy in the arena, unused.
constexpr std::size_t kFieldsAdded = 16;

bool present(const Value* v) { return v != nullptr && !v->is_null(); }

}  // namespace

MapResult EventMapper::map_json(std::string_view json, Event& event, Timestamp now,
                                std::string_view peer_ip) {
  // The object's fields become the event's (JSON numbers exact, as Logstash keeps them), with
  // room for the fields finish() and the pipeline add.
  if (!reader_.read_object_into(json, event, event.root(), kFieldsAdded)) {
    // Logstash closes the connection here, and Filebeat then resends the same window forever.
    // Keeping the text (like the json codec does) delivers it and lets the window be acked.
    event.append("message", event.string_value(json));
    event.append("@timestamp", Value::timestamp(now));
    event.append("@version", Value::string("1"));
    add_literal_tag(event, "_jsonparsefailure");
    return MapResult{true, false};
  }
  return finish(event, now, peer_ip);
}

MapResult EventMapper::map_pairs(const std::vector<std::pair<std::string_view, std::string_view>>& pairs,
                                 Event& event, Timestamp now, std::string_view peer_ip) {
  event.root().fields.reserve(pairs.size() + 4);
  for (const auto& [k, v] : pairs) {
    std::string_view key = event.arena().copy(k);
    if (Value* existing = event.root().get(key)) {
      *existing = event.string_value(v);  // a Ruby hash keeps the last of repeated keys
    } else {
      event.append(key, event.string_value(v));
    }
  }
  return finish(event, now, peer_ip);
}

MapResult EventMapper::finish(Event& event, Timestamp now, std::string_view peer_ip) {
  Object& root = event.root();
  MapResult result;
  // The plain codec runs on `message`, else on logstash-forwarder's `line` (renamed).
  Value* message = root.get("message");
  bool decoded = present(message);
  if (!decoded) {
    if (present(root.get("line"))) {
      if (message) root.remove("message");
      for (auto& f : root.fields) {
        if (f.key == "line") {
          f.key = "message";
          break;
        }
      }
      decoded = true;
    }
    message = decoded ? root.get("message") : nullptr;
  }
  if (decoded && !message->is_string()) {  // the codec sees `to_s`
    text_.clear();
    append_text(text_, *message);
    *message = event.string_value(text_);
  }

  Value* ts = root.get("@timestamp");
  if (ts == nullptr) {
    event.append("@timestamp", Value::timestamp(now));
  } else if (auto parsed = ts->is_string() ? parse_rfc3339(ts->as_string()) : std::nullopt) {
    *ts = Value::timestamp(*parsed);
  } else {
    result.bad_timestamp = true;
    Value original = *ts;
    *ts = Value::timestamp(now);
    if (!decoded) {
      root.set("_@timestamp", original);
      add_literal_tag(event, "_timestampparsefailure");
    }
  }
  if (root.get("@version") == nullptr) event.append("@version", Value::string("1"));

  if (options_.add_hostname && !present(root.get("host"))) {
    const Value* beat = root.get("beat");
    if (beat && beat->is_object()) {
      if (const Value* hostname = beat->as_object()->get("hostname"); present(hostname))
        root.set("host", *hostname);
    }
  }
  if (!peer_ip.empty()) {
    Value* meta = root.get("@metadata");
    Object* object = meta && meta->is_object() ? meta->as_object() : event.new_object();
    if (!meta) {
      event.append("@metadata", Value::object(object));
    } else if (!meta->is_object()) {
      *meta = Value::object(object);
    }
    object->set("ip_address", event.string_value(peer_ip));
  }
  if (options_.include_codec_tag) add_literal_tag(event, decoded ? kCodecTag : kRawTag);
  return result;
}

}  // namespace logferry::sources::beats

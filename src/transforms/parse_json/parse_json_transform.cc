#include "transforms/parse_json/parse_json_transform.h"

#include "core/json.h"
#include "template/time_parse.h"

namespace logferry::transforms {

namespace {

constexpr std::string_view kTimestamp = "@timestamp";
constexpr std::string_view kTimestampFailureTag = "_timestampparsefailure";
constexpr std::string_view kTimestampFailureField = "_@timestamp";

}  // namespace

void ParseJsonTransform::describe(config::Schema<Options>& s) {
  s.field("source", &Options::source).doc("Field holding the JSON text.");
  s.field("target", &Options::target)
      .doc("Field to store the parsed value in; empty merges the object's keys into the top "
           "level, replacing fields of the same name (a JSON `@timestamp` sets the event's).");
  s.field("skip_on_invalid_json", &Options::skip_on_invalid_json)
      .doc("Leave events whose text is not JSON untouched and untagged (still counted).");
  s.field("remove_source", &Options::remove_source)
      .doc("Remove the source field before storing the result (not a Logstash setting: there, "
           "remove_field runs after the merge and also removes a JSON key of that name).");
  s.field("tag_on_failure", &Options::tag_on_failure)
      .doc("Tags added to events whose text is not valid JSON, or not an object without a target.");
  describe_common(s);
  s.check([](const Options& o, config::CheckContext& ctx) {
    if (o.source.empty()) ctx.error("source", "must name a field");
  });
}

Result<std::unique_ptr<Transform>> ParseJsonTransform::build(const Options& options,
                                                             BuildContext& ctx) {
  auto decorations = Decorations::compile(options);
  if (!decorations) return unexpected(decorations.error());
  Counter& failures = ctx.metrics.counter("logferry_parse_json_failures_total",
                                          "Events whose field was not valid JSON (or, without a "
                                          "target, not a JSON object)",
                                          ctx.labels());
  auto t = std::make_unique<ParseJsonTransform>(options, failures, ctx.clock);
  t->set_decorations(std::move(*decorations));
  return std::unique_ptr<Transform>(std::move(t));
}

ParseJsonTransform::ParseJsonTransform(const Options& options, Counter& failures, const Clock& clock)
    : source_(FieldPath::parse(options.source)),
      target_(FieldPath::parse(options.target)),
      to_root_(options.target.empty()),
      skip_on_invalid_json_(options.skip_on_invalid_json),
      remove_source_(options.remove_source),
      tag_on_failure_(options.tag_on_failure),
      failures_(failures),
      clock_(clock) {}

Outcome ParseJsonTransform::fail(Event& event) {
  ++failures_in_batch_;
  for (const std::string& tag : tag_on_failure_) add_tag(event, tag);
  return Outcome::kFailure;
}

Outcome ParseJsonTransform::process(Event& event) {
  const Value* v = event.find(source_);
  // Logstash: `return unless source` (absent, null or false: nothing to do)
  if (v == nullptr || v->is_null() || (v->kind() == Value::Kind::kBool && !v->as_bool()))
    return Outcome::kSkip;
  std::optional<Value> parsed;
  if (v->is_string()) parsed = reader_.read(v->as_string(), event);
  if (!parsed) {
    if (!skip_on_invalid_json_) return fail(event);
    ++failures_in_batch_;
    return Outcome::kSkip;
  }
  if (!to_root_) {
    if (remove_source_) event.remove(source_);
    event.set(target_, *parsed);
    return Outcome::kSuccess;
  }
  // "Parsed JSON object/hash requires a target": tagged even with skip_on_invalid_json.
  if (!parsed->is_object()) return fail(event);
  if (remove_source_) event.remove(source_);
  merge(event, *parsed->as_object());
  return Outcome::kSuccess;
}

void ParseJsonTransform::merge(Event& event, Object& parsed) {
  std::optional<Value> timestamp;
  if (const Value* t = parsed.get(kTimestamp)) {
    timestamp = *t;
    parsed.remove(kTimestamp);
  }
  for (const Field& f : parsed.fields) event.root().set(f.key, f.value);
  if (timestamp) set_timestamp(event, *timestamp);
}

// LogStash::Timestamp.coerce: an ISO 8601 string (UTC unless it says otherwise). Null and
// false are dropped silently, as `if parsed_timestamp` does.
void ParseJsonTransform::set_timestamp(Event& event, const Value& parsed) {
  if (parsed.is_null() || (parsed.kind() == Value::Kind::kBool && !parsed.as_bool())) return;
  std::optional<Timestamp> t;
  if (parsed.is_string()) t = parse_iso8601(parsed.as_string(), absl::UTCTimeZone());
  if (parsed.kind() == Value::Kind::kTimestamp) t = parsed.as_timestamp();
  if (t) {
    event.root().set(kTimestamp, Value::timestamp(*t));
    return;
  }
  event.root().set(kTimestamp, Value::timestamp(clock_.now()));
  add_tag(event, kTimestampFailureTag);
  if (parsed.is_string()) {
    event.root().set(kTimestampFailureField, parsed);
  } else {
    std::string text;  // rare: a JSON @timestamp that is a number, list or map
    append_text(text, parsed);
    event.root().set(kTimestampFailureField, event.string_value(text));
  }
}

}  // namespace logferry::transforms

#include "transforms/parse_json/parse_json_transform.h"

#include "core/json_dom.h"

namespace logferry::transforms {

void ParseJsonTransform::describe(config::Schema<Options>& s) {
  s.field("source", &Options::source).doc("Field holding the JSON text (default message).");
  s.field("target", &Options::target)
      .doc("Field to store the parsed value in; empty merges the object's keys into the root, "
           "replacing fields of the same name.");
  s.field("remove_source", &Options::remove_source)
      .doc("Remove the source field after a successful parse.");
  s.field("tag_on_failure", &Options::tag_on_failure)
      .doc("Tags added to events whose text is not valid JSON (default _jsonparsefailure).");
  s.check([](const Options& o, config::CheckContext& ctx) {
    if (o.source.empty()) ctx.error("source", "must name a field");
  });
}

Result<std::unique_ptr<Transform>> ParseJsonTransform::build(const Options& options,
                                                             BuildContext& ctx) {
  Counter& failures = ctx.metrics.counter("logferry_parse_json_failures_total",
                                          "Events whose field was not valid JSON (or, without a "
                                          "target, not a JSON object)",
                                          ctx.labels());
  return std::unique_ptr<Transform>(std::make_unique<ParseJsonTransform>(options, failures));
}

ParseJsonTransform::ParseJsonTransform(const Options& options, Counter& failures)
    : source_(FieldPath::parse(options.source)),
      target_(FieldPath::parse(options.target)),
      to_root_(options.target.empty()),
      remove_source_(options.remove_source),
      tag_storage_(std::make_shared<std::vector<std::string>>(options.tag_on_failure)),
      failures_(failures) {}

void ParseJsonTransform::apply(EventBatch& batch) {
  failures_in_batch_ = 0;
  for (Event& e : batch.events()) {
    if (!parse(e)) {
      ++failures_in_batch_;
      tag_failure(e);
    }
  }
  if (failures_in_batch_ > 0) {
    failures_.add(failures_in_batch_);
    batch.retain(tag_storage_);  // the failure tags point into it
  }
}

bool ParseJsonTransform::parse(Event& event) {
  const Value* v = event.find(source_);
  if (v == nullptr) return true;  // nothing to parse is not a failure (Logstash)
  if (!v->is_string()) return false;
  std::string_view text = v->as_string();
  padded_.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  padded_.assign(text);
  simdjson::dom::element root;
  if (parser_.parse(padded_).get(root) != simdjson::SUCCESS) return false;
  if (to_root_) {
    simdjson::dom::object object;
    if (root.get(object) != simdjson::SUCCESS) return false;  // not an object
    if (remove_source_) event.remove(source_);
    for (auto field : object)
      event.root().set(event.arena().copy(field.key), json_to_value(field.value, event));
    return true;
  }
  Value parsed = json_to_value(root, event);
  if (remove_source_) event.remove(source_);
  event.set(target_, parsed);
  return true;
}

void ParseJsonTransform::tag_failure(Event& event) {
  for (const std::string& tag : *tag_storage_) {
    Value* tags = event.find(tags_path_);
    if (tags != nullptr && tags->kind() == Value::Kind::kArray) {
      bool present = false;
      for (const Value& t : tags->as_array()->items)
        present = present || (t.is_string() && t.as_string() == tag);
      if (!present) tags->as_array()->items.push_back(Value::string(tag));
      continue;
    }
    Array* list = event.new_array();
    if (tags != nullptr && !tags->is_null()) list->items.push_back(*tags);
    list->items.push_back(Value::string(tag));
    event.set(tags_path_, Value::array(list));
  }
}

}  // namespace logferry::transforms

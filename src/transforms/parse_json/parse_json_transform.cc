#include "transforms/parse_json/parse_json_transform.h"

namespace logferry::transforms {

namespace {

// simdjson DOM -> event values; strings and keys are copied into the batch arena because the
// parser's buffers are reused for the next event.
Value convert(simdjson::dom::element element, Event& event) {
  using simdjson::dom::element_type;
  switch (element.type()) {
    case element_type::OBJECT: {
      Object* obj = event.new_object();
      simdjson::dom::object source;
      if (element.get(source) != simdjson::SUCCESS) return Value();
      obj->fields.reserve(source.size());
      for (auto field : source)
        obj->fields.push_back({event.arena().copy(field.key), convert(field.value, event)});
      return Value::object(obj);
    }
    case element_type::ARRAY: {
      Array* arr = event.new_array();
      simdjson::dom::array source;
      if (element.get(source) != simdjson::SUCCESS) return Value();
      arr->items.reserve(source.size());
      for (auto item : source) arr->items.push_back(convert(item, event));
      return Value::array(arr);
    }
    case element_type::STRING: {
      std::string_view s = element.get_string().value_unsafe();
      return s.empty() ? Value::string({}) : event.string_value(s);
    }
    case element_type::INT64: return Value::integer(element.get_int64().value_unsafe());
    case element_type::UINT64:  // above INT64_MAX
      return Value::number(static_cast<double>(element.get_uint64().value_unsafe()));
    case element_type::DOUBLE: return Value::number(element.get_double().value_unsafe());
    case element_type::BOOL: return Value::boolean(element.get_bool().value_unsafe());
    case element_type::NULL_VALUE: return Value();
  }
  return Value();
}

}  // namespace

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
      event.root().set(event.arena().copy(field.key), convert(field.value, event));
    return true;
  }
  Value parsed = convert(root, event);
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

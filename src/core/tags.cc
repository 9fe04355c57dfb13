#include "core/tags.h"

#include <algorithm>

namespace logferry {

namespace {

const FieldPath& tags_path() {
  static const FieldPath path = FieldPath::parse("tags");
  return path;
}

}  // namespace

namespace {

void add_tag_value(Event& event, std::string_view tag, bool copy) {
  auto stored = [&] { return copy ? event.string_value(tag) : Value::string(tag); };
  Value* tags = event.find(tags_path());
  if (tags != nullptr && tags->kind() == Value::Kind::kArray) {
    for (const Value& t : tags->as_array()->items)
      if (t.is_string() && t.as_string() == tag) return;
    tags->as_array()->items.push_back(stored());
    return;
  }
  Array* list = event.new_array();
  if (tags != nullptr && !tags->is_null()) {  // a single tag stored as a scalar
    if (tags->is_string() && tags->as_string() == tag) return;
    list->items.push_back(*tags);
  }
  list->items.push_back(stored());
  event.set(tags_path(), Value::array(list));
}

}  // namespace

void add_tag(Event& event, std::string_view tag) { add_tag_value(event, tag, true); }
void add_literal_tag(Event& event, std::string_view tag) { add_tag_value(event, tag, false); }

void remove_tag(Event& event, std::string_view tag) {
  Value* tags = event.find(tags_path());
  if (tags == nullptr) return;
  if (tags->kind() == Value::Kind::kArray) {
    auto& items = tags->as_array()->items;
    items.erase(std::remove_if(items.begin(), items.end(),
                               [tag](const Value& t) { return t.is_string() && t.as_string() == tag; }),
                items.end());
  } else if (tags->is_string() && tags->as_string() == tag) {
    *tags = Value::array(event.new_array());
  }
}

}  // namespace logferry

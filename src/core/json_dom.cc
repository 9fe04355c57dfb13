#include "core/json_dom.h"

namespace logferry {

Value json_to_value(simdjson::dom::element element, Event& event) {
  using simdjson::dom::element_type;
  switch (element.type()) {
    case element_type::OBJECT: {
      Object* obj = event.new_object();
      simdjson::dom::object source;
      if (element.get(source) != simdjson::SUCCESS) return Value();
      obj->fields.reserve(source.size());
      for (auto field : source)
        obj->fields.push_back({event.arena().copy(field.key), json_to_value(field.value, event)});
      return Value::object(obj);
    }
    case element_type::ARRAY: {
      Array* arr = event.new_array();
      simdjson::dom::array source;
      if (element.get(source) != simdjson::SUCCESS) return Value();
      arr->items.reserve(source.size());
      for (auto item : source) arr->items.push_back(json_to_value(item, event));
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

}  // namespace logferry

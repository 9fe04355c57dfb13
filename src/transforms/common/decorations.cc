#include "transforms/common/decorations.h"

#include <algorithm>

namespace logferry::transforms {

std::string decode(const YAML::Node& n, OrderedMap& out) {
  if (!n.IsMap()) return "must be a map of field names to strings";
  out.entries.clear();
  for (const auto& e : config::map_entries(n)) {
    if (!e.value.IsScalar()) return "the value of '" + e.key + "' must be a string";
    out.entries.emplace_back(e.key, e.value.Scalar());
  }
  return {};
}

void check_common(const CommonOptions& o, config::CheckContext& ctx) {
  auto check = [&ctx](const char* key, const std::string& text) {
    if (auto t = Template::compile(text); !t) ctx.error(key, "'" + text + "': " + t.error().message);
  };
  for (const auto& [name, value] : o.add_field.entries) {
    check("add_field", name);
    check("add_field", value);
  }
  for (const auto& f : o.remove_field) check("remove_field", f);
  for (const auto& t : o.add_tag) check("add_tag", t);
  for (const auto& t : o.remove_tag) check("remove_tag", t);
}

namespace {

const FieldPath& tags_path() {
  static const FieldPath path = FieldPath::parse("tags");
  return path;
}

}  // namespace

void add_tag(Event& event, std::string_view tag) {
  Value* tags = event.find(tags_path());
  if (tags != nullptr && tags->kind() == Value::Kind::kArray) {
    for (const Value& t : tags->as_array()->items)
      if (t.is_string() && t.as_string() == tag) return;
    tags->as_array()->items.push_back(event.string_value(tag));
    return;
  }
  Array* list = event.new_array();
  if (tags != nullptr && !tags->is_null()) {  // a single tag stored as a scalar
    if (tags->is_string() && tags->as_string() == tag) return;
    list->items.push_back(*tags);
  }
  list->items.push_back(event.string_value(tag));
  event.set(tags_path(), Value::array(list));
}

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

void add_field_value(Event& event, const FieldPath& path, Value value) {
  Value* existing = event.find(path);
  if (existing == nullptr) {
    event.set(path, value);
  } else if (existing->kind() == Value::Kind::kArray) {
    existing->as_array()->items.push_back(value);
  } else {
    Array* both = event.new_array();
    both->items.push_back(*existing);
    both->items.push_back(value);
    *existing = Value::array(both);
  }
}

Result<Decorations> Decorations::compile(const CommonOptions& o) {
  Decorations d;
  auto name = [](const std::string& text) -> Result<Name> {
    auto t = Template::compile(text);
    if (!t) return unexpected(t.error());
    return Name{std::move(*t), FieldPath::parse(text)};
  };
  auto fail = [](const char* key, const Error& e) {
    return unexpected(ErrorCode::kInvalidArgument, std::string(key) + ": " + e.message);
  };
  for (const auto& [field, value] : o.add_field.entries) {
    auto n = name(field);
    if (!n) return fail("add_field", n.error());
    auto v = Template::compile(value);
    if (!v) return fail("add_field", v.error());
    d.add_field_.emplace_back(std::move(*n), std::move(*v));
  }
  for (const auto& field : o.remove_field) {
    auto n = name(field);
    if (!n) return fail("remove_field", n.error());
    d.remove_field_.push_back(std::move(*n));
  }
  for (const auto& tag : o.add_tag) {
    auto t = Template::compile(tag);
    if (!t) return fail("add_tag", t.error());
    d.add_tag_.push_back(std::move(*t));
  }
  for (const auto& tag : o.remove_tag) {
    auto t = Template::compile(tag);
    if (!t) return fail("remove_tag", t.error());
    d.remove_tag_.push_back(std::move(*t));
  }
  return d;
}

const FieldPath& NameCache::resolve(const Template& tmpl, const FieldPath& constant,
                                    const Event& event) {
  if (tmpl.is_constant()) return constant;
  buf_.clear();
  tmpl.render(event, buf_);
  auto it = cache_.find(std::string_view(buf_));
  if (it == cache_.end()) it = cache_.emplace(buf_, FieldPath::parse(buf_)).first;
  return it->second;
}

void Decorations::apply(Event& event) {
  names_.begin_event();
  for (const auto& [name, value] : add_field_) {
    buf_.clear();
    value.render(event, buf_);
    Value rendered = event.string_value(buf_);
    add_field_value(event, names_.resolve(name.tmpl, name.path, event), rendered);
  }
  for (const Name& n : remove_field_) event.remove(names_.resolve(n.tmpl, n.path, event));
  for (const Template& t : add_tag_) {
    buf_.clear();
    t.render(event, buf_);
    add_tag(event, buf_);
  }
  for (const Template& t : remove_tag_) {
    buf_.clear();
    t.render(event, buf_);
    remove_tag(event, buf_);
  }
}

}  // namespace logferry::transforms

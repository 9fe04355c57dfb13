#include "core/json_reader.h"

#include <charconv>
#include <cstdint>
#include <cstring>

namespace logferry {

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  Sets `integral` when neither part follows.
bool valid_number(std::string_view s, bool& integral) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size() || !digit(s[i])) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (i < s.size() && digit(s[i])) ++i;
  }
  integral = true;
  if (i < s.size() && s[i] == '.') {
    integral = false;
    ++i;
    if (i >= s.size() || !digit(s[i])) return false;
    while (i < s.size() && digit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    integral = false;
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !digit(s[i])) return false;
    while (i < s.size() && digit(s[i])) ++i;
  }
  return i == s.size();
}

// raw_json_token() runs up to the next structural character: trailing blanks included.
std::string_view trim_token(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

Value arena_string(Event& event, std::string_view s) {
  return s.empty() ? Value::string({}) : event.string_value(s);
}

}  // namespace

std::optional<Value> json_number(std::string_view token, Event& event) {
  bool integral = false;
  if (!valid_number(token, integral)) return std::nullopt;
  if (integral) {
    int64_t i = 0;
    auto r = std::from_chars(token.data(), token.data() + token.size(), i);
    if (r.ec == std::errc() && r.ptr == token.data() + token.size()) return Value::integer(i);
  }
  return Value::decimal(event.arena().copy(token));
}

// Returns the value in registers and reports failure in failed_: a std::optional<Value> comes
// back through memory, and reading it whole right after the callee wrote it in parts stalls
// (store forwarding) once per field, a fifth of the time of reading an event.
Value JsonReader::convert(simdjson::ondemand::value& v, Event& event) {
  using simdjson::ondemand::json_type;
  json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return fail();
  switch (type) {
    case json_type::object: {
      simdjson::ondemand::object source;
      if (v.get_object().get(source) != simdjson::SUCCESS) return fail();
      std::size_t base = scratch_.size();
      if (!collect_fields(source, event)) return fail();
      Object* obj = event.new_object();
      obj->fields.assign(scratch_.begin() + static_cast<std::ptrdiff_t>(base), scratch_.end());
      scratch_.resize(base);
      return Value::object(obj);
    }
    case json_type::array: {
      simdjson::ondemand::array source;
      if (v.get_array().get(source) != simdjson::SUCCESS) return fail();
      Array* arr = event.new_array();
      for (auto item : source) {
        simdjson::ondemand::value element;
        if (item.get(element) != simdjson::SUCCESS) return fail();
        Value value = convert(element, event);
        if (failed_) return value;
        arr->items.push_back(value);
      }
      return Value::array(arr);
    }
    case json_type::string: {
      std::string_view raw = trim_token(v.raw_json_token());
      if (raw.size() >= 2 && raw.back() == '"' && raw.find('\\') == std::string_view::npos)
        return Value::string(in_arena_text(raw.substr(1, raw.size() - 2)));
      std::string_view s;  // with escapes: simdjson unescapes it, into its own buffer
      if (v.get_string().get(s) != simdjson::SUCCESS) return fail();
      return arena_string(event, s);
    }
    case json_type::number: {
      auto number = json_number(trim_token(v.raw_json_token()), event);
      return number ? *number : fail();
    }
    case json_type::boolean: {
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return fail();
      return Value::boolean(b);
    }
    case json_type::null: {
      bool null = false;
      if (v.is_null().get(null) != simdjson::SUCCESS || !null) return fail();
      return Value();
    }
  }
  return fail();
}

// An object's fields go to scratch_ first and then into the arena at their final size: pushed
// one by one, the arena vector would grow 1, 2, 4, 8... and leave every smaller copy behind.
bool JsonReader::collect_fields(simdjson::ondemand::object source, Event& event) {
  for (auto field : source) {
    if (field.error() != simdjson::SUCCESS) return false;
    std::string_view stored = plain_key(field.value_unsafe().key());
    if (stored.data() == nullptr) {  // a key with escapes
      std::string_view key;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
      stored = event.arena().copy(key);  // the parser reuses its key buffer
    }
    simdjson::ondemand::value field_value = field.value();
    Value value = convert(field_value, event);
    if (failed_) return false;
    Field& f = scratch_.emplace_back();  // member by member: no 16-byte reload of a spilled key
    f.key = stored;
    f.value = value;
  }
  return true;
}

// Strings and keys without escapes are taken from the copy of the text in the arena: one copy
// of the whole text instead of one per string, and no unescaping (simdjson has checked the
// UTF-8 of the whole text). `inside` views padded_.
std::string_view JsonReader::in_arena_text(std::string_view inside) const {
  return {arena_text_ + (inside.data() - padded_.data()), inside.size()};
}

// The key as it is in the text when it has no escapes, else a null view. The key ends at the
// first '"' when no backslash comes before it (stage 1 has matched every quote).
std::string_view JsonReader::plain_key(simdjson::ondemand::raw_json_string key) const {
  const char* begin = key.raw();
  const char* end = padded_.data() + padded_.size();
  const void* quote = std::memchr(begin, '"', static_cast<std::size_t>(end - begin));
  if (quote == nullptr) return {};
  std::string_view k(begin, static_cast<std::size_t>(static_cast<const char*>(quote) - begin));
  if (k.find('\\') != std::string_view::npos) return {};
  return in_arena_text(k);
}

bool JsonReader::start(std::string_view text, Event& event, simdjson::ondemand::document& doc) {
  scratch_.clear();
  failed_ = false;
  arena_text_ = event.arena().copy(text).data();
  padded_.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  padded_.assign(text);
  simdjson::padded_string_view input(padded_.data(), padded_.size(), padded_.capacity());
  return parser_.iterate(input).get(doc) == simdjson::SUCCESS;
}

bool JsonReader::read_object_into(std::string_view text, Event& event, Object& target, std::size_t headroom) {
  simdjson::ondemand::document doc;
  if (!start(text, event, doc)) return false;
  simdjson::ondemand::object source;
  if (doc.get_object().get(source) != simdjson::SUCCESS || !collect_fields(source, event)) return false;
  const char* rest = nullptr;
  if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) return false;  // text after it
  target.fields.reserve(target.fields.size() + scratch_.size() + headroom);
  target.fields.insert(target.fields.end(), scratch_.begin(), scratch_.end());
  return true;
}

std::optional<Value> JsonReader::read(std::string_view text, Event& event) {
  simdjson::ondemand::document doc;
  if (!start(text, event, doc)) return std::nullopt;
  bool scalar = false;
  if (doc.is_scalar().get(scalar) != simdjson::SUCCESS) return std::nullopt;
  std::optional<Value> result;
  if (scalar) {  // a document that is one string, number, boolean or null
    simdjson::ondemand::json_type type;
    if (doc.type().get(type) != simdjson::SUCCESS) return std::nullopt;
    using simdjson::ondemand::json_type;
    std::string_view s;
    bool b = false;
    switch (type) {
      case json_type::string:
        if (doc.get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
        result = arena_string(event, s);
        break;
      case json_type::number: {  // the whole text is the number, blanks around it aside
        std::string_view token = trim_token(text);
        while (!token.empty() && (token.front() == ' ' || token.front() == '\t' ||
                                  token.front() == '\n' || token.front() == '\r'))
          token.remove_prefix(1);
        result = json_number(token, event);
        break;
      }
      case json_type::boolean:
        if (doc.get_bool().get(b) != simdjson::SUCCESS) return std::nullopt;
        result = Value::boolean(b);
        break;
      case json_type::null:
        if (doc.is_null().get(b) != simdjson::SUCCESS || !b) return std::nullopt;
        result = Value();
        break;
      default: return std::nullopt;
    }
  } else {
    simdjson::ondemand::value root;
    if (doc.get_value().get(root) != simdjson::SUCCESS) return std::nullopt;
    Value value = convert(root, event);
    if (failed_) return std::nullopt;
    result = value;
    // Every token consumed, or there is text after the document.
    const char* rest = nullptr;
    if (result && doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) return std::nullopt;
  }
  return result;
}

}  // namespace logferry

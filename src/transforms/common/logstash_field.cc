#include "transforms/common/logstash_field.h"

#include <string>

namespace logferry::transforms {

namespace {

bool is_reference(std::string_view name) { return !name.empty() && name.front() == '['; }

// The bracket form of one key; a key holding ']' cannot be bracketed and stays a plain key.
std::string bracket(std::string_view key) {
  if (key.find(']') != std::string_view::npos) return std::string(key);
  return "[" + std::string(key) + "]";
}

}  // namespace

FieldPath logstash_field(std::string_view name) {
  if (is_reference(name) || name.find('.') == std::string_view::npos) return FieldPath::parse(name);
  return FieldPath::parse(bracket(name));
}

FieldPath logstash_field_under(std::string_view target, std::string_view name) {
  if (target.empty()) return logstash_field(name);
  FieldPath outer = logstash_field(target);
  FieldPath inner = logstash_field(name);
  std::string text;
  for (const auto& s : outer.segments()) text += bracket(s);
  for (const auto& s : inner.segments()) text += bracket(s);
  return FieldPath::parse(text);
}

}  // namespace logferry::transforms

#include "transforms/dissect/dissect_transform.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include "core/json.h"
#include "transforms/common/logstash_field.h"

namespace logferry::transforms {

namespace {

Unexpected<Error> invalid(std::string message) {
  return unexpected(ErrorCode::kInvalidArgument, std::move(message));
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// java.math.BigDecimal's grammar: sign, digits with an optional fraction (at least one digit),
// optional exponent. No blanks, no hex, no inf/nan.
bool is_decimal(std::string_view s, bool& integral) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  integral = true;
  if (i < s.size() && s[i] == '.') {
    integral = false;
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    integral = false;
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exp = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp;
    if (exp == 0) return false;
  }
  return i == s.size();
}

// BigDecimal(text).toBigInteger() / BigDecimal(text), as int64 / double (beyond int64: double).
bool to_number(std::string_view s, bool to_int, Value& out) {
  bool integral = false;
  if (!is_decimal(s, integral)) return false;
  std::string_view digits = !s.empty() && s.front() == '+' ? s.substr(1) : s;
  if (to_int && integral) {
    int64_t v = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (r.ec == std::errc() && r.ptr == digits.data() + digits.size()) {
      out = Value::integer(v);
      return true;
    }
  }
  double d = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), d);
  if (r.ec != std::errc() && r.ec != std::errc::result_out_of_range) return false;
  if (!to_int) {
    out = Value::number(d);
    return true;
  }
  double t = std::trunc(d);
  if (t >= -9.2e18 && t <= 9.2e18) {
    out = Value::integer(static_cast<int64_t>(t));
  } else {
    out = Value::number(t);
  }
  return true;
}

}  // namespace

void DissectTransform::describe(config::Schema<Options>& s) {
  s.field("mapping", &Options::mapping)
      .doc("field: pattern, e.g. \"%{ts} %{+ts} %{level} %{?skip} %{msg}\". Modifiers: -> "
           "(skip repeated delimiters), +name[/n] (append), ?name/*name (named skip), &name "
           "(key from another field), %{} (skip).");
  s.field("convert_datatype", &Options::convert_datatype)
      .doc("field: int|float, applied after the mapping.");
  s.field("tag_on_failure", &Options::tag_on_failure)
      .doc("Tags added when a mapping does not match or its field is empty or null.");
  describe_common(s);
  s.check([](const Options& o, config::CheckContext& ctx) {
    for (const auto& [field, pattern] : o.mapping.entries) {
      if (pattern.empty()) continue;  // Logstash ignores an empty mapping
      if (auto d = dissect::Dissector::compile(pattern); !d)
        ctx.error("mapping", "'" + field + "': " + d.error().message);
    }
    for (const auto& [field, type] : o.convert_datatype.entries) {
      std::string t = lower(type);
      if (t != "int" && t != "float")
        ctx.error("convert_datatype", "'" + field + "': datatype not supported: " + type +
                                          " (int or float)");
    }
  });
}

Result<std::unique_ptr<Transform>> DissectTransform::build(const Options& o, BuildContext& ctx) {
  std::unique_ptr<DissectTransform> t(new DissectTransform());
  for (const auto& [field, pattern] : o.mapping.entries) {
    if (pattern.empty()) continue;
    auto d = dissect::Dissector::compile(pattern);
    if (!d) return invalid("mapping: '" + field + "': " + d.error().message);
    Mapping m{logstash_field(field), std::move(*d), {}};
    for (const auto& f : m.dissector.fields()) m.paths.push_back(logstash_field(f.name));
    t->mappings_.push_back(std::move(m));
  }
  for (const auto& [field, type] : o.convert_datatype.entries) {
    std::string ty = lower(type);
    if (ty != "int" && ty != "float")
      return invalid("convert_datatype: '" + field + "': datatype not supported: " + type);
    t->conversions_.push_back({logstash_field(field), ty == "int",
                               "_dataconversionnullvalue_" + field + "_" + type,
                               "_dataconversionuncoercible_" + field + "_" + type});
  }
  t->tag_on_failure_ = o.tag_on_failure;
  auto decorations = Decorations::compile(o);
  if (!decorations) return unexpected(decorations.error());
  t->set_decorations(std::move(*decorations));
  t->matches_ = &ctx.metrics.counter("logferry_dissect_matches_total",
                                     "Mappings a dissect filter matched", ctx.labels());
  t->failures_ = &ctx.metrics.counter(
      "logferry_dissect_failures_total",
      "Mappings that did not match, or whose field was missing, empty or null", ctx.labels());
  t->scratch_.reserve(64);
  return std::unique_ptr<Transform>(std::move(t));
}

// Logstash: a missing field is counted but not tagged; a null or empty one, or one that does not
// match, is tagged. Any mapping that matched makes the event a success (common options apply).
Outcome DissectTransform::process(Event& event) {
  bool matched = false, failed = false;
  for (const Mapping& m : mappings_) {
    const Value* v = event.find(m.source);
    if (v == nullptr) {
      ++failures_in_batch_;
      continue;
    }
    std::string_view text;
    if (v->is_string()) {
      text = v->as_string();
    } else if (!v->is_null()) {
      scratch_.clear();
      append_text(scratch_, *v);
      text = event.arena().copy(scratch_);  // the values view into it
    }
    if (text.empty() || !m.dissector.dissect(text, values_)) {
      ++failures_in_batch_;
      failed = true;
      tag_failure(event);
      continue;
    }
    write(m, event);
    ++matches_in_batch_;
    matched = true;
  }
  for (const Conversion& c : conversions_) convert(c, event);
  if (matched) return Outcome::kSuccess;
  return failed ? Outcome::kFailure : Outcome::kSkip;
}

void DissectTransform::write(const Mapping& m, Event& event) {
  const auto& fields = m.dissector.fields();
  for (int id : m.dissector.write_order()) {
    const dissect::DissectField& f = fields[id];
    Value value = Value::string(values_[id]);
    if (f.kind == dissect::DissectField::Kind::kNormal) {
      event.set(m.paths[id], value);
    } else if (f.kind == dissect::DissectField::Kind::kAppend) {
      Value* old = event.find(m.paths[id]);
      if (old == nullptr || old->is_null()) {
        event.set(m.paths[id], value);
        continue;
      }
      scratch_.clear();
      append_text(scratch_, *old);
      scratch_ += f.join;
      scratch_ += values_[id];
      *old = event.string_value(scratch_);
    } else {  // indirect: the key is another field's value (event first, then this mapping)
      std::string_view key;
      if (const Value* named = event.find(m.paths[id]); named != nullptr) {
        scratch_.clear();
        append_text(scratch_, *named);
        key = scratch_;
      } else {
        key = m.dissector.other_by_name(f.name, id, values_);
      }
      if (!key.empty()) event.set(logstash_field(key), value);  // rare; parsing allocates
    }
  }
}

void DissectTransform::convert(const Conversion& c, Event& event) {
  Value* v = event.find(c.path);
  if (v == nullptr || v->is_null()) {
    add_tag(event, c.null_tag);
    return;
  }
  std::string_view text;
  if (v->is_string()) {
    text = v->as_string();
  } else if (v->kind() == Value::Kind::kInt || v->kind() == Value::Kind::kDouble) {
    scratch_.clear();
    append_text(scratch_, *v);
    text = scratch_;
  }  // maps, arrays, booleans are not numbers: uncoercible
  Value number;
  if (!text.empty() && to_number(text, c.to_int, number)) {
    *v = number;
  } else {
    add_tag(event, c.uncoercible_tag);
  }
}

void DissectTransform::tag_failure(Event& event) {
  for (const auto& tag : tag_on_failure_) add_tag(event, tag);
}

void DissectTransform::end_batch() {
  if (matches_in_batch_) matches_->add(matches_in_batch_);
  if (failures_in_batch_) failures_->add(failures_in_batch_);
  matches_in_batch_ = failures_in_batch_ = 0;
}

}  // namespace logferry::transforms

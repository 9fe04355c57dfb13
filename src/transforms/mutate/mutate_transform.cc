#include "transforms/mutate/mutate_transform.h"


#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/json.h"

namespace logferry::transforms {

// ---- option decoding ----

std::string decode(const YAML::Node& n, GsubRules& out) {
  static const std::string kShape =
      "must be a list of [field, regex, replacement] triples (or Logstash's flat list)";
  if (!n.IsSequence()) return kShape;
  out.rules.clear();
  bool flat = n.size() > 0 && n[0].IsScalar();
  if (flat) {
    if (n.size() % 3 != 0) return kShape + ": " + std::to_string(n.size()) + " items is not a multiple of 3";
    for (std::size_t i = 0; i < n.size(); i += 3) {
      if (!n[i].IsScalar() || !n[i + 1].IsScalar() || !n[i + 2].IsScalar()) return kShape;
      out.rules.push_back({n[i].Scalar(), n[i + 1].Scalar(), n[i + 2].Scalar()});
    }
    return {};
  }
  for (std::size_t i = 0; i < n.size(); ++i) {
    const YAML::Node& t = n[i];
    if (!t.IsSequence() || t.size() != 3 || !t[0].IsScalar() || !t[1].IsScalar() ||
        !t[2].IsScalar())
      return kShape + " (item " + std::to_string(i) + " is not)";
    out.rules.push_back({t[0].Scalar(), t[1].Scalar(), t[2].Scalar()});
  }
  return {};
}

namespace {

const std::pair<std::string_view, ConvertTo> kConversions[] = {
    {"integer", ConvertTo::kInteger},
    {"float", ConvertTo::kFloat},
    {"string", ConvertTo::kString},
    {"boolean", ConvertTo::kBoolean},
    {"integer_eu", ConvertTo::kIntegerEu},
    {"float_eu", ConvertTo::kFloatEu},
};

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '\0';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

Value arena_string(Event& event, std::string_view s) {
  if (s.empty()) return Value::string({});
  return event.string_value(s);
}

// Appends `replacement` with Ruby's back-references: \0 or \& (whole match), \1..\9, \\.
void append_rewrite(std::string& out, std::string_view replacement,
                    std::span<const std::string_view> groups) {
  for (std::size_t i = 0; i < replacement.size(); ++i) {
    char c = replacement[i];
    if (c == '\\' && i + 1 < replacement.size()) {
      char n = replacement[i + 1];
      if (n >= '0' && n <= '9') {
        int g = n - '0';
        if (static_cast<std::size_t>(g) < groups.size()) out.append(groups[g]);
        ++i;
        continue;
      }
      if (n == '&') {
        out.append(groups[0]);
        ++i;
        continue;
      }
      if (n == '\\') {
        out += '\\';
        ++i;
        continue;
      }
    }
    out += c;
  }
}

// Ruby String#gsub with a regex. Returns false (and leaves `out` unspecified) if nothing matched.
bool gsub_into(std::string_view in, const RubyRegex& re, std::string_view replacement,
               std::string& out) {
  std::string_view storage[RubyRegex::kMaxGroups];
  std::span<std::string_view> groups(storage, std::min<std::size_t>(1 + re.group_count(), RubyRegex::kMaxGroups));
  std::size_t pos = 0;
  bool any = false;
  out.clear();
  while (pos <= in.size()) {
    if (!re.find(in, pos, groups)) break;
    any = true;
    std::size_t start = static_cast<std::size_t>(groups[0].data() - in.data());
    std::size_t end = start + groups[0].size();
    out.append(in.substr(pos, start - pos));
    append_rewrite(out, replacement, groups);
    if (end == start) {  // empty match: keep one character (a whole UTF-8 sequence) and go on
      if (start >= in.size()) {
        pos = in.size() + 1;
        break;
      }
      std::size_t next = start + 1;
      while (next < in.size() && (static_cast<unsigned char>(in[next]) & 0xC0) == 0x80) ++next;
      out.append(in.substr(start, next - start));
      pos = next;
    } else {
      pos = end;
    }
  }
  if (pos < in.size()) out.append(in.substr(pos));
  return any;
}

}  // namespace

// ---- schema ----

void MutateTransform::describe(config::Schema<Options>& s) {
  s.field("coerce", &Options::coerce).doc("field: template. Sets fields that exist but are null.");
  s.field("rename", &Options::rename).doc("old: new. Moves a field; names may be templates.");
  s.field("update", &Options::update).doc("field: template. Sets fields that already exist.");
  s.field("replace", &Options::replace).doc("field: template. Sets fields, creating them.");
  s.field("convert", &Options::convert)
      .doc("field: integer|float|string|boolean|integer_eu|float_eu. Arrays convert per item; "
           "text that is not a number tags the event with tag_on_failure.");
  s.field("gsub", &Options::gsub)
      .doc("[[field, regex, replacement], ...]: replaces every match (Ruby regex on PCRE2; \\1 back-references).");
  s.field("uppercase", &Options::uppercase).doc("Fields to upper-case (every Unicode letter).");
  s.field("capitalize", &Options::capitalize)
      .doc("Fields to capitalize: first letter upper-case, the rest lower-case.");
  s.field("lowercase", &Options::lowercase).doc("Fields to lower-case (every Unicode letter).");
  s.field("strip", &Options::strip).doc("Fields to strip of leading and trailing whitespace.");
  s.field("split", &Options::split)
      .doc("field: separator. Turns a string into an array; trailing empty items are dropped.");
  s.field("join", &Options::join).doc("field: separator. Turns an array into a string.");
  s.field("merge", &Options::merge)
      .doc("destination: added. Appends the added field's value(s) to the destination array "
           "(a scalar becomes an array), or merges two maps.");
  s.field("copy", &Options::copy).doc("source: destination. Deep copy; replaces the destination.");
  s.field("tag_on_failure", &Options::tag_on_failure)
      .doc("Tag added when an operation fails (the remaining ones are then skipped).");
  describe_common(s);
  // Everything build() compiles is checked here too, so mistakes are validate errors.
  s.check([](const Options& o, config::CheckContext& ctx) {
    auto check_templates = [&ctx](const char* key, const OrderedMap& m, bool names) {
      for (const auto& [name, value] : m.entries) {
        if (names) {
          if (auto t = Template::compile(name); !t) ctx.error(key, "'" + name + "': " + t.error().message);
        }
        if (auto t = Template::compile(value); !t) ctx.error(key, "'" + value + "': " + t.error().message);
      }
    };
    check_templates("coerce", o.coerce, true);
    check_templates("rename", o.rename, true);
    check_templates("update", o.update, true);
    check_templates("replace", o.replace, true);
    for (const auto& [field, type] : o.convert.entries) {
      bool known = false;
      for (const auto& [name, to] : kConversions) known = known || name == type;
      if (!known)
        ctx.error("convert", "'" + field + "': unknown type '" + type +
                                 "' (known: integer, float, string, boolean, integer_eu, float_eu)");
    }
    for (const auto& rule : o.gsub.rules) {
      if (rule.pattern.find("%{") != std::string::npos)
        ctx.error("gsub", "'" + rule.pattern + "': templates in gsub regexes are not supported");
      else if (auto re = RubyRegex::compile(rule.pattern); !re)
        ctx.error("gsub", "'" + rule.pattern + "': invalid regex: " + re.error().message);
      if (auto t = Template::compile(rule.replacement); !t)
        ctx.error("gsub", "'" + rule.replacement + "': " + t.error().message);
    }
  });
}

// ---- build ----

MutateTransform::~MutateTransform() = default;

Result<MutateTransform::Name> MutateTransform::compile_name(const std::string& text) {
  auto t = Template::compile(text);
  if (!t) return unexpected(t.error());
  return Name{std::move(*t), FieldPath::parse(text)};
}

Result<MutateTransform::Assign> MutateTransform::compile_assign(const std::string& name,
                                                                const std::string& value) {
  auto n = compile_name(name);
  if (!n) return unexpected(n.error());
  auto v = Template::compile(value);
  if (!v) return unexpected(v.error());
  return Assign{std::move(*n), std::move(*v)};
}

Result<std::unique_ptr<Transform>> MutateTransform::build(const Options& o, BuildContext& ctx) {
  std::unique_ptr<MutateTransform> m(new MutateTransform());
  auto fail = [](const std::string& key, const Error& e) {
    return unexpected(ErrorCode::kInvalidArgument, key + ": " + e.message);
  };
  auto assigns = [&](const char* key, const OrderedMap& map,
                     std::vector<Assign>& out) -> Result<void> {
    for (const auto& [name, value] : map.entries) {
      auto a = m->compile_assign(name, value);
      if (!a) return fail(key, a.error());
      out.push_back(std::move(*a));
    }
    return {};
  };
  if (auto r = assigns("coerce", o.coerce, m->coerce_); !r) return unexpected(r.error());
  if (auto r = assigns("update", o.update, m->update_); !r) return unexpected(r.error());
  if (auto r = assigns("replace", o.replace, m->replace_); !r) return unexpected(r.error());
  for (const auto& [from, to] : o.rename.entries) {
    auto f = compile_name(from);
    auto t = compile_name(to);
    if (!f) return fail("rename", f.error());
    if (!t) return fail("rename", t.error());
    m->rename_.push_back({std::move(*f), std::move(*t)});
  }
  for (const auto& entry : o.convert.entries) {
    const std::string& field = entry.first;
    const std::string& type = entry.second;  // not a structured binding: clang 14 cannot capture those
    auto it = std::find_if(std::begin(kConversions), std::end(kConversions),
                           [&type](const auto& c) { return c.first == type; });
    if (it == std::end(kConversions))
      return unexpected(ErrorCode::kInvalidArgument, "convert: unknown type '" + type + "'");
    m->convert_.push_back({FieldPath::parse(field), it->second});
  }
  for (const auto& rule : o.gsub.rules) {
    auto re = RubyRegex::compile(rule.pattern);
    if (!re)
      return unexpected(ErrorCode::kInvalidArgument, "gsub: invalid regex '" + rule.pattern + "': " + re.error().message);
    auto replacement = Template::compile(rule.replacement);
    if (!replacement) return fail("gsub", replacement.error());
    m->gsub_.push_back({FieldPath::parse(rule.field), std::move(*re), std::move(*replacement)});
  }
  for (const auto& f : o.uppercase) m->uppercase_.push_back(FieldPath::parse(f));
  for (const auto& f : o.capitalize) m->capitalize_.push_back(FieldPath::parse(f));
  for (const auto& f : o.lowercase) m->lowercase_.push_back(FieldPath::parse(f));
  for (const auto& f : o.strip) m->strip_.push_back(FieldPath::parse(f));
  for (const auto& [field, sep] : o.split.entries) m->split_.push_back({FieldPath::parse(field), sep});
  for (const auto& [field, sep] : o.join.entries) m->join_.push_back({FieldPath::parse(field), sep});
  for (const auto& [to, from] : o.merge.entries)
    m->merge_.push_back({FieldPath::parse(to), FieldPath::parse(from)});
  for (const auto& [from, to] : o.copy.entries)
    m->copy_.push_back({FieldPath::parse(from), FieldPath::parse(to)});
  m->tag_on_failure_ = o.tag_on_failure;
  auto decorations = Decorations::compile(o);
  if (!decorations) return unexpected(decorations.error());
  m->set_decorations(std::move(*decorations));
  m->failures_ = &ctx.metrics.counter(
      "logferry_mutate_failures_total",
      "Events a mutate could not finish (tagged with tag_on_failure)", ctx.labels());
  return std::unique_ptr<Transform>(std::move(m));
}

// ---- per event ----

const FieldPath& MutateTransform::resolve(const Name& name, const Event& event) {
  return names_.resolve(name.tmpl, name.path, event);
}

Value MutateTransform::render(const Assign& a, Event& event) {
  if (a.value.is_constant()) return arena_string(event, a.value.text());
  value_buf_.clear();
  a.value.render(event, value_buf_);
  return arena_string(event, value_buf_);
}

void MutateTransform::begin_batch() { failures_in_batch_ = 0; }

void MutateTransform::end_batch() {
  if (failures_in_batch_ > 0) failures_->add(failures_in_batch_);
}

Outcome MutateTransform::process(Event& event) {
  names_.begin_event();
  coerce(event);
  rename(event);
  update(event);
  replace(event);
  bool ok = convert(event);
  if (ok) {
    gsub(event);
    change_case(event, uppercase_, CaseChange::kUpper);
    change_case(event, capitalize_, CaseChange::kCapitalize);
    change_case(event, lowercase_, CaseChange::kLower);
    ok = strip(event);
  }
  if (!ok) {  // Logstash's rescue: the rest is skipped, the event tagged, no common options
    ++failures_in_batch_;
    if (!tag_on_failure_.empty()) add_tag(event, tag_on_failure_);
    return Outcome::kFailure;
  }
  split(event);
  join(event);
  merge(event);
  copy(event);
  return Outcome::kSuccess;
}

void MutateTransform::coerce(Event& event) {
  for (const Assign& a : coerce_) {
    const FieldPath& path = resolve(a.name, event);
    const Value* v = event.find(path);
    if (v != nullptr && v->is_null()) event.set(path, render(a, event));
  }
}

void MutateTransform::rename(Event& event) {
  for (const Rename& r : rename_) {
    const FieldPath& from = resolve(r.from, event);
    const Value* v = event.find(from);
    if (v == nullptr) continue;
    Value moved = *v;
    event.remove(from);
    event.set(resolve(r.to, event), moved);
  }
}

void MutateTransform::update(Event& event) {
  for (const Assign& a : update_) {
    const FieldPath& path = resolve(a.name, event);
    if (event.find(path) != nullptr) event.set(path, render(a, event));
  }
}

void MutateTransform::replace(Event& event) {
  for (const Assign& a : replace_) {
    Value v = render(a, event);
    event.set(resolve(a.name, event), v);
  }
}

bool MutateTransform::convert(Event& event) {
  for (const Convert& c : convert_) {
    Value* v = event.find(c.path);
    if (v == nullptr || v->is_null() || v->is_object()) continue;  // Logstash skips hashes
    if (v->kind() != Value::Kind::kArray) {
      if (!convert_value(*v, c.to, event, scratch_)) return false;
      continue;
    }
    for (Value& item : v->as_array()->items)
      if (!item.is_null() && !convert_value(item, c.to, event, scratch_)) return false;
  }
  return true;
}

void MutateTransform::gsub(Event& event) {
  for (const Gsub& g : gsub_) {
    Value* v = event.find(g.path);
    if (v == nullptr) continue;
    std::string_view replacement = g.replacement.text();
    if (!g.replacement.is_constant()) {
      value_buf_.clear();
      g.replacement.render(event, value_buf_);
      replacement = value_buf_;
    }
    if (v->kind() == Value::Kind::kArray) {
      for (Value& item : v->as_array()->items) gsub_value(item, g, replacement, event);
    } else {
      gsub_value(*v, g, replacement, event);
    }
  }
}

void MutateTransform::change_case(Event& event, const std::vector<FieldPath>& paths,
                                  CaseChange how) {
  auto one = [&](Value& v) {
    if (!v.is_string() || v.as_string().empty()) return;
    scratch_.clear();
    append_case_changed(scratch_, v.as_string(), how);
    v = event.string_value(scratch_);
  };
  for (const FieldPath& path : paths) {
    Value* v = event.find(path);
    if (v == nullptr) continue;
    if (v->kind() == Value::Kind::kArray) {
      for (Value& item : v->as_array()->items) one(item);  // non-strings are left as they are
    } else {
      one(*v);
    }
  }
}

bool MutateTransform::strip(Event& event) {
  for (const FieldPath& path : strip_) {
    Value* v = event.find(path);
    if (v == nullptr) continue;
    if (v->is_string()) {
      *v = Value::string(trim(v->as_string()));  // a sub-view of the same text
    } else if (v->kind() == Value::Kind::kArray) {
      for (Value& item : v->as_array()->items) {
        if (!item.is_string()) return false;  // Ruby: undefined method `strip'
        item = Value::string(trim(item.as_string()));
      }
    }
  }
  return true;
}

void MutateTransform::split(Event& event) {
  for (const Separator& sp : split_) {
    Value* v = event.find(sp.path);
    if (v == nullptr || !v->is_string()) continue;
    std::string_view s = v->as_string();
    Array* parts = event.new_array();
    if (sp.separator == " ") {  // Ruby's awk-style split on runs of whitespace
      std::size_t i = 0;
      while (i < s.size()) {
        while (i < s.size() && is_blank(s[i]) && s[i] != '\0') ++i;
        std::size_t start = i;
        while (i < s.size() && !(is_blank(s[i]) && s[i] != '\0')) ++i;
        if (i > start) parts->items.push_back(Value::string(s.substr(start, i - start)));
      }
    } else if (sp.separator.empty()) {  // one item per character (UTF-8 sequence)
      std::size_t i = 0;
      while (i < s.size()) {
        std::size_t next = i + 1;
        while (next < s.size() && (static_cast<unsigned char>(s[next]) & 0xC0) == 0x80) ++next;
        parts->items.push_back(Value::string(s.substr(i, next - i)));
        i = next;
      }
    } else {
      std::size_t start = 0;
      while (true) {
        std::size_t at = s.find(sp.separator, start);
        parts->items.push_back(Value::string(s.substr(start, at == std::string_view::npos ? at : at - start)));
        if (at == std::string_view::npos) break;
        start = at + sp.separator.size();
      }
      // Ruby drops trailing empty fields ("a,b,," -> ["a", "b"])
      while (!parts->items.empty() && parts->items.back().as_string().empty()) parts->items.pop_back();
    }
    *v = Value::array(parts);
  }
}

// Ruby's Array#join: nested arrays are joined with the same separator, nil is "".
void MutateTransform::join_into(std::string& out, const Value& v, std::string_view separator) {
  bool first = true;
  for (const Value& item : v.as_array()->items) {
    if (!first) out += separator;
    first = false;
    if (item.kind() == Value::Kind::kArray) {
      join_into(out, item, separator);
    } else if (item.kind() == Value::Kind::kDouble) {
      append_ruby_float(out, item.as_double());
    } else {
      append_text(out, item);
    }
  }
}

void MutateTransform::join(Event& event) {
  for (const Separator& j : join_) {
    Value* v = event.find(j.path);
    if (v == nullptr || v->kind() != Value::Kind::kArray) continue;
    scratch_.clear();
    join_into(scratch_, *v, j.separator);
    *v = arena_string(event, scratch_);
  }
}

// Logstash's merge: two maps merge (the added keys win); otherwise Array(dest) + Array(added),
// so a missing destination becomes the added value(s) and a scalar becomes an array. A map
// with a non-map is not merged.
void MutateTransform::merge(Event& event) {
  auto items = [](const Value* v, Array& out) {
    if (v == nullptr || v->is_null()) return;
    if (v->kind() == Value::Kind::kArray) {
      for (const Value& item : v->as_array()->items) out.items.push_back(item);
    } else {
      out.items.push_back(*v);
    }
  };
  for (const Pair& m : merge_) {
    const Value* dest = event.find(m.first);
    const Value* added = event.find(m.second);
    bool dest_map = dest != nullptr && dest->is_object();
    bool added_map = added != nullptr && added->is_object();
    if (dest_map != added_map) continue;
    if (dest_map) {
      Object* into = dest->as_object();
      for (const Field& f : added->as_object()->fields)
        into->set(f.key, clone_value(f.value, event.arena()));
      continue;
    }
    Array* both = event.new_array();
    items(dest, *both);
    items(added, *both);
    for (Value& item : both->items) item = clone_value(item, event.arena());
    event.set(m.first, Value::array(both));
  }
}

void MutateTransform::copy(Event& event) {
  for (const Pair& c : copy_) {
    const Value* v = event.find(c.first);
    if (v == nullptr || v->is_null()) continue;
    event.set(c.second, clone_value(*v, event.arena()));
  }
}

void MutateTransform::gsub_value(Value& v, const Gsub& g, std::string_view replacement,
                                 Event& event) {
  if (!v.is_string()) return;  // Logstash skips non-strings
  if (gsub_into(v.as_string(), g.re, replacement, scratch_))
    v = arena_string(event, scratch_);
}

}  // namespace logferry::transforms

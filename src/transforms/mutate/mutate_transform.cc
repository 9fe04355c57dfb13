#include "transforms/mutate/mutate_transform.h"

#include <re2/re2.h>

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

constexpr std::size_t kMaxCachedNames = 4096;

const std::pair<std::string_view, MutateTransform::ConvertTo> kConversions[] = {
    {"integer", MutateTransform::ConvertTo::kInteger},
    {"float", MutateTransform::ConvertTo::kFloat},
    {"string", MutateTransform::ConvertTo::kString},
    {"boolean", MutateTransform::ConvertTo::kBoolean},
    {"integer_eu", MutateTransform::ConvertTo::kIntegerEu},
    {"float_eu", MutateTransform::ConvertTo::kFloatEu},
};

std::unique_ptr<re2::RE2> compile_regex(const std::string& pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  // Ruby (Logstash) regexes: ^ and $ match at line boundaries.
  return std::make_unique<re2::RE2>("(?m)" + pattern, options);
}

std::string without_mode_prefix(std::string message) {
  if (auto at = message.find("(?m)"); at != std::string::npos) message.erase(at, 4);
  return message;
}

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '\0';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// Number text as Logstash's convert reads it: blanks trimmed, "," group separators dropped.
// `eu` first swaps "," and "." (1.234,5 -> 1,234.5). Writes the cleaned text into `buf`.
std::string_view clean_number(std::string_view s, bool eu, std::string& buf) {
  buf.clear();
  for (char c : trim(s)) {
    if (eu && c == '.') c = ',';
    else if (eu && c == ',') c = '.';
    if (c != ',') buf += c;
  }
  return buf;
}

bool parse_hex(std::string_view s, int64_t& out) {
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  s.remove_prefix(2);
  uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v > INT64_MAX) return false;
  out = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

bool parse_double(std::string_view s, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(out);
}

bool string_to_integer(std::string_view s, int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return true;
  if (parse_hex(s, out)) return true;
  double d = 0;
  if (parse_double(s, d) && d > -9.2e18 && d < 9.2e18) {  // "12.7" -> 12, "1e3" -> 1000
    out = static_cast<int64_t>(d);
    return true;
  }
  return false;
}

// Ruby's Float#to_s keeps a ".0" on integral values.
void append_float_text(std::string& out, double d) {
  std::size_t start = out.size();
  append_text(out, Value::number(d));
  std::string_view written(out.data() + start, out.size() - start);
  if (written.find_first_of(".en") == std::string_view::npos) out += ".0";
}

Value arena_string(Event& event, std::string_view s) {
  if (s.empty()) return Value::string({});
  return event.string_value(s);
}

// Appends `replacement` with Ruby's back-references: \0 or \& (whole match), \1..\9, \\.
void append_rewrite(std::string& out, std::string_view replacement, const re2::StringPiece* groups,
                    int ngroups) {
  for (std::size_t i = 0; i < replacement.size(); ++i) {
    char c = replacement[i];
    if (c == '\\' && i + 1 < replacement.size()) {
      char n = replacement[i + 1];
      if (n >= '0' && n <= '9') {
        int g = n - '0';
        if (g < ngroups && groups[g].data() != nullptr) out.append(groups[g].data(), groups[g].size());
        ++i;
        continue;
      }
      if (n == '&') {
        out.append(groups[0].data(), groups[0].size());
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
bool gsub_into(std::string_view in, const re2::RE2& re, int ngroups, std::string_view replacement,
               std::string& out) {
  re2::StringPiece groups[10];
  std::size_t pos = 0;
  bool any = false;
  out.clear();
  while (pos <= in.size()) {
    if (!re.Match(in, pos, in.size(), re2::RE2::UNANCHORED, groups, ngroups)) break;
    any = true;
    std::size_t start = static_cast<std::size_t>(groups[0].data() - in.data());
    std::size_t end = start + groups[0].size();
    out.append(in.substr(pos, start - pos));
    append_rewrite(out, replacement, groups, ngroups);
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
      .doc("field: integer|float|string|boolean|integer_eu|float_eu. Arrays convert per item.");
  s.field("gsub", &Options::gsub)
      .doc("[[field, regex, replacement], ...]: replaces every match (RE2; \\1 back-references).");
  s.field("uppercase", &Options::uppercase).doc("Fields to upper-case (ASCII letters).");
  s.field("capitalize", &Options::capitalize).doc("Fields to capitalize (ASCII letters).");
  s.field("lowercase", &Options::lowercase).doc("Fields to lower-case (ASCII letters).");
  s.field("strip", &Options::strip).doc("Fields to strip of leading and trailing whitespace.");
  s.field("split", &Options::split).doc("field: separator. Turns a string into an array.");
  s.field("join", &Options::join).doc("field: separator. Turns an array into a string.");
  s.field("copy", &Options::copy).doc("source: destination. Deep copy; replaces the destination.");
  s.field("add_field", &Options::add_field)
      .doc("name: template. Names may be templates; an existing field becomes an array.");
  s.field("remove_field", &Options::remove_field).doc("Fields to remove; names may be templates.");
  s.field("add_tag", &Options::add_tag).doc("Tags (templates) to add to the `tags` array.");
  s.field("remove_tag", &Options::remove_tag).doc("Tags (templates) to remove from `tags`.");
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
    check_templates("coerce", o.coerce, false);
    check_templates("rename", o.rename, true);
    check_templates("update", o.update, false);
    check_templates("replace", o.replace, false);
    check_templates("add_field", o.add_field, true);
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
      else if (auto re = compile_regex(rule.pattern); !re->ok())
        ctx.error("gsub", "'" + rule.pattern + "': invalid regex: " + without_mode_prefix(re->error()));
      if (auto t = Template::compile(rule.replacement); !t)
        ctx.error("gsub", "'" + rule.replacement + "': " + t.error().message);
    }
    for (const auto* list : {&o.remove_field, &o.add_tag, &o.remove_tag}) {
      for (const auto& item : *list)
        if (auto t = Template::compile(item); !t) ctx.error("", "'" + item + "': " + t.error().message);
    }
  });
}

// ---- build ----

MutateTransform::~MutateTransform() = default;

Result<MutateTransform::Name> MutateTransform::compile_name(const std::string& text) {
  auto t = Template::compile(text);
  if (!t) return unexpected(t.error());
  Name n;
  n.path = FieldPath::parse(text);
  n.tmpl = std::move(*t);
  return n;
}

Result<MutateTransform::Assign> MutateTransform::compile_assign(const std::string& name,
                                                                const std::string& value) {
  auto n = compile_name(name);
  if (!n) return unexpected(n.error());
  auto v = Template::compile(value);
  if (!v) return unexpected(v.error());
  Assign a{std::move(*n), std::move(*v), -1};
  if (a.value.is_constant()) {
    a.constant = static_cast<int>(constants_->size());
    constants_->push_back(value);
  }
  return a;
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
  if (auto r = assigns("add_field", o.add_field, m->add_field_); !r) return unexpected(r.error());
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
    auto re = compile_regex(rule.pattern);
    if (!re->ok())
      return unexpected(ErrorCode::kInvalidArgument, "gsub: invalid regex '" + rule.pattern + "': " + re->error());
    auto replacement = Template::compile(rule.replacement);
    if (!replacement) return fail("gsub", replacement.error());
    int groups = std::min(1 + re->NumberOfCapturingGroups(), 10);
    m->gsub_.push_back({FieldPath::parse(rule.field), std::move(re), groups, std::move(*replacement)});
  }
  for (const auto& f : o.uppercase) m->uppercase_.push_back(FieldPath::parse(f));
  for (const auto& f : o.capitalize) m->capitalize_.push_back(FieldPath::parse(f));
  for (const auto& f : o.lowercase) m->lowercase_.push_back(FieldPath::parse(f));
  for (const auto& f : o.strip) m->strip_.push_back(FieldPath::parse(f));
  for (const auto& [field, sep] : o.split.entries) m->split_.push_back({FieldPath::parse(field), sep});
  for (const auto& [field, sep] : o.join.entries) m->join_.push_back({FieldPath::parse(field), sep});
  for (const auto& [from, to] : o.copy.entries)
    m->copy_.push_back({FieldPath::parse(from), FieldPath::parse(to)});
  for (const auto& f : o.remove_field) {
    auto n = compile_name(f);
    if (!n) return fail("remove_field", n.error());
    m->remove_field_.push_back(std::move(*n));
  }
  for (const auto* list : {&o.add_tag, &o.remove_tag}) {
    for (const auto& tag : *list) {
      auto t = Template::compile(tag);
      if (!t) return fail(list == &o.add_tag ? "add_tag" : "remove_tag", t.error());
      (list == &o.add_tag ? m->add_tag_ : m->remove_tag_).push_back(std::move(*t));
    }
  }
  m->convert_failures_ = &ctx.metrics.counter(
      "logferry_mutate_convert_failures_total",
      "Values a mutate convert could not convert (left unchanged)", ctx.labels());
  return std::unique_ptr<Transform>(std::move(m));
}

// ---- per event ----

const FieldPath& MutateTransform::resolve(const Name& name, const Event& event) {
  if (name.tmpl.is_constant()) return name.path;
  name_buf_.clear();
  name.tmpl.render(event, name_buf_);
  auto it = name_cache_.find(std::string_view(name_buf_));
  if (it == name_cache_.end())
    it = name_cache_.emplace(name_buf_, FieldPath::parse(name_buf_)).first;
  return it->second;
}

Value MutateTransform::render(const Assign& a, Event& event) {
  if (a.constant >= 0) return Value::string((*constants_)[static_cast<std::size_t>(a.constant)]);
  value_buf_.clear();
  a.value.render(event, value_buf_);
  return arena_string(event, value_buf_);
}

void MutateTransform::apply(EventBatch& batch) {
  if (name_cache_.size() > kMaxCachedNames) name_cache_.clear();  // never while paths are in use
  if (!constants_->empty()) batch.retain(constants_);
  failures_in_batch_ = 0;
  for (Event& e : batch.events()) mutate(e);
  if (failures_in_batch_ > 0) convert_failures_->add(failures_in_batch_);
}

void MutateTransform::mutate(Event& event) {
  for (const Assign& a : coerce_) {
    const FieldPath& path = resolve(a.name, event);
    const Value* v = event.find(path);
    if (v != nullptr && v->is_null()) event.set(path, render(a, event));
  }
  for (const Rename& r : rename_) {
    const Value* v = event.find(resolve(r.from, event));
    if (v == nullptr) continue;
    Value moved = *v;
    event.remove(resolve(r.from, event));
    event.set(resolve(r.to, event), moved);
  }
  for (const Assign& a : update_) {
    const FieldPath& path = resolve(a.name, event);
    if (event.find(path) != nullptr) event.set(path, render(a, event));
  }
  for (const Assign& a : replace_) {
    Value v = render(a, event);
    event.set(resolve(a.name, event), v);
  }
  for (const Convert& c : convert_) {
    Value* v = event.find(c.path);
    if (v == nullptr) continue;
    if (v->kind() == Value::Kind::kArray) {
      for (Value& item : v->as_array()->items)
        if (!item.is_null() && !convert_value(item, c.to, event)) ++failures_in_batch_;
    } else if (!v->is_null() && !v->is_object()) {
      if (!convert_value(*v, c.to, event)) ++failures_in_batch_;
    }
  }
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
  auto each_string = [&event](const std::vector<FieldPath>& paths, auto&& fn) {
    for (const FieldPath& path : paths) {
      Value* v = event.find(path);
      if (v == nullptr) continue;
      if (v->kind() == Value::Kind::kArray) {
        for (Value& item : v->as_array()->items)
          if (item.is_string()) fn(item);
      } else if (v->is_string()) {
        fn(*v);
      }
    }
  };
  auto map_chars = [&event](Value& v, auto&& fn) {
    std::string_view s = v.as_string();
    if (s.empty()) return;
    char* out = event.arena().allocate_chars(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) out[i] = fn(i, s[i]);
    v = Value::string({out, s.size()});
  };
  each_string(uppercase_, [&](Value& v) { map_chars(v, [](std::size_t, char c) { return ascii_upper(c); }); });
  each_string(capitalize_, [&](Value& v) {
    map_chars(v, [](std::size_t i, char c) { return i == 0 ? ascii_upper(c) : ascii_lower(c); });
  });
  each_string(lowercase_, [&](Value& v) { map_chars(v, [](std::size_t, char c) { return ascii_lower(c); }); });
  each_string(strip_, [](Value& v) { v = Value::string(trim(v.as_string())); });  // a sub-view

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
  for (const Separator& j : join_) {
    Value* v = event.find(j.path);
    if (v == nullptr || v->kind() != Value::Kind::kArray) continue;
    scratch_.clear();
    bool first = true;
    for (const Value& item : v->as_array()->items) {
      if (!first) scratch_ += j.separator;
      first = false;
      append_text(scratch_, item);
    }
    *v = arena_string(event, scratch_);
  }
  for (const Copy& c : copy_) {
    const Value* v = event.find(c.from);
    if (v == nullptr) continue;
    event.set(c.to, clone_value(*v, event.arena()));
  }
  for (const Assign& a : add_field_) {
    Value added = render(a, event);
    const FieldPath& path = resolve(a.name, event);
    Value* existing = event.find(path);
    if (existing == nullptr) {
      event.set(path, added);
    } else if (existing->kind() == Value::Kind::kArray) {
      existing->as_array()->items.push_back(added);
    } else {  // Logstash turns the field into an array of the old and the new value
      Array* both = event.new_array();
      both->items.push_back(*existing);
      both->items.push_back(added);
      *existing = Value::array(both);
    }
  }
  for (const Name& n : remove_field_) event.remove(resolve(n, event));
  for (const Template& t : add_tag_) {
    value_buf_.clear();
    t.render(event, value_buf_);
    add_tag(event, value_buf_);
  }
  for (const Template& t : remove_tag_) {
    value_buf_.clear();
    t.render(event, value_buf_);
    remove_tag(event, value_buf_);
  }
}

void MutateTransform::add_tag(Event& event, std::string_view tag) {
  Value* tags = event.find(tags_path_);
  if (tags != nullptr && tags->kind() == Value::Kind::kArray) {
    for (const Value& t : tags->as_array()->items)
      if (t.is_string() && t.as_string() == tag) return;  // tags are a set
    tags->as_array()->items.push_back(arena_string(event, tag));
    return;
  }
  Array* list = event.new_array();
  if (tags != nullptr && !tags->is_null()) {  // a single tag stored as a scalar
    if (tags->is_string() && tags->as_string() == tag) return;
    list->items.push_back(*tags);
  }
  list->items.push_back(arena_string(event, tag));
  event.set(tags_path_, Value::array(list));
}

void MutateTransform::remove_tag(Event& event, std::string_view tag) {
  Value* tags = event.find(tags_path_);
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

void MutateTransform::gsub_value(Value& v, const Gsub& g, std::string_view replacement,
                                 Event& event) {
  if (!v.is_string()) return;  // Logstash skips non-strings
  if (gsub_into(v.as_string(), *g.re, g.groups, replacement, scratch_))
    v = arena_string(event, scratch_);
}

bool MutateTransform::convert_value(Value& v, ConvertTo to, const Event& event) {
  using K = Value::Kind;
  auto text_of = [this](const Value& x) -> std::string_view {
    if (x.is_string()) return x.as_string();
    scratch_.clear();
    append_text(scratch_, x);
    return scratch_;
  };
  switch (to) {
    case ConvertTo::kString: {
      if (v.is_string()) return true;
      scratch_.clear();
      if (v.kind() == K::kDouble) {
        append_float_text(scratch_, v.as_double());
      } else {
        append_text(scratch_, v);
      }
      v = scratch_.empty() ? Value::string({}) : event.string_value(scratch_);
      return true;
    }
    case ConvertTo::kBoolean: {
      if (v.kind() == K::kBool) return true;
      std::string_view s = text_of(v);
      for (std::string_view t : {"true", "t", "yes", "y", "1", "1.0"})
        if (iequals(s, t)) return v = Value::boolean(true), true;
      if (s.empty()) return v = Value::boolean(false), true;
      for (std::string_view f : {"false", "f", "no", "n", "0", "0.0"})
        if (iequals(s, f)) return v = Value::boolean(false), true;
      return false;
    }
    case ConvertTo::kInteger:
    case ConvertTo::kIntegerEu: {
      switch (v.kind()) {
        case K::kInt: return true;
        case K::kBool: v = Value::integer(v.as_bool() ? 1 : 0); return true;
        case K::kDouble: {
          double d = v.as_double();
          if (!std::isfinite(d) || d <= -9.2e18 || d >= 9.2e18) return false;
          v = Value::integer(static_cast<int64_t>(d));
          return true;
        }
        case K::kString: {
          std::string_view s = clean_number(v.as_string(), to == ConvertTo::kIntegerEu, name_buf_);
          int64_t i = 0;
          if (!string_to_integer(s, i)) return false;
          v = Value::integer(i);
          return true;
        }
        default: return false;
      }
    }
    case ConvertTo::kFloat:
    case ConvertTo::kFloatEu: {
      switch (v.kind()) {
        case K::kDouble: return true;
        case K::kInt: v = Value::number(static_cast<double>(v.as_int())); return true;
        case K::kBool: v = Value::number(v.as_bool() ? 1.0 : 0.0); return true;
        case K::kString: {
          std::string_view s = clean_number(v.as_string(), to == ConvertTo::kFloatEu, name_buf_);
          double d = 0;
          int64_t hex = 0;
          if (parse_double(s, d)) {
            v = Value::number(d);
          } else if (parse_hex(s, hex)) {
            v = Value::number(static_cast<double>(hex));
          } else {
            return false;
          }
          return true;
        }
        default: return false;
      }
    }
  }
  return false;
}

}  // namespace logferry::transforms

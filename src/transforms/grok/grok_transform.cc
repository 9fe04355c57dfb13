#include "transforms/grok/grok_transform.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/json.h"
#include "transforms/common/logstash_field.h"

namespace logferry::transforms {

std::string decode(const YAML::Node& n, GrokMatch& out) {
  out.fields.clear();
  auto add = [&out](const std::string& field, const std::string& pattern) {
    for (auto& [name, patterns] : out.fields) {
      if (name == field) {
        patterns.push_back(pattern);
        return;
      }
    }
    out.fields.push_back({field, {pattern}});
  };
  if (n.IsSequence()) {  // Logstash's old flat form: [field, pattern, field, pattern, ...]
    if (n.size() % 2 != 0) return "a list must be [field, pattern, field, pattern, ...]";
    for (std::size_t i = 0; i < n.size(); i += 2) {
      if (!n[i].IsScalar() || !n[i + 1].IsScalar()) return "a list must hold strings only";
      add(n[i].Scalar(), n[i + 1].Scalar());
    }
    return {};
  }
  if (!n.IsMap()) return "must be a map of field: pattern (or a list of patterns)";
  for (const auto& e : config::map_entries(n)) {
    if (e.value.IsScalar()) {
      add(e.key, e.value.Scalar());
    } else if (e.value.IsSequence()) {
      for (std::size_t i = 0; i < e.value.size(); ++i) {
        if (!e.value[i].IsScalar()) return "the patterns of '" + e.key + "' must be strings";
        add(e.key, e.value[i].Scalar());
      }
    } else {
      return "the value of '" + e.key + "' must be a pattern or a list of patterns";
    }
  }
  return {};
}

namespace {

Unexpected<Error> invalid(std::string message) {
  return unexpected(ErrorCode::kInvalidArgument, std::move(message));
}

// pattern_definitions come last and win, as in Logstash.
void add_definitions(grok::PatternLibrary& library, const GrokTransform::Options& o) {
  for (const auto& [name, regex] : o.pattern_definitions.entries) {
    std::string r = regex;
    while (!r.empty() && (r.back() == '\n' || r.back() == '\r')) r.pop_back();  // Ruby's chomp
    library.add(name, r);
  }
}

grok::PatternLibrary inline_library(const GrokTransform::Options& o) {
  grok::PatternLibrary library = grok::PatternLibrary::builtin();
  add_definitions(library, o);
  return library;
}

// patterns_dir entries: a directory (its files matching patterns_files_glob) or a file / glob.
Result<std::vector<std::string>> pattern_files(const GrokTransform::Options& o,
                                               const std::filesystem::path& config_dir) {
  std::vector<std::string> files;
  for (const auto& entry : o.patterns_dir) {
    std::filesystem::path path(entry);
    if (path.is_relative() && !config_dir.empty()) path = config_dir / path;
    std::error_code ec;
    std::string pattern = path.string();
    if (std::filesystem::is_directory(path, ec)) {
      pattern = (path / o.patterns_files_glob).string();
    } else if (!std::filesystem::exists(path, ec) && pattern.find_first_of("*?[") == std::string::npos) {
      return invalid("patterns_dir: '" + path.string() + "' does not exist");
    }
    glob_t g{};
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) {
        if (!std::filesystem::is_directory(g.gl_pathv[i], ec)) files.emplace_back(g.gl_pathv[i]);
      }
    }
    globfree(&g);
  }
  return files;
}

// Ruby's String#to_i: leading blanks, a sign, digits (single underscores between them); the rest
// is ignored and no digits give 0.
Value ruby_to_i(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  uint64_t v = 0;
  bool overflow = false;
  double big = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '_' && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9' && i > 0 &&
        s[i - 1] >= '0' && s[i - 1] <= '9')
      continue;
    if (c < '0' || c > '9') break;
    int d = c - '0';
    big = big * 10 + d;
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) overflow = true;
    v = v * 10 + static_cast<uint64_t>(d);
  }
  uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (overflow || v > limit) return Value::number(negative ? -big : big);  // beyond int64
  return Value::integer(negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v));
}

// Ruby's String#to_f: the longest decimal prefix (no hex, no inf/nan); none gives 0.0.
Value ruby_to_f(std::string_view s) {
  char buf[128];
  std::size_t n = 0;
  std::size_t i = 0;
  auto digits = [&]() {
    std::size_t before = n;
    for (; i < s.size() && n < sizeof buf - 8; ++i) {
      if (s[i] >= '0' && s[i] <= '9') {
        buf[n++] = s[i];
      } else if (s[i] == '_' && n > before && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9') {
        continue;
      } else {
        break;
      }
    }
    return n > before;
  };
  while (i < s.size() && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    if (s[i] == '-') buf[n++] = '-';
    ++i;
  }
  bool any = digits();
  if (i + 1 < s.size() && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
    buf[n++] = '.';
    ++i;
    any = digits() || any;
  }
  if (!any) return Value::number(0.0);
  if (i + 1 < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t save_i = i, save_n = n;
    buf[n++] = 'e';
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) buf[n++] = s[i++];
    if (!digits()) {
      i = save_i;
      n = save_n;
    }
  }
  double d = 0;
  std::from_chars(buf, buf + n, d);
  return Value::number(d);
}

}  // namespace

void GrokTransform::describe(config::Schema<Options>& s) {
  s.field("match", &Options::match)
      .doc("field: pattern, or field: [patterns]. Patterns are grok: %{NAME}, %{NAME:field}, "
           "%{NAME:field:int|float}, %{NAME=regex} and Oniguruma regex syntax.");
  s.field("break_on_match", &Options::break_on_match)
      .doc("Stop at the first pattern (and field) that matches.");
  s.field("overwrite", &Options::overwrite)
      .doc("Capture names that replace an existing field instead of making it an array.");
  s.field("named_captures_only", &Options::named_captures_only)
      .doc("Only %{NAME:field} captures; false also keeps %{NAME} as a field named NAME.");
  s.field("keep_empty_captures", &Options::keep_empty_captures)
      .doc("Keep captures that matched nothing (as \"\" or null).");
  s.field("pattern_definitions", &Options::pattern_definitions)
      .doc("NAME: regex. Patterns for this filter; they replace built-in ones of the same name.");
  s.field("patterns_dir", &Options::patterns_dir)
      .doc("Directories (or files) of `NAME regex` lines, read at start; relative to the config.");
  s.field("patterns_files_glob", &Options::patterns_files_glob)
      .doc("Which files of a patterns_dir directory to read.");
  s.field("target", &Options::target).doc("Put the captures under this field instead of the root.");
  s.field("tag_on_failure", &Options::tag_on_failure).doc("Tags added when nothing matched.");
  s.field("tag_on_timeout", &Options::tag_on_timeout)
      .doc("Tag added when a regex exceeds its backtracking budget (see timeout_millis).");
  s.field("timeout_millis", &Options::timeout_millis)
      .range(0, 86'400'000)
      .doc("Budget of one regex execution, as PCRE2's match limit scaled to about this many ms "
           "(0: no limit). Not a wall-clock timer.");
  s.field("timeout_scope", &Options::timeout_scope)
      .one_of({"pattern", "event"})
      .doc("Accepted for Logstash; the budget always applies per regex execution.");
  s.field("ecs_compatibility", &Options::ecs_compatibility)
      .one_of({"disabled"})
      .doc("Only `disabled` (Logstash's legacy field names) is supported.");
  describe_common(s);
  // Everything build() compiles is compiled here too (without JIT), so an unknown pattern name
  // or a bad regex is a validate error. patterns_dir files are read at build only; with
  // patterns_dir set, names they may define are left for build() to check.
  s.check([](const Options& o, config::CheckContext& ctx) {
    grok::PatternLibrary library = inline_library(o);
    grok::CompileOptions options;
    options.named_captures_only = o.named_captures_only;
    options.allow_unknown = !o.patterns_dir.empty();
    options.jit = false;
    for (const auto& [field, patterns] : o.match.fields) {
      for (const auto& pattern : patterns) {
        auto re = grok::CompiledPattern::compile(pattern, library, options);
        if (!re) ctx.error("match", "'" + field + "' => '" + pattern + "': " + re.error().message);
      }
    }
  });
}

GrokTransform::GrokTransform(const Options& o, uint32_t max_captures, uint32_t match_limit)
    : break_on_match_(o.break_on_match),
      keep_empty_captures_(o.keep_empty_captures),
      tag_on_failure_(o.tag_on_failure),
      tag_on_timeout_(o.tag_on_timeout),
      matcher_(max_captures, match_limit) {
  scratch_.reserve(64);
}

Result<std::unique_ptr<Transform>> GrokTransform::build(const Options& o, BuildContext& ctx) {
  grok::PatternLibrary library = grok::PatternLibrary::builtin();
  auto files = pattern_files(o, ctx.config_dir);
  if (!files) return unexpected(files.error());
  for (const auto& file : *files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return invalid("patterns_dir: cannot read '" + file + "'");
    std::ostringstream text;
    text << in.rdbuf();
    library.add_file_text(text.str());
  }
  add_definitions(library, o);
  grok::CompileOptions options;
  options.named_captures_only = o.named_captures_only;

  std::vector<Field> fields;
  uint32_t max_captures = 0;
  for (const auto& [name, patterns] : o.match.fields) {
    Field field{logstash_field(name), {}};
    for (const auto& text : patterns) {
      auto re = grok::CompiledPattern::compile(text, library, options);
      if (!re) return invalid("match: '" + name + "' => '" + text + "': " + re.error().message);
      Pattern p{std::move(*re), {}};
      for (const auto& c : p.re.captures()) {
        bool overwrite = std::find(o.overwrite.begin(), o.overwrite.end(), c.field) != o.overwrite.end();
        p.targets.push_back({logstash_field_under(o.target, c.field), overwrite});
      }
      max_captures = std::max(max_captures, p.re.capture_count());
      field.patterns.push_back(std::move(p));
    }
    fields.push_back(std::move(field));
  }
  uint64_t limit = o.timeout_millis == 0
                       ? std::numeric_limits<uint32_t>::max()
                       : std::min<uint64_t>(static_cast<uint64_t>(o.timeout_millis) * kMatchLimitPerMilli,
                                            std::numeric_limits<uint32_t>::max());
  std::unique_ptr<GrokTransform> t(new GrokTransform(o, max_captures, static_cast<uint32_t>(limit)));
  t->fields_ = std::move(fields);
  auto decorations = Decorations::compile(o);
  if (!decorations) return unexpected(decorations.error());
  t->set_decorations(std::move(*decorations));
  t->matches_ = &ctx.metrics.counter("logferry_grok_matches_total", "Events a grok filter matched",
                                     ctx.labels());
  t->failures_ = &ctx.metrics.counter("logferry_grok_failures_total",
                                      "Events no grok pattern matched (tagged)", ctx.labels());
  t->timeouts_ = &ctx.metrics.counter(
      "logferry_grok_timeouts_total", "Events whose grok match exceeded its budget (tagged)", ctx.labels());
  return std::unique_ptr<Transform>(std::move(t));
}

Outcome GrokTransform::process(Event& event) {
  bool matched = false;
  for (Field& field : fields_) {
    FieldResult r = match_field(field, event);
    if (r == FieldResult::kTimedOut) {  // Logstash: tag_on_timeout only, no failure tags
      ++timeouts_in_batch_;
      add_tag(event, tag_on_timeout_);
      return Outcome::kFailure;
    }
    if (r == FieldResult::kMatched) {
      matched = true;
      if (break_on_match_) break;
    }
  }
  if (matched) {
    ++matches_in_batch_;
    return Outcome::kSuccess;
  }
  ++failures_in_batch_;
  for (const auto& tag : tag_on_failure_) add_tag(event, tag);
  return Outcome::kFailure;
}

// An array is matched element by element (any match counts); a missing field is matched as ""
// (Logstash's nil.to_s), so a pattern that matches the empty string succeeds on it.
GrokTransform::FieldResult GrokTransform::match_field(Field& field, Event& event) {
  const Value* v = event.find(field.path);
  if (v == nullptr || v->kind() != Value::Kind::kArray) return match_value(field, v ? *v : Value(), event);
  Array* items = v->as_array();
  std::size_t n = items->items.size();  // captures may append to this very array
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    Value item = items->items[i];
    FieldResult r = match_value(field, item, event);
    if (r == FieldResult::kTimedOut) return r;
    any = any || r == FieldResult::kMatched;
  }
  return any ? FieldResult::kMatched : FieldResult::kFailed;
}

// Logstash's Matcher: the field's result is that of the LAST pattern tried, so with
// break_on_match false a field whose last pattern fails counts as failed.
GrokTransform::FieldResult GrokTransform::match_value(Field& field, const Value& value, Event& event) {
  bool in_batch = false;
  std::string_view subject = text_of(value, in_batch);
  bool matched = false;
  for (const Pattern& p : field.patterns) {
    auto r = matcher_.match(p.re, subject);
    if (r == grok::Matcher::MatchResult::kLimit) return FieldResult::kTimedOut;
    matched = r == grok::Matcher::MatchResult::kMatch;
    if (matched) {
      capture(p, subject, in_batch, event);
      if (break_on_match_) break;
    }
  }
  return matched ? FieldResult::kMatched : FieldResult::kFailed;
}

std::string_view GrokTransform::text_of(const Value& value, bool& in_batch) {
  if (value.is_string()) {
    in_batch = true;
    return value.as_string();
  }
  in_batch = false;
  scratch_.clear();
  append_text(scratch_, value);
  if (value.kind() == Value::Kind::kDouble && std::isfinite(value.as_double()) &&
      scratch_.find_first_of(".eE") == std::string::npos)
    scratch_ += ".0";  // Ruby's Float#to_s
  return scratch_;
}

void GrokTransform::capture(const Pattern& p, std::string_view subject, bool in_batch, Event& event) {
  const auto& captures = p.re.captures();
  for (std::size_t k = 0; k < captures.size(); ++k) {
    const grok::Capture& c = captures[k];
    std::string_view s;
    Value v;
    if (!matcher_.group(c.group, subject, s)) {
      if (!keep_empty_captures_) continue;
    } else if (c.conversion == grok::Conversion::kInt) {
      v = ruby_to_i(s);
    } else if (c.conversion == grok::Conversion::kFloat) {
      v = ruby_to_f(s);
    } else {
      if (s.empty() && !keep_empty_captures_) continue;
      v = in_batch || s.empty() ? Value::string(s) : event.string_value(s);
    }
    handle(p.targets[k], v, event);
  }
}

// Logstash's handle(): set when absent (or null), append to an array, turn a string into
// [old, new]; any other existing value (a number, a map) is left as it is.
void GrokTransform::handle(const Target& target, Value value, Event& event) {
  if (target.overwrite) {
    event.set(target.path, value);
    return;
  }
  Value* existing = event.find(target.path);
  if (existing == nullptr || existing->is_null()) {
    event.set(target.path, value);
  } else if (existing->kind() == Value::Kind::kArray) {
    existing->as_array()->items.push_back(value);
  } else if (existing->is_string()) {
    Array* both = event.new_array();
    both->items.push_back(*existing);
    both->items.push_back(value);
    *existing = Value::array(both);
  }
}

void GrokTransform::end_batch() {
  if (matches_in_batch_) matches_->add(matches_in_batch_);
  if (failures_in_batch_) failures_->add(failures_in_batch_);
  if (timeouts_in_batch_) timeouts_->add(timeouts_in_batch_);
  matches_in_batch_ = failures_in_batch_ = timeouts_in_batch_ = 0;
}

}  // namespace logferry::transforms

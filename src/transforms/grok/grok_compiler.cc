#include "transforms/grok/grok_compiler.h"

#include <algorithm>
#include <map>

#include "template/ruby_regex.h"
#include "transforms/grok/grok_patterns.h"

namespace logferry::transforms::grok {

namespace {

constexpr std::size_t kMaxExpandedBytes = 1 << 20;  // far above any real pattern; stops blowups
constexpr int kMaxDepth = 64;

Unexpected<Error> invalid(std::string message) {
  return unexpected(ErrorCode::kInvalidArgument, std::move(message));
}

// jls-grok's pattern name characters: [A-z0-9] (the ASCII range A..z includes [ \ ] ^ _ `).
bool name_char(char c) { return (c >= 'A' && c <= 'z') || (c >= '0' && c <= '9'); }
bool subname_char(char c) {
  return name_char(c) || c == '@' || c == '[' || c == ']' || c == '_' || c == ':' || c == '.' ||
         c == '-';
}

// One %{NAME:sub=definition} reference, parsed the way jls-grok's PATTERN_RE reads it.
struct Reference {
  std::string_view name, subname, definition;
  bool has_definition = false;
  std::size_t end = 0;  // one past the closing brace
};

bool parse_reference(std::string_view text, std::size_t at, Reference& ref) {
  std::size_t j = at + 2;
  std::size_t start = j;
  while (j < text.size() && name_char(text[j])) ++j;
  if (j == start) return false;
  ref.name = text.substr(start, j - start);
  if (j < text.size() && text[j] == ':') {
    std::size_t k = j + 1;
    while (k < text.size() && subname_char(text[k]) && text[k] != '}') ++k;
    if (k > j + 1) {
      ref.subname = text.substr(j + 1, k - j - 1);
      j = k;
    }
  }
  if (j < text.size() && text[j] == '=') {
    // Up to the first unescaped '}' outside balanced braces (jls-grok's regex can run past it
    // when the definition holds a backslash; this reads what the user meant).
    std::size_t k = j + 1;
    int depth = 0;
    while (k < text.size()) {
      char c = text[k];
      if (c == '\\' && k + 1 < text.size()) {
        k += 2;
        continue;
      }
      if (c == '{') ++depth;
      if (c == '}' && depth-- == 0) break;
      ++k;
    }
    if (k >= text.size()) return false;
    ref.definition = text.substr(j + 1, k - j - 1);
    ref.has_definition = true;
    j = k;
  }
  while (j < text.size() && text[j] != '}') ++j;  // jls-grok ignores anything else before '}'
  if (j >= text.size()) return false;
  ref.end = j + 1;
  return true;
}

class Expander {
 public:
  Expander(const PatternLibrary& library, const CompileOptions& options)
      : library_(library), options_(options) {}

  Result<void> run(std::string_view text, std::string& out, int depth) {
    if (depth > kMaxDepth) return invalid("patterns nest deeper than " + std::to_string(kMaxDepth));
    std::size_t i = 0;
    while (i < text.size()) {
      std::size_t at = text.find("%{", i);
      if (at == std::string_view::npos) {
        out.append(text.substr(i));
        break;
      }
      out.append(text.substr(i, at - i));
      Reference ref;
      if (!parse_reference(text, at, ref)) {  // not a reference: a literal '%'
        out += '%';
        i = at + 1;
        continue;
      }
      if (auto r = substitute(ref, text.substr(at, ref.end - at), out, depth); !r) return r;
      if (out.size() > kMaxExpandedBytes) return invalid("the expanded pattern is larger than 1 MiB");
      i = ref.end;
    }
    return {};
  }

 private:
  Result<void> substitute(const Reference& ref, std::string_view whole, std::string& out, int depth) {
    std::string name(ref.name);
    if (ref.has_definition) inline_[name] = std::string(ref.definition);
    const std::string* definition = find(name);
    if (definition == nullptr && !options_.allow_unknown)
      return invalid("pattern " + std::string(whole) + " not defined");
    for (const auto& active : stack_) {
      if (active == name) {
        std::string chain;
        for (const auto& s : stack_) chain += s + " -> ";
        return invalid("pattern recursion: " + chain + name);
      }
    }
    bool capture = !(options_.named_captures_only && ref.subname.empty());
    if (capture) {
      out += "(?<";
      out += name;
      if (!ref.subname.empty()) {
        out += ':';
        out += ref.subname;
      }
      out += '>';
    } else {
      out += "(?:";
    }
    if (definition != nullptr) {
      stack_.push_back(name);
      std::string body = *definition;  // `inline_` may change while expanding
      auto r = run(body, out, depth + 1);
      stack_.pop_back();
      if (!r) return r;
    }
    out += ')';
    return {};
  }

  const std::string* find(const std::string& name) const {
    if (auto it = inline_.find(name); it != inline_.end()) return &it->second;
    return library_.find(name);
  }

  const PatternLibrary& library_;
  const CompileOptions& options_;
  std::map<std::string, std::string> inline_;  // %{NAME=regex}, for this pattern only
  std::vector<std::string> stack_;
};


std::vector<std::string_view> split_label(std::string_view label) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t colon = label.find(':', start);
    parts.push_back(label.substr(start, colon == std::string_view::npos ? colon : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return parts;
}

// jls-grok: `pattern, name, coerce = label.split(":")`; the field is `name || pattern`.
Capture capture_of(std::string_view label, int group) {
  auto parts = split_label(label);
  Capture c;
  c.group = group;
  c.field = std::string(parts.size() >= 2 ? parts[1] : parts[0]);
  if (parts.size() >= 3) {
    if (parts[2] == "int") c.conversion = Conversion::kInt;
    if (parts[2] == "float") c.conversion = Conversion::kFloat;
  }
  return c;
}

}  // namespace

const PatternLibrary& PatternLibrary::builtin() {
  static const PatternLibrary library = [] {
    PatternLibrary l;
    l.add_file_text(builtin_pattern_text());
    return l;
  }();
  return library;
}

void PatternLibrary::add_file_text(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    while (!line.empty() && (line.back() == '\r')) line.remove_suffix(1);
    std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos || line[start] == '#') continue;
    line.remove_prefix(start);
    std::size_t gap = line.find_first_of(" \t");
    if (gap == std::string_view::npos) continue;  // a name without a pattern, as Logstash skips it
    std::size_t body = line.find_first_not_of(" \t", gap);
    if (body == std::string_view::npos) continue;
    add(std::string(line.substr(0, gap)), std::string(line.substr(body)));
  }
}

const std::string* PatternLibrary::find(const std::string& name) const {
  auto it = patterns_.find(name);
  return it == patterns_.end() ? nullptr : &it->second;
}

std::vector<std::string> PatternLibrary::names() const {
  std::vector<std::string> out;
  for (const auto& [name, regex] : patterns_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> expand(std::string_view pattern, const PatternLibrary& library,
                           const CompileOptions& options) {
  Expander expander(library, options);
  std::string out;
  if (auto r = expander.run(pattern, out, 0); !r) return unexpected(r.error());
  return out;
}


Result<CompiledPattern> CompiledPattern::compile(std::string_view pattern,
                                                 const PatternLibrary& library,
                                                 const CompileOptions& options) {
  auto expanded = expand(pattern, library, options);
  if (!expanded) return unexpected(expanded.error());
  auto translated = translate_ruby_regex(*expanded);
  if (!translated) return unexpected(translated.error());

  // Ruby regexes: ^ and $ are line anchors; Logstash compiles with Regexp::MULTILINE (dot-all);
  // once a regex has named groups, plain parentheses do not capture.
  uint32_t flags = PCRE2_MULTILINE | PCRE2_DOTALL;
  if (!translated->labels.empty()) flags |= PCRE2_NO_AUTO_CAPTURE;
  auto compiled = compile_pcre2(translated->regex, flags);
  if (!compiled) return invalid("invalid regex: " + compiled.error().message + " of the expanded pattern");
  pcre2_code* re = *compiled;
  CompiledPattern p;
  p.code_.reset(re);
  p.pattern_ = std::string(pattern);
  p.jit_ = options.jit && pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
  pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &p.capture_count_);

  std::vector<std::pair<std::size_t, Capture>> ordered;  // (first position of label, capture)
  for (std::size_t k = 0; k < translated->labels.size(); ++k) {
    std::string name = "g" + std::to_string(k + 1);
    int group = pcre2_substring_number_from_name(re, reinterpret_cast<PCRE2_SPTR>(name.c_str()));
    if (group <= 0) continue;
    const std::string& label = translated->labels[k];
    std::size_t first = std::find(translated->labels.begin(), translated->labels.end(), label) -
                        translated->labels.begin();
    Capture c = capture_of(label, group);
    if (!c.field.empty()) ordered.emplace_back(first, std::move(c));
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [first, c] : ordered) p.captures_.push_back(std::move(c));
  return p;
}

Matcher::Matcher(uint32_t max_captures, uint32_t match_limit) {
  data_ = pcre2_match_data_create(max_captures + 1, nullptr);
  context_ = pcre2_match_context_create(nullptr);
  stack_ = pcre2_jit_stack_create(32 * 1024, 4 * 1024 * 1024, nullptr);
  pcre2_jit_stack_assign(context_, nullptr, stack_);
  if (match_limit > 0) pcre2_set_match_limit(context_, match_limit);
}

Matcher::~Matcher() {
  pcre2_jit_stack_free(stack_);
  pcre2_match_context_free(context_);
  pcre2_match_data_free(data_);
}

Matcher::MatchResult Matcher::match(const CompiledPattern& p, std::string_view subject) {
  static const char kEmpty[] = "";
  auto* s = reinterpret_cast<PCRE2_SPTR>(subject.data() != nullptr ? subject.data() : kEmpty);
  int rc = p.jit() ? pcre2_jit_match(p.code(), s, subject.size(), 0, 0, data_, context_)
                   : pcre2_match(p.code(), s, subject.size(), 0, 0, data_, context_);
  if (rc >= 0) return MatchResult::kMatch;
  switch (rc) {
    case PCRE2_ERROR_MATCHLIMIT:
    case PCRE2_ERROR_DEPTHLIMIT:
    case PCRE2_ERROR_HEAPLIMIT:
    case PCRE2_ERROR_JIT_STACKLIMIT:
      return MatchResult::kLimit;
    default:
      return MatchResult::kNoMatch;
  }
}

bool Matcher::group(int n, std::string_view subject, std::string_view& out) const {
  if (static_cast<uint32_t>(n) >= pcre2_get_ovector_count(data_)) return false;
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data_);
  if (ov[2 * n] == PCRE2_UNSET) return false;
  out = subject.substr(ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
  return true;
}

}  // namespace logferry::transforms::grok

#include "sinks/alert/rule_matcher.h"

#include <cstring>

#include <algorithm>

#include "core/json.h"

namespace logferry::sinks {

std::optional<RegexSpec> parse_regex_match(std::string_view match) {
  if (match.size() < 2 || match.front() != '/') return std::nullopt;
  if (match.back() == '/') return RegexSpec{std::string(match.substr(1, match.size() - 2)), false};
  if (match.size() >= 3 && match.substr(match.size() - 2) == "/i")
    return RegexSpec{std::string(match.substr(1, match.size() - 3)), true};
  return std::nullopt;
}

Result<RuleMatcher> RuleMatcher::compile(const std::vector<RuleSpec>& rules) {
  RuleMatcher m;
  m.message_ = FieldPath::parse("message");
  m.log_ = FieldPath::parse("log");
  std::vector<std::vector<std::pair<std::string, int>>> set_patterns;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const RuleSpec& r = rules[i];
    if (r.match.empty()) return unexpected(ErrorCode::kInvalidArgument, "rule '" + r.name + "': empty match");
    std::size_t g = 0;
    while (g < m.groups_.size() && m.groups_[g].field != r.field) ++g;
    if (g == m.groups_.size()) {
      Group group;
      group.field = r.field;
      if (!r.field.empty()) group.path = FieldPath::parse(r.field);
      m.groups_.push_back(std::move(group));
      set_patterns.emplace_back();
    }
    m.rule_group_.push_back(g);
    std::string pattern;
    if (auto re = parse_regex_match(r.match)) {
      RE2::Options check_options;
      check_options.set_log_errors(false);
      RE2 check(re->pattern, check_options);
      if (!check.ok())
        return unexpected(ErrorCode::kInvalidArgument,
                          "rule '" + r.name + "': bad regex: " + check.error());
      pattern = (re->ignore_case || !r.case_sensitive ? "(?i)" : "") + re->pattern;
    } else if (r.case_sensitive) {
      m.groups_[g].literals.emplace_back(r.match, static_cast<int>(i));
      continue;
    } else {
      pattern = "(?i)" + RE2::QuoteMeta(r.match);
    }
    set_patterns[g].emplace_back(std::move(pattern), static_cast<int>(i));
  }
  for (std::size_t g = 0; g < m.groups_.size(); ++g) {
    Group& group = m.groups_[g];
    auto& patterns = set_patterns[g];
    if (group.literals.size() > kMaxMemmemLiterals) {
      for (auto& [lit, rule] : group.literals) patterns.emplace_back(RE2::QuoteMeta(lit), rule);
      group.literals.clear();
    }
    if (patterns.empty()) continue;
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(256 << 20);  // a large DFA for thousands of rules
    group.set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
    for (auto& [pattern, rule] : patterns) {
      std::string error;
      if (group.set->Add(pattern, &error) < 0)
        return unexpected(ErrorCode::kInvalidArgument,
                          "rule '" + rules[static_cast<std::size_t>(rule)].name + "': " + error);
      group.set_rules.push_back(rule);
    }
    if (!group.set->Compile())
      return unexpected(ErrorCode::kInvalidArgument, "alert rules: out of memory compiling the regex set");
  }
  return m;
}

bool RuleMatcher::text_of(const Event& event, const Group& g, std::string_view& text,
                          std::string& scratch) const {
  const Value* v = nullptr;
  if (g.field.empty()) {
    v = event.find(message_);
    if (v == nullptr) v = event.find(log_);
  } else {
    v = event.find(g.path);
  }
  if (v == nullptr || v->is_null()) return false;
  if (v->is_string()) {
    text = v->as_string();
  } else {
    scratch.clear();
    append_text(scratch, *v);
    text = scratch;
  }
  return true;
}

void RuleMatcher::match(const Event& event, std::vector<int>& hits) const {
  hits.clear();
  for (const Group& g : groups_) {
    std::string_view text;
    if (!text_of(event, g, text, scratch_)) continue;
    for (const auto& [lit, rule] : g.literals) {
      if (::memmem(text.data(), text.size(), lit.data(), lit.size()) != nullptr) hits.push_back(rule);
    }
    if (g.set) {
      re2::StringPiece piece(text.data(), text.size());
      // Without a result vector Match() allocates nothing: ask for the indices only on a hit.
      if (g.set->Match(piece, nullptr)) {
        g.set->Match(piece, &set_hits_);
        for (int i : set_hits_) hits.push_back(g.set_rules[static_cast<std::size_t>(i)]);
      }
    }
  }
  if (hits.size() > 1) std::sort(hits.begin(), hits.end());
}

std::string_view RuleMatcher::field_text(const Event& event, int rule, std::string& scratch) const {
  std::string_view text;
  if (!text_of(event, *group_of(rule), text, scratch)) return {};
  return text;
}

}  // namespace logferry::sinks

// RuleMatcher: which alert rules an event matches, at line rate. Rules are grouped by the field
// they look at; each group scans its field once: a few case-sensitive substrings with memmem
// (glibc's SIMD search), everything else (regexes, case-insensitive or many substrings) in one
// RE2::Set, i.e. one linear-time DFA pass for all of them. A non-matching event (the usual
// case) costs one memmem per literal plus one DFA pass and asks RE2 for no match list, so it
// allocates nothing per event once the DFA has cached its states.
#pragma once

#include <re2/set.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/field_path.h"
#include "core/result.h"

namespace logferry::sinks {

struct RuleSpec {
  std::string name;
  std::string match;         // "substring" or "/regex/" (optionally "/regex/i")
  std::string field;         // empty: `message`, falling back to `log`
  bool case_sensitive = true;
};

class RuleMatcher {
 public:
  // Up to this many case-sensitive substrings per field are searched with memmem.
  static constexpr std::size_t kMaxMemmemLiterals = 4;

  static Result<RuleMatcher> compile(const std::vector<RuleSpec>& rules);
  // Replaces `hits` with the indices (ascending) of the rules the event matches.
  void match(const Event& event, std::vector<int>& hits) const;
  // The text a rule looked at in `event` (for the alert), empty if absent.
  std::string_view field_text(const Event& event, int rule, std::string& scratch) const;

 private:
  struct Group {
    std::string field;  // "" = default (message, else log)
    FieldPath path;
    std::vector<std::pair<std::string, int>> literals;  // memmem'd substrings -> rule
    std::unique_ptr<RE2::Set> set;
    std::vector<int> set_rules;  // set index -> rule
  };
  const Group* group_of(int rule) const { return &groups_[rule_group_[rule]]; }
  bool text_of(const Event& event, const Group& g, std::string_view& text, std::string& scratch) const;

  std::vector<Group> groups_;
  std::vector<std::size_t> rule_group_;
  FieldPath message_, log_;
  mutable std::vector<int> set_hits_;
  mutable std::string scratch_;
};

// "/.../" or "/.../i" -> the regex and whether it ignores case; nullopt for a substring.
struct RegexSpec {
  std::string pattern;
  bool ignore_case = false;
};
std::optional<RegexSpec> parse_regex_match(std::string_view match);

}  // namespace logferry::sinks

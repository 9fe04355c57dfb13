// Ruby (Oniguruma) regexes, as Logstash users write them, run on PCRE2 with JIT: the one regex
// dialect of the Logstash front end (grok patterns, `=~` conditions, mutate's gsub). PCRE2 is
// chosen over RE2 for these because Ruby regexes have lookaround and back-references; RE2 stays
// where we want linear time on our own syntax (the alert sink's RE2::Set).
//
// Example:
//   auto re = RubyRegex::compile("^\\s*$");        // Ruby semantics: ^ and $ are line anchors
//   if (re && re->search("  ")) ...
#pragma once

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace logferry {

// Oniguruma -> PCRE2 source. Named groups become (?<gN>...); `labels[N-1]` is the original name
// of gN (PCRE2 cannot take `(?<kubernetes.pod>...)` as a name). `\k<name>`/`\g<name>` follow the
// rename, `\h` is Ruby's hex digit, `(?m)` is Ruby's dot-all, nested character classes are
// flattened.
struct TranslatedRegex {
  std::string regex;
  std::vector<std::string> labels;
};
Result<TranslatedRegex> translate_ruby_regex(std::string_view onig);

// PCRE2 source (already translated) -> code the caller owns (pcre2_code_free), or PCRE2's
// message with the offset.
Result<pcre2_code*> compile_pcre2(std::string_view regex, uint32_t flags);

// A compiled Ruby regex. Thread-safe: match data is per thread, so matching allocates nothing.
class RubyRegex {
 public:
  struct Options {
    bool dot_all = false;  // Regexp::MULTILINE (grok compiles with it; a /literal/ does not)
  };
  static Result<RubyRegex> compile(std::string_view pattern, Options options);
  static Result<RubyRegex> compile(std::string_view pattern) { return compile(pattern, Options{}); }

  static constexpr std::size_t kMaxGroups = 10;  // \\0..\\9, what a replacement can name

  // Unanchored search, as Ruby's `=~`. Allocates nothing.
  bool search(std::string_view subject) const;
  // The first match at or after `start`: groups[0] the whole match, groups[n] group n (a null
  // view when it took no part). At most kMaxGroups are filled. Lookbehind sees before `start`.
  bool find(std::string_view subject, std::size_t start, std::span<std::string_view> groups) const;
  // Capturing groups in the pattern (not counting the whole match).
  uint32_t group_count() const { return group_count_; }
  const pcre2_code* code() const { return code_.get(); }

 private:
  struct Free {
    void operator()(pcre2_code* c) const { pcre2_code_free(c); }
  };
  std::shared_ptr<pcre2_code> code_;
  bool jit_ = false;
  uint32_t group_count_ = 0;

  int match(std::string_view subject, std::size_t start, pcre2_match_data* data) const;
};

}  // namespace logferry

// The rules that decide whether a line continues the event before it: Filebeat's
// `pattern` + `negate` + `match`, or a built-in parser for the stack traces of one runtime.
//
// Filebeat's four combinations (a line "continues" when pattern-match XOR negate):
//   negate false, match after:  matching lines are appended to the previous line that does not match
//   negate false, match before: matching lines are prepended to the next line that does not match
//   negate true,  match after:  non-matching lines are appended to the previous line that matches
//   negate true,  match before: non-matching lines are prepended to the next line that matches
// The parsers all work as `after`; Python's and Go's keep a little state per stream because
// their traces have blank lines and unindented lines inside.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"
#include "template/ruby_regex.h"

namespace logferry::transforms {

enum class MultilineParser { kNone, kJava, kPython, kGo, kRuby };

class MultilineRules {
 public:
  // parser "" uses pattern/negate/match; otherwise one of java, python, go, ruby.
  static Result<MultilineRules> compile(std::string_view parser, std::string_view pattern,
                                        bool negate, bool match_before);

  // True when `line` continues the event before it (after), or the event after it (before).
  // `state` is the stream's parser state (0 at the start of a stream).
  bool continues(std::string_view line, uint8_t& state) const;
  bool match_before() const { return match_before_; }
  // Parsers join blank lines that may turn out to end a trace; they are trimmed on output.
  bool trims_trailing_blank_lines() const { return parser_ != MultilineParser::kNone; }

 private:
  bool python(std::string_view line, uint8_t& state) const;
  bool go(std::string_view line, uint8_t& state) const;

  MultilineParser parser_ = MultilineParser::kNone;
  RubyRegex regex_;
  bool negate_ = false;
  bool match_before_ = false;
};

}  // namespace logferry::transforms

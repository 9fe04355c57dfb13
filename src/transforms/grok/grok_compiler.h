// Grok pattern compilation: %{NAME:field:type} expansion against a pattern library, then the
// Oniguruma (Ruby) regex dialect Logstash users write turned into PCRE2 syntax, then PCRE2 with
// JIT. Group names are the one thing PCRE2 cannot take as written (`(?<kubernetes.pod>...)`,
// `(?<NUMBER:bytes:int>...)`), so every named group is renamed g1, g2, ... and a table maps
// each back to its field and conversion.
//
// Example:
//   auto lib = PatternLibrary::builtin();
//   auto re = CompiledPattern::compile("%{IP:client} %{NUMBER:took:float}", lib, {});
//   // re->captures(): [{field "client"}, {field "took", kFloat}]
#pragma once

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace logferry::transforms::grok {

// NAME -> regex text (may reference other names). Later additions replace earlier ones.
class PatternLibrary {
 public:
  // The built-in set (grok_patterns.cc), parsed once.
  static const PatternLibrary& builtin();
  void add(std::string name, std::string regex) { patterns_[std::move(name)] = std::move(regex); }
  // A patterns file: `NAME regex` per line; blank lines and `#` comment lines are skipped.
  void add_file_text(std::string_view text);
  const std::string* find(const std::string& name) const;
  std::size_t size() const { return patterns_.size(); }
  std::vector<std::string> names() const;

 private:
  std::unordered_map<std::string, std::string> patterns_;
};

enum class Conversion { kNone, kInt, kFloat };

struct Capture {
  std::string field;  // as written: "client", "kubernetes.pod", "[http][status]"
  Conversion conversion = Conversion::kNone;
  int group = 0;      // PCRE2 group number
};

struct CompileOptions {
  bool named_captures_only = true;
  // Unknown %{NAME}s expand to an empty group instead of failing (validate with patterns_dir,
  // whose files are only read at build time).
  bool allow_unknown = false;
  bool jit = true;
};

// Step 1: %{...} expansion. Returns Oniguruma-syntax text in which captures are named groups
// labelled as jls-grok labels them ("NUMBER:bytes:int"). Errors name the unknown pattern or the
// recursion.
Result<std::string> expand(std::string_view pattern, const PatternLibrary& library,
                           const CompileOptions& options);

// Step 2 is core/ruby_regex.h: translate_ruby_regex (Oniguruma -> PCRE2 source).

class CompiledPattern {
 public:
  static Result<CompiledPattern> compile(std::string_view pattern, const PatternLibrary& library,
                                         const CompileOptions& options);
  const pcre2_code* code() const { return code_.get(); }
  bool jit() const { return jit_; }
  // In Logstash's emission order: by first appearance of each label, then by position.
  const std::vector<Capture>& captures() const { return captures_; }
  uint32_t capture_count() const { return capture_count_; }
  const std::string& pattern() const { return pattern_; }

 private:
  struct Free {
    void operator()(pcre2_code* c) const { pcre2_code_free(c); }
  };
  std::unique_ptr<pcre2_code, Free> code_;
  bool jit_ = false;
  uint32_t capture_count_ = 0;
  std::vector<Capture> captures_;
  std::string pattern_;
};

// Per-transform-instance match state (match data, JIT stack, match limit), so matching
// allocates nothing. Not thread-safe: one per transform instance.
class Matcher {
 public:
  enum class MatchResult { kMatch, kNoMatch, kLimit };
  // `max_captures`: the largest capture_count() of the patterns it will run.
  // `match_limit`: PCRE2's backtracking budget per execution; 0 = PCRE2's default.
  Matcher(uint32_t max_captures, uint32_t match_limit);
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  MatchResult match(const CompiledPattern& p, std::string_view subject);
  // After kMatch: group `n` of the subject, or nullptr data when it did not participate.
  bool group(int n, std::string_view subject, std::string_view& out) const;

 private:
  pcre2_match_data* data_ = nullptr;
  pcre2_match_context* context_ = nullptr;
  pcre2_jit_stack* stack_ = nullptr;
};

}  // namespace logferry::transforms::grok

// Joda-Time pattern letters, the one table shared by the formatter (%{+FORMAT}, TimeFormat)
// and the date filter's parser (TimeParser): a pattern is split into letter runs and literal
// text ('quoted', '' is a quote). Each side says which letters it supports.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace logferry {

struct JodaToken {
  char letter = 0;  // 0: literal text
  int count = 0;    // how many times the letter repeats ("yyyy" -> 4)
  std::string literal;
};

// Letters Joda defines; those not in `supported` are an error naming the letter.
inline constexpr std::string_view kJodaLetters = "GCYxwehKkHmsSzZyuDMdEa";
Result<std::vector<JodaToken>> tokenize_joda(std::string_view pattern, std::string_view supported);

// True for letters whose value is a number (Joda's isNumericToken; M only up to MM).
bool joda_numeric(const JodaToken& t);

}  // namespace logferry

// Unicode-wide case changes for mutate's uppercase, lowercase and capitalize (Ruby's
// String#upcase/downcase/capitalize change every letter, not just ASCII ones). Uses the C
// library's simple case mappings of the C.UTF-8 locale (one code point to one: "é" -> "É",
// "ß" stays "ß" where Ruby writes "SS"). The process locale is not touched.
#pragma once

#include <string>
#include <string_view>

namespace logferry::transforms {

enum class CaseChange { kUpper, kLower, kCapitalize };

// Appends `in` with its letters changed. Bytes that are not valid UTF-8 are copied as they are.
void append_case_changed(std::string& out, std::string_view in, CaseChange change);

}  // namespace logferry::transforms

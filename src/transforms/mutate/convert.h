// mutate's `convert`: Logstash's converters (mutate.rb convert_*, the strict ones of Logstash
// 8.14+), one value at a time. Number text is read exactly: "9007199254740993.0" -> integer
// 9007199254740993, and integers beyond int64 stay exact (as a decimal value, like Ruby's
// Bignum). Strings are stripped, "," group separators dropped, and the *_eu forms swap "," and
// "." first ("1.234,5" -> 1234.5).
#pragma once

#include <string>
#include <string_view>

#include "core/event.h"

namespace logferry::transforms {

enum class ConvertTo { kInteger, kFloat, kString, kBoolean, kIntegerEu, kFloatEu };

// Converts `v` in place (new strings go into the event's arena). false: the value cannot be
// converted (Ruby raises; mutate then tags the event). A boolean conversion of other text
// leaves the value as it is and succeeds, as Logstash only warns. `scratch` is reused.
bool convert_value(Value& v, ConvertTo to, Event& event, std::string& scratch);

// Ruby's BigDecimal(text).to_i: the integer part of a decimal number text ("-12.7e1" -> "-127"),
// written into `out` without leading zeros. false when `text` is not a number.
bool decimal_to_integer_text(std::string_view text, std::string& out);

// Ruby's Float#to_s: integral values keep ".0" ("3.0"), large ones use "e" ("1.0e+20").
void append_ruby_float(std::string& out, double d);

}  // namespace logferry::transforms

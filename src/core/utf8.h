// UTF-8 validation helpers shared by parsers and encoders.
#pragma once

#include <cstddef>
#include <string_view>

namespace logferry {

// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 if it is not valid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);
bool is_valid_utf8(std::string_view s);

}  // namespace logferry

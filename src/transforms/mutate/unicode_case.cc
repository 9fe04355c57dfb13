#include "transforms/mutate/unicode_case.h"

#include <locale.h>
#include <wctype.h>

#include <cstdint>

#include "core/utf8.h"

namespace logferry::transforms {

namespace {

// Created once; null when the C library has no C.UTF-8 (then only ASCII letters change).
locale_t utf8_locale() {
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

uint32_t decode(std::string_view s, std::size_t at, std::size_t n) {
  auto b = [&](std::size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + k])); };
  switch (n) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

void encode(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

uint32_t change(uint32_t cp, bool upper) {
  if (cp < 0x80) {
    if (upper && cp >= 'a' && cp <= 'z') return cp - 32;
    if (!upper && cp >= 'A' && cp <= 'Z') return cp + 32;
    return cp;
  }
  locale_t loc = utf8_locale();
  if (loc == static_cast<locale_t>(nullptr)) return cp;
  wint_t mapped = upper ? towupper_l(static_cast<wint_t>(cp), loc) : towlower_l(static_cast<wint_t>(cp), loc);
  // A mapping into the surrogates or past U+10FFFF would not be UTF-8; keep the original.
  if (mapped > 0x10FFFF || (mapped >= 0xD800 && mapped <= 0xDFFF)) return cp;
  return static_cast<uint32_t>(mapped);
}

}  // namespace

void append_case_changed(std::string& out, std::string_view in, CaseChange how) {
  std::size_t i = 0;
  bool first = true;
  while (i < in.size()) {
    std::size_t n = static_cast<unsigned char>(in[i]) < 0x80 ? 1 : utf8_sequence_length(in, i);
    if (n == 0) {  // not UTF-8: copied, never changed
      out += in[i++];
      first = false;
      continue;
    }
    bool upper = how == CaseChange::kUpper || (how == CaseChange::kCapitalize && first);
    encode(out, change(decode(in, i, n), upper));
    i += n;
    first = false;
  }
}

}  // namespace logferry::transforms

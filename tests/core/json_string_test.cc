// append_json_string: every byte class, valid and invalid UTF-8, at every position of the
// scan (the escaper looks at 16 bytes per step, the last step overlapping the one before, and
// at strings under 16 bytes as two overlapping words, so a byte must be caught in any lane, in
// the overlap and after a resumed scan), checked against a byte-at-a-time reference.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/json.h"
#include "core/utf8.h"

namespace logferry {
namespace {

// The rules, one byte at a time: '"' '\\' \n \r \t escaped by name, other bytes below 0x20
// as \u00XX, valid UTF-8 sequences as they are, every byte of invalid UTF-8 as U+FFFD.
std::string reference(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      std::size_t n = utf8_sequence_length(s, i);
      out += n == 0 ? std::string_view("\xEF\xBF\xBD") : s.substr(i, n);
      i += n == 0 ? 1 : n;
      continue;
    }
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) out += std::string("\\u00") + kHex[c >> 4] + kHex[c & 15];
    else out += static_cast<char>(c);
    ++i;
  }
  return out + "\"";
}

std::string escaped(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonStringTest, EachByteClassAlone) {
  EXPECT_EQ(escaped(""), "\"\"");
  EXPECT_EQ(escaped(std::string(1, '\0')), "\"\\u0000\"");
  EXPECT_EQ(escaped("\x01\x1f"), "\"\\u0001\\u001f\"");
  EXPECT_EQ(escaped("\b\f"), "\"\\u0008\\u000c\"");
  EXPECT_EQ(escaped("\n\r\t"), "\"\\n\\r\\t\"");
  EXPECT_EQ(escaped("\"\\"), "\"\\\"\\\\\"");
  EXPECT_EQ(escaped(" ~/\x7f"), "\" ~/\x7f\"");  // '/' and DEL need no escape
  EXPECT_EQ(escaped("\x80"), "\"\xEF\xBF\xBD\"");
  EXPECT_EQ(escaped("\xff"), "\"\xEF\xBF\xBD\"");
}

TEST(JsonStringTest, EveryByteAtEveryPositionOfTheScan) {
  for (int b = 0; b < 256; ++b) {
    for (std::size_t len = 1; len <= 40; ++len) {
      for (std::size_t at = 0; at < len; ++at) {
        std::string s(len, 'a');
        s[at] = static_cast<char>(b);
        ASSERT_EQ(escaped(s), reference(s)) << "byte " << b << " at " << at << " of " << len;
      }
    }
  }
}

TEST(JsonStringTest, ASecondSpecialByteIsFoundWhereverTheScanResumes) {
  for (char second : {'"', '\n', '\x01'}) {
    for (std::size_t len = 2; len <= 40; ++len) {
      for (std::size_t first = 0; first < len; ++first) {
        for (std::size_t at = first + 1; at < len; ++at) {
          std::string s(len, 'a');
          s[first] = '\\';
          s[at] = second;
          ASSERT_EQ(escaped(s), reference(s)) << "specials at " << first << " and " << at << " of " << len;
        }
      }
    }
  }
}

TEST(JsonStringTest, ValidUtf8IsKeptAcrossTheEightByteSteps) {
  for (std::string_view ch : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF"}) {
    for (std::size_t at = 0; at < 12; ++at) {
      std::string s = std::string(at, 'x') + std::string(ch) + "y\"z";
      EXPECT_EQ(escaped(s), "\"" + std::string(at, 'x') + std::string(ch) + "y\\\"z\"") << at;
    }
  }
  EXPECT_EQ(escaped("grüße, 東京 😀"), "\"grüße, 東京 😀\"");
}

TEST(JsonStringTest, InvalidUtf8BecomesReplacementPerByte) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(escaped("a\xC0\x80z"), "\"a" + fffd + fffd + "z\"");             // overlong
  EXPECT_EQ(escaped("a\xED\xA0\x80z"), "\"a" + fffd + fffd + fffd + "z\"");  // surrogate
  EXPECT_EQ(escaped("a\xF5\x80\x80\x80"), "\"a" + fffd + fffd + fffd + fffd + "\"");  // > U+10FFFF
  EXPECT_EQ(escaped("abcdefg\xE2\x82"), "\"abcdefg" + fffd + fffd + "\"");  // cut at the end
  EXPECT_EQ(escaped("\xE2\x82z"), "\"" + fffd + fffd + "z\"");              // cut before ASCII
}

TEST(JsonStringTest, AppendsAfterWhatIsThere) {
  std::string out = "{\"k\":";
  append_json_string(out, "v\n");
  EXPECT_EQ(out, "{\"k\":\"v\\n\"");
}

TEST(JsonStringTest, RandomTextMatchesTheReference) {
  std::mt19937 rng(42);
  // Mostly plain text with some of every class, so runs of all lengths occur.
  const std::string pool = std::string("abcdefghij     \"\\\n\t\x01\x7f") + "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x80\xFF";
  for (int n = 0; n < 20000; ++n) {
    std::string s(rng() % 70, ' ');
    for (char& c : s) c = pool[rng() % pool.size()];
    ASSERT_EQ(escaped(s), reference(s)) << n;
  }
}

}  // namespace
}  // namespace logferry

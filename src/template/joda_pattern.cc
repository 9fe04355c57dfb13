#include "template/joda_pattern.h"

namespace logferry {

Result<std::vector<JodaToken>> tokenize_joda(std::string_view pattern, std::string_view supported) {
  std::vector<JodaToken> tokens;
  auto add_literal = [&tokens](std::string_view text) {
    if (!tokens.empty() && tokens.back().letter == 0) {
      tokens.back().literal += text;
    } else {
      tokens.push_back({0, 0, std::string(text)});
    }
  };
  std::size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '\'') {
      std::size_t j = i + 1;
      std::string text;
      while (j < pattern.size()) {
        if (pattern[j] == '\'') {
          if (j + 1 < pattern.size() && pattern[j + 1] == '\'') {
            text += '\'';
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j++];
      }
      if (j >= pattern.size())
        return unexpected(ErrorCode::kInvalidArgument,
                          "unterminated quote in time format '" + std::string(pattern) + "'");
      add_literal(j == i + 1 ? std::string_view("'") : std::string_view(text));  // '' is a quote
      i = j + 1;
      continue;
    }
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alpha) {
      add_literal(std::string_view(&pattern[i], 1));
      ++i;
      continue;
    }
    if (supported.find(c) == std::string_view::npos) {
      bool joda = kJodaLetters.find(c) != std::string_view::npos;
      return unexpected(ErrorCode::kInvalidArgument,
                        std::string(joda ? "unsupported" : "unknown") + " letter '" + c +
                            "' in time format '" + std::string(pattern) + "'");
    }
    int count = 0;
    while (i < pattern.size() && pattern[i] == c) {
      ++count;
      ++i;
    }
    tokens.push_back({c, count, {}});
  }
  return tokens;
}

bool joda_numeric(const JodaToken& t) {
  switch (t.letter) {
    case 'M': return t.count <= 2;
    case 'y': case 'Y': case 'u': case 'x': case 'D': case 'd': case 'H': case 'k': case 'K':
    case 'h': case 'm': case 's': case 'S': case 'e': case 'w': case 'C':
      return true;
    default: return false;
  }
}

}  // namespace logferry

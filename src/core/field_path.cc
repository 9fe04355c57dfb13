#include "core/field_path.h"

namespace logferry {

FieldPath FieldPath::parse(std::string_view text) {
  FieldPath path;
  path.text_ = std::string(text);
  if (text.empty()) return path;
  if (text.front() == '[') {
    std::string_view rest = text;
    std::vector<std::string> segments;
    while (!rest.empty()) {
      if (rest.front() != '[') break;
      auto close = rest.find(']');
      if (close == std::string_view::npos || close == 1) break;
      segments.emplace_back(rest.substr(1, close - 1));
      rest.remove_prefix(close + 1);
    }
    if (rest.empty() && !segments.empty()) {
      path.segments_ = std::move(segments);
    } else {
      path.segments_ = {std::string(text)};
    }
    return path;
  }
  std::size_t start = 0;
  while (true) {
    auto dot = text.find('.', start);
    auto seg = text.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (seg.empty()) {  // "a..b", ".a", "a.": not a path, a plain key
      path.segments_ = {std::string(text)};
      return path;
    }
    path.segments_.emplace_back(seg);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  path.literal_ = path.segments_.size() > 1;
  return path;
}

}  // namespace logferry

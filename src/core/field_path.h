// FieldPath: a compiled field reference. `a.b` and `[a][b]` both walk the tree a -> b; the
// dotted form also matches a top-level key literally named "a.b" first, which is how Logstash
// reads `%{a.b}` and how dissect/grok filters of existing Kubernetes pipelines name fields.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace logferry {

class FieldPath {
 public:
  FieldPath() = default;
  // Never fails: malformed brackets make the whole text one literal key (as Logstash does).
  static FieldPath parse(std::string_view text);

  const std::string& text() const { return text_; }
  const std::vector<std::string>& segments() const { return segments_; }
  // True when the whole text may also be looked up as one top-level key.
  bool matches_literal_key() const { return literal_; }
  bool empty() const { return segments_.empty(); }

 private:
  std::string text_;
  std::vector<std::string> segments_;
  bool literal_ = false;
};

}  // namespace logferry

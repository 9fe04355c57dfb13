// Dissector: Logstash's dissect mapping (`%{a} %{+a/2} %{?skip} %{&key} %{b->}`), compiled once
// and run without regexes or allocation: each field is found by searching for the delimiter that
// follows it, exactly as the plugin's Java Dissector does (quirks included: no collapsing of
// repeated delimiters without `->`, a field ending at the very start, text after the last
// delimiter ignored).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace logferry::transforms::dissect {

struct DissectField {
  enum class Kind { kSkip, kNormal, kAppend, kIndirect };
  Kind kind = Kind::kNormal;
  std::string name;  // without prefix and suffix; skips keep theirs for &-lookups
  int ordinal = 0;   // write order: normal 1, append 100 + /n, indirect 1000
  int id = 0;        // position in the mapping
  std::string join;  // what an append puts before its value: the previous delimiter, else " "
};

class Dissector {
 public:
  // Errors: no %{} field at all, `+&`/`&+`, a prefix without a name.
  static Result<Dissector> compile(std::string_view mapping);

  // Finds every field's value in `source`; `values[id]` views into it. False: no match (the
  // values are then meaningless). An empty source never matches.
  bool dissect(std::string_view source, std::vector<std::string_view>& values) const;

  const std::vector<DissectField>& fields() const { return fields_; }
  // Fields to write, in Logstash's order (stable by ordinal); skips excluded.
  const std::vector<int>& write_order() const { return write_order_; }
  // The value of the first other field named `name` (for &name), or "".
  std::string_view other_by_name(std::string_view name, int not_id,
                                 const std::vector<std::string_view>& values) const;
  const std::string& mapping() const { return mapping_; }

 private:
  struct Delimiter {
    std::string text;
    bool greedy = false;
  };
  std::size_t find(int delimiter, std::string_view source, std::size_t from) const;

  std::string mapping_;
  std::vector<DissectField> fields_;
  std::vector<Delimiter> delimiters_;
  std::vector<std::pair<int, int>> around_;  // per field: previous and next delimiter, -1 none
  std::vector<int> write_order_;
  std::size_t first_offset_ = 0;
};

}  // namespace logferry::transforms::dissect

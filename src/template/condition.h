// Condition: Logstash's conditional expressions (`if [status] >= 500 and [level] == "error"`),
// compiled once and evaluated per event without allocating. Shared by the `filter` transform
// and the Logstash `.conf` parser, hence it lives here, below the components.
//
// Syntax (docs/transforms.md has the full reference):
//   operands   [a][b]  a.b  message  @timestamp    field references (bare names are ours)
//              "text"  'text'  42  -1.5  true  false  ["a", 1]  /regex/
//   compare    ==  !=  <  >  <=  >=                 strings lexicographic, numbers numeric
//   regex      =~  !~                               Ruby regex (PCRE2), unanchored; /re/ or "re"
//   membership in  not in                           array element, or substring of a string
//   boolean    !  and  nand  or  xor  ( )           and/nand bind tighter than or/xor
//   alone      a field is true when present and not false, "", "false" or null
//
// Example:
//   auto c = Condition::compile(R"([kubernetes][namespace] == "prod" and message =~ /ERROR/)");
//   if (!c) report(c.error().message);   // "... at column 12: ..."
//   bool keep = c->matches(event);
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/result.h"

namespace logferry {

class Condition {
 public:
  Condition();
  ~Condition();
  Condition(Condition&&) noexcept;
  Condition& operator=(Condition&&) noexcept;
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  // Errors are kInvalidArgument with a message naming the 1-based column of the problem.
  static Result<Condition> compile(std::string_view text);
  // For the Logstash .conf parser: compiles the condition at the start of `text` up to the
  // first '{' outside strings and regexes (`[a] == 1 { ... }`), and sets `consumed` to that
  // brace's offset (text.size() if there is none). Error columns count from text's start.
  static Result<Condition> compile_prefix(std::string_view text, std::size_t& consumed);

  // A default-constructed Condition matches every event.
  bool matches(const Event& event) const;
  const std::string& text() const;

  struct Impl;  // opaque: the compiled program (condition.cc)

 private:
  explicit Condition(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace logferry

// The Logstash config language (LSCL) as a PEGTL grammar: sections, plugins, settings of every
// value kind, comments and if / else if / else. Conditions are read by the one condition
// engine (template/condition.h, Condition::compile_prefix), not by a second grammar.
//
// Example:
//   auto parsed = logstash::parse_conf("input { stdin {} } output { stdout {} }", {});
//   if (!parsed.errors.empty()) report(parsed.errors[0].line, parsed.errors[0].message);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/logstash/conf_ast.h"

namespace logferry::config::logstash {

struct ParseOptions {
  // Logstash's `config.support_escapes` (logstash.yml, default false): when off, a string is
  // the text between its quotes as written (a `\"` does not end it but keeps its backslash).
  bool support_escapes = false;
};

struct ConfError {
  int line = 0;  // global line of the text given
  std::string message;
};

struct ParseResult {
  ConfPipeline pipeline;
  // A syntax error stops parsing (it is then the only error); ${VAR} problems do not.
  std::vector<ConfError> errors;
};

ParseResult parse_conf(std::string_view text, const ParseOptions& options);

// `${VAR}` and `${VAR:default}` from the environment, as Logstash substitutes them in setting
// values. Returns false (and names the variable in `error`) when VAR is unset with no default.
bool substitute_env(std::string& text, std::string& error);

}  // namespace logferry::config::logstash

#include "transforms/multiline/multiline_rules.h"

namespace logferry::transforms {

namespace {

// Java: `\tat frame`, `\t... 12 more`, `... 3 common frames omitted` (logback), `Caused by:`
// and `Suppressed:` (indented under the exception they belong to).
constexpr std::string_view kJava =
    R"(^\s+at\s|^\s*\.\.\. \d+ (more|common frames omitted)|^\s*(Caused by|Suppressed): )";
// Ruby's uncaught exception: `\tfrom file.rb:3:in 'm'` and `\t ... 5 levels...`.
constexpr std::string_view kRuby = R"(^\s+from \S+:\d+|^\s+\.\.\. \d+ levels\.\.\.)";
// Go: a frame's function line, `pkg.fn(...)`, `pkg.(*T).m(...)`, `main.f[...](...)`.
constexpr std::string_view kGoFunction = R"(^[^\s(]+(\(\*?[^\s()]+\)[^\s(]*)?\(.*\)$)";

bool starts_with_space(std::string_view s) { return !s.empty() && (s[0] == ' ' || s[0] == '\t'); }
bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

enum PythonState : uint8_t { kPyNone, kPyFrames, kPyAfterException, kPyBlank, kPyChain, kPyGroup };

// The state a line that starts a Python trace leads to (kPyNone: it starts none).
// A SyntaxError in the script itself has no `Traceback` line: it starts at `  File "x.py",
// line 1`. An exception group (3.11) is indented throughout, framed by `|` and `+-`.
PythonState python_trace_start(std::string_view line) {
  if (line.starts_with("Traceback (most recent call last):")) return kPyFrames;
  if (line.starts_with("  File \"") && line.find("\", line ") != line.npos) return kPyFrames;
  if (line.starts_with("  + Exception Group Traceback (most recent call last):")) return kPyGroup;
  return kPyNone;
}

enum GoState : uint8_t { kGoNone, kGoTrace };

}  // namespace

Result<MultilineRules> MultilineRules::compile(std::string_view parser, std::string_view pattern,
                                               bool negate, bool match_before) {
  MultilineRules r;
  r.negate_ = negate;
  r.match_before_ = match_before;
  std::string_view source = pattern;
  if (parser == "java") {
    r.parser_ = MultilineParser::kJava, source = kJava;
  } else if (parser == "python") {
    r.parser_ = MultilineParser::kPython, source = {};
  } else if (parser == "go") {
    r.parser_ = MultilineParser::kGo, source = kGoFunction;
  } else if (parser == "ruby") {
    r.parser_ = MultilineParser::kRuby, source = kRuby;
  } else if (!parser.empty()) {
    return unexpected(ErrorCode::kInvalidArgument, "unknown parser '" + std::string(parser) + "'");
  }
  if (r.parser_ != MultilineParser::kNone) r.negate_ = false, r.match_before_ = false;
  if (!source.empty()) {
    auto re = RubyRegex::compile(source);
    if (!re) return unexpected(ErrorCode::kInvalidArgument, "pattern: " + re.error().message);
    r.regex_ = std::move(*re);
  }
  return r;
}

bool MultilineRules::continues(std::string_view line, uint8_t& state) const {
  switch (parser_) {
    case MultilineParser::kNone:
      return regex_.search(line) != negate_;
    case MultilineParser::kJava:
    case MultilineParser::kRuby:
      return regex_.search(line);
    case MultilineParser::kPython:
      return python(line, state);
    case MultilineParser::kGo:
      return go(line, state);
  }
  return false;
}

// Traceback (most recent call last):      starts, then indented frames, then the unindented
//   File "x.py", line 3, in <module>     `ValueError: msg` line; a chained exception follows
// ValueError: msg                         after a blank line, a "During handling..." or "The
//                                         above exception..." line and another blank.
bool MultilineRules::python(std::string_view line, uint8_t& state) const {
  PythonState start = python_trace_start(line);
  switch (state) {
    case kPyFrames:
      if (!starts_with_space(line)) state = kPyAfterException;
      return true;
    case kPyAfterException:
      if (is_blank(line)) return state = kPyBlank, true;
      if (starts_with_space(line)) return true;  // an exception note or group member
      break;
    case kPyBlank:
      if (line.starts_with("During handling of the above exception") ||
          line.starts_with("The above exception was the direct cause"))
        return state = kPyChain, true;
      break;
    case kPyChain:
      if (is_blank(line)) return true;
      if (start != kPyNone) return state = start, true;
      break;
    case kPyGroup:  // ends at an unindented line; a blank one may lead to a chained trace
      if (is_blank(line)) return state = kPyBlank, true;
      if (starts_with_space(line)) return true;
      break;
    default:
      break;
  }
  state = start;
  return false;
}

// panic: msg                 (or `fatal error: msg`) starts; then blank lines, `goroutine N
//                            [running]:`, function lines, tab-indented `file:line +0x..`,
// goroutine 1 [running]:     `created by ...`, `[signal ...]`, `exit status 2` (go run).
// main.main()
//         /app/main.go:5 +0x18
bool MultilineRules::go(std::string_view line, uint8_t& state) const {
  bool start = line.starts_with("panic: ") || line.starts_with("fatal error: ");
  if (state == kGoTrace && !start) {
    if (is_blank(line) || line[0] == '\t' || line.starts_with("goroutine ") ||
        line.starts_with("created by ") || line.starts_with("[signal ") ||
        line.starts_with("exit status ") || line.starts_with("...additional frames elided...") ||
        regex_.search(line))
      return true;
  }
  state = start ? kGoTrace : kGoNone;
  return false;
}

}  // namespace logferry::transforms

#include "template/condition.h"


#include <charconv>
#include <cstring>
#include <deque>
#include <memory_resource>
#include <optional>
#include <vector>

#include "core/field_path.h"
#include "core/time_util.h"
#include "template/ruby_regex.h"

namespace logferry {

namespace {

// Nesting of parentheses and `!` is bounded so that neither the parser nor matches() can
// exhaust the stack on hostile input; and/or chains are folded iteratively, not nested.
constexpr int kMaxDepth = 64;

enum class Op : uint8_t {
  // Boolean chains: a left-to-right fold over items.
  kChain,
  kNot,
  kTruthy,
  kEq, kNe, kLt, kGt, kLe, kGe,
  kMatch, kNotMatch,
  kIn, kNotIn,
};

enum class Joiner : uint8_t { kFirst, kAnd, kNand, kOr, kXor };

struct Operand {
  bool is_field = false;
  FieldPath path;
  Value literal;
};

struct Node {
  Op op = Op::kTruthy;
  int lhs = -1;  // kNot: child node; comparisons/kTruthy: operand index
  int rhs = -1;  // comparisons: operand index; kMatch: regex index
  int first = 0, count = 0;  // kChain: items_[first, first + count)
};

// A regex operand. Plain text (`/ERROR/`, the common case) is a substring search, which is
// several times cheaper than a regex call and means the same thing.
struct Matcher {
  std::optional<RubyRegex> re;
  std::string literal;
  bool matches(std::string_view s) const {
    return re ? re->search(s) : s.find(literal) != std::string_view::npos;
  }
};

bool is_plain_text(std::string_view pattern) {
  return pattern.find_first_of("\\^$.|?*+()[]{}") == std::string_view::npos;
}

struct ChainItem {
  Joiner joiner;
  int node;
};

enum class Ordering { kLess, kEqual, kGreater, kUnordered };

template <class T>
Ordering three_way(T a, T b) {
  if (a < b) return Ordering::kLess;
  if (b < a) return Ordering::kGreater;
  if (a == b) return Ordering::kEqual;
  return Ordering::kUnordered;  // NaN
}

// A string that is entirely a number ("42", "-1.5", "1e3"); no surrounding blanks.
bool parse_number(std::string_view s, bool& is_int, int64_t& i, double& d) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto ri = std::from_chars(s.data(), end, i);
  if (ri.ec == std::errc() && ri.ptr == end) {
    is_int = true;
    return true;
  }
  auto rd = std::from_chars(s.data(), end, d);
  if (rd.ec == std::errc() && rd.ptr == end) {
    is_int = false;
    return true;
  }
  return false;
}

bool numeric(const Value& v, bool& is_int, int64_t& i, double& d) {
  switch (v.kind()) {
    case Value::Kind::kInt: is_int = true; i = v.as_int(); return true;
    case Value::Kind::kDouble: is_int = false; d = v.as_double(); return true;
    case Value::Kind::kString:
    case Value::Kind::kDecimal: return parse_number(v.as_string(), is_int, i, d);
    default: return false;
  }
}

bool timestamp_of(const Value& v, int64_t& ns) {
  switch (v.kind()) {
    case Value::Kind::kTimestamp: ns = v.as_timestamp().ns; return true;
    case Value::Kind::kString:
      if (auto t = parse_rfc3339(v.as_string())) {
        ns = t->ns;
        return true;
      }
      return false;
    case Value::Kind::kInt: ns = v.as_int() * 1'000'000'000; return true;  // epoch seconds
    case Value::Kind::kDouble: ns = static_cast<int64_t>(v.as_double() * 1e9); return true;
    case Value::Kind::kDecimal: {
      bool is_int = false;
      int64_t i = 0;
      double d = 0;
      if (!parse_number(v.as_string(), is_int, i, d)) return false;
      ns = is_int ? i * 1'000'000'000 : static_cast<int64_t>(d * 1e9);
      return true;
    }
    default: return false;
  }
}

Ordering compare(const Value& a, const Value& b);

bool equal(const Value& a, const Value& b) { return compare(a, b) == Ordering::kEqual; }

Ordering compare(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.is_string() && b.is_string()) {
    int c = a.as_string().compare(b.as_string());
    return c < 0 ? Ordering::kLess : c > 0 ? Ordering::kGreater : Ordering::kEqual;
  }
  if (a.kind() == K::kTimestamp || b.kind() == K::kTimestamp) {
    int64_t x, y;
    if (timestamp_of(a, x) && timestamp_of(b, y)) return three_way(x, y);
    return Ordering::kUnordered;
  }
  bool ai = false, bi = false;
  int64_t an = 0, bn = 0;
  double ad = 0, bd = 0;
  if (numeric(a, ai, an, ad) && numeric(b, bi, bn, bd)) {
    if (ai && bi) return three_way(an, bn);
    return three_way(ai ? static_cast<double>(an) : ad, bi ? static_cast<double>(bn) : bd);
  }
  if (a.kind() == K::kBool || b.kind() == K::kBool) {
    // A boolean equals its own text, so "true" from a parsed line equals the literal true.
    auto text = [](const Value& v, std::string_view& out) {
      if (v.kind() == K::kBool) {
        out = v.as_bool() ? "true" : "false";
        return true;
      }
      if (v.is_string()) {
        out = v.as_string();
        return true;
      }
      return false;
    };
    std::string_view x, y;
    return text(a, x) && text(b, y) && x == y ? Ordering::kEqual : Ordering::kUnordered;
  }
  if (a.is_null() && b.is_null()) return Ordering::kEqual;
  if (a.kind() == K::kArray && b.kind() == K::kArray) {
    const auto& x = a.as_array()->items;
    const auto& y = b.as_array()->items;
    if (x.size() != y.size()) return Ordering::kUnordered;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!equal(x[i], y[i])) return Ordering::kUnordered;
    return Ordering::kEqual;
  }
  if (a.is_object() && b.is_object()) {
    const auto& x = a.as_object()->fields;
    const Object& y = *b.as_object();
    if (x.size() != y.fields.size()) return Ordering::kUnordered;
    for (const auto& f : x) {
      const Value* other = y.get(f.key);
      if (other == nullptr || !equal(f.value, *other)) return Ordering::kUnordered;
    }
    return Ordering::kEqual;
  }
  return Ordering::kUnordered;
}

bool truthy(const Value* v) {
  if (v == nullptr) return false;
  switch (v->kind()) {
    case Value::Kind::kNull: return false;
    case Value::Kind::kBool: return v->as_bool();
    case Value::Kind::kString: return !v->as_string().empty() && v->as_string() != "false";
    default: return true;
  }
}

// The text of a scalar for substring tests, into a caller's stack buffer.
bool scalar_text(const Value& v, char* buf, std::size_t size, std::string_view& out) {
  switch (v.kind()) {
    case Value::Kind::kString:
    case Value::Kind::kDecimal: out = v.as_string(); return true;
    case Value::Kind::kInt: {
      auto r = std::to_chars(buf, buf + size, v.as_int());
      out = std::string_view(buf, static_cast<std::size_t>(r.ptr - buf));
      return true;
    }
    case Value::Kind::kDouble: {
      auto r = std::to_chars(buf, buf + size, v.as_double());
      if (r.ec != std::errc()) return false;
      out = std::string_view(buf, static_cast<std::size_t>(r.ptr - buf));
      return true;
    }
    case Value::Kind::kBool: out = v.as_bool() ? "true" : "false"; return true;
    default: return false;
  }
}

// Logstash `in`: element of an array, substring of a string, otherwise plain equality.
// Objects: key present (Ruby's Hash#include?).
bool contains(const Value* item, const Value* container) {
  if (item == nullptr || container == nullptr) return false;
  switch (container->kind()) {
    case Value::Kind::kArray:
      for (const auto& element : container->as_array()->items)
        if (equal(*item, element)) return true;
      return false;
    case Value::Kind::kString: {
      char buf[64];
      std::string_view needle;
      if (!scalar_text(*item, buf, sizeof buf, needle)) return false;
      return container->as_string().find(needle) != std::string_view::npos;
    }
    case Value::Kind::kObject:
      return item->is_string() && container->as_object()->get(item->as_string()) != nullptr;
    default:
      return equal(*item, *container);
  }
}

}  // namespace

struct Condition::Impl {
  std::string text;
  std::vector<Node> nodes;
  std::vector<ChainItem> items;
  std::vector<Operand> operands;
  std::vector<Matcher> matchers;
  std::deque<std::string> strings;  // literal text; deque: element addresses never move
  std::vector<std::unique_ptr<Array>> arrays;
  int root = -1;

  const Value* resolve(int operand, const Event& event) const {
    const Operand& o = operands[static_cast<std::size_t>(operand)];
    return o.is_field ? event.find(o.path) : &o.literal;
  }

  bool eval(int index, const Event& event) const {
    const Node& n = nodes[static_cast<std::size_t>(index)];
    switch (n.op) {
      case Op::kChain: {
        bool acc = eval(items[static_cast<std::size_t>(n.first)].node, event);
        for (int i = 1; i < n.count; ++i) {
          const ChainItem& item = items[static_cast<std::size_t>(n.first + i)];
          switch (item.joiner) {
            case Joiner::kAnd: acc = acc && eval(item.node, event); break;
            case Joiner::kNand: acc = !(acc && eval(item.node, event)); break;
            case Joiner::kOr: acc = acc || eval(item.node, event); break;
            case Joiner::kXor: acc = acc != eval(item.node, event); break;
            case Joiner::kFirst: break;
          }
        }
        return acc;
      }
      case Op::kNot: return !eval(n.lhs, event);
      case Op::kTruthy: return truthy(resolve(n.lhs, event));
      case Op::kEq:
      case Op::kNe:
      case Op::kLt:
      case Op::kGt:
      case Op::kLe:
      case Op::kGe: {
        const Value* a = resolve(n.lhs, event);
        const Value* b = resolve(n.rhs, event);
        Ordering o = (a && b) ? compare(*a, *b) : Ordering::kUnordered;
        switch (n.op) {
          case Op::kEq: return o == Ordering::kEqual;
          case Op::kNe: return o != Ordering::kEqual;
          case Op::kLt: return o == Ordering::kLess;
          case Op::kGt: return o == Ordering::kGreater;
          case Op::kLe: return o == Ordering::kLess || o == Ordering::kEqual;
          default: return o == Ordering::kGreater || o == Ordering::kEqual;
        }
      }
      case Op::kMatch:
      case Op::kNotMatch: {
        const Value* a = resolve(n.lhs, event);
        bool m = a != nullptr && a->is_string() &&
                 matchers[static_cast<std::size_t>(n.rhs)].matches(a->as_string());
        return n.op == Op::kMatch ? m : !m;
      }
      case Op::kIn: return contains(resolve(n.lhs, event), resolve(n.rhs, event));
      case Op::kNotIn: return !contains(resolve(n.lhs, event), resolve(n.rhs, event));
    }
    return false;
  }
};

namespace {

enum class Tok {
  kEnd, kField, kString, kNumber, kRegex, kTrue, kFalse,
  kLParen, kRParen, kLBracket, kRBracket, kComma,
  kEq, kNe, kLt, kGt, kLe, kGe, kMatch, kNotMatch, kBang,
  kAnd, kOr, kXor, kNand, kIn, kNot,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::size_t pos = 0;   // byte offset of the token's first character
  std::string text;      // field path text, unescaped string or regex, number text
};

bool is_bare_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '@';
}
bool is_bare_char(char c) {
  return is_bare_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string column(std::size_t pos) { return "at column " + std::to_string(pos + 1); }

std::string describe(const Token& t, std::string_view src) {
  if (t.kind == Tok::kEnd) return t.pos < src.size() ? "'{'" : "end of condition";
  std::size_t end = t.pos;
  while (end < src.size() && end - t.pos < 20 && !is_space(src[end])) ++end;
  if (end == t.pos) end = t.pos + 1;
  return "'" + std::string(src.substr(t.pos, end - t.pos)) + "'";
}

class Parser {
 public:
  Parser(std::string_view src, Condition::Impl& out, bool stop_at_brace)
      : src_(src), out_(out), stop_at_brace_(stop_at_brace) {}

  // Where parsing stopped: the end of the text, or the '{' that ends a prefix.
  std::size_t end() const { return tok_.pos; }

  Result<void> run() {
    if (auto r = advance(); !r) return r;
    if (tok_.kind == Tok::kEnd) return fail(0, "the condition is empty");
    int root = -1;
    if (auto r = parse_or(root, 0); !r) return r;
    if (tok_.kind != Tok::kEnd) {
      return fail(tok_.pos, "expected 'and', 'or', 'xor', 'nand' or the end, found " +
                                describe(tok_, src_));
    }
    out_.root = root;
    return {};
  }

 private:
  static Result<void> fail(std::size_t pos, const std::string& message) {
    return unexpected(ErrorCode::kInvalidArgument, column(pos) + ": " + message);
  }

  // ---- lexer ----
  Result<void> advance() {
    while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
    tok_ = Token{};
    tok_.pos = pos_;
    if (pos_ >= src_.size()) return {};
    char c = src_[pos_];
    if (c == '{' && stop_at_brace_) return {};  // kEnd at the brace: a .conf `if COND {`
    auto two = [&](char a, char b) {
      return c == a && pos_ + 1 < src_.size() && src_[pos_ + 1] == b;
    };
    auto simple = [&](Tok k, std::size_t len) {
      tok_.kind = k;
      pos_ += len;
      return Result<void>();
    };
    if (two('=', '=')) return simple(Tok::kEq, 2);
    if (two('!', '=')) return simple(Tok::kNe, 2);
    if (two('<', '=')) return simple(Tok::kLe, 2);
    if (two('>', '=')) return simple(Tok::kGe, 2);
    if (two('=', '~')) return simple(Tok::kMatch, 2);
    if (two('!', '~')) return simple(Tok::kNotMatch, 2);
    switch (c) {
      case '<': return simple(Tok::kLt, 1);
      case '>': return simple(Tok::kGt, 1);
      case '!': return simple(Tok::kBang, 1);
      case '(': return simple(Tok::kLParen, 1);
      case ')': return simple(Tok::kRParen, 1);
      case ',': return simple(Tok::kComma, 1);
      case ']': return simple(Tok::kRBracket, 1);
      case '"':
      case '\'': return lex_string(c);
      case '/': return lex_regex();
      case '[': return lex_bracket();
      default: break;
    }
    if (is_digit(c) || (c == '-' && pos_ + 1 < src_.size() && is_digit(src_[pos_ + 1])))
      return lex_number();
    if (is_bare_start(c)) return lex_bare();
    if (c == '=') return fail(pos_, "'=' is not an operator; use '==' to compare");
    return fail(pos_, "unexpected character '" + std::string(1, c) + "'");
  }

  Result<void> lex_string(char quote) {
    std::size_t start = pos_++;
    std::string s;
    while (pos_ < src_.size() && src_[pos_] != quote) {
      char c = src_[pos_++];
      if (c == '\\' && pos_ < src_.size()) {
        char e = src_[pos_++];
        switch (e) {
          case '\\': s += '\\'; break;
          case '"': s += '"'; break;
          case '\'': s += '\''; break;
          case 'n': s += '\n'; break;
          case 't': s += '\t'; break;
          case 'r': s += '\r'; break;
          case '0': s += '\0'; break;
          default: s += '\\'; s += e; break;  // "\d" stays "\d" for regexes in strings
        }
        continue;
      }
      s += c;
    }
    if (pos_ >= src_.size()) return fail(start, "unterminated string (missing closing " +
                                                    std::string(1, quote) + ")");
    ++pos_;
    tok_.kind = Tok::kString;
    tok_.text = std::move(s);
    return {};
  }

  Result<void> lex_regex() {
    std::size_t start = pos_++;
    std::string s;
    while (pos_ < src_.size() && src_[pos_] != '/') {
      char c = src_[pos_++];
      if (c == '\\' && pos_ < src_.size()) {
        char e = src_[pos_++];
        if (e != '/') s += '\\';
        s += e;
        continue;
      }
      s += c;
    }
    if (pos_ >= src_.size()) return fail(start, "unterminated regex (missing closing /)");
    ++pos_;
    tok_.kind = Tok::kRegex;
    tok_.text = std::move(s);
    return {};
  }

  // `[a][b]` is a field reference; `[` followed by a value or `]` opens an array literal.
  Result<void> lex_bracket() {
    std::size_t look = pos_ + 1;
    while (look < src_.size() && is_space(src_[look])) ++look;
    if (look >= src_.size()) return fail(pos_, "unterminated '['");
    char c = src_[look];
    if (c == '"' || c == '\'' || c == ']' || is_digit(c) || c == '-') {
      tok_.kind = Tok::kLBracket;
      pos_ += 1;
      return {};
    }
    std::size_t start = pos_;
    while (pos_ < src_.size() && src_[pos_] == '[') {
      std::size_t close = pos_ + 1;
      while (close < src_.size() && src_[close] != ']' && src_[close] != '[' &&
             src_[close] != ',')
        ++close;
      if (close >= src_.size() || src_[close] != ']')
        return fail(pos_, "malformed field reference: expected ']'");
      if (close == pos_ + 1) return fail(pos_, "empty field reference '[]'");
      pos_ = close + 1;
    }
    tok_.kind = Tok::kField;
    tok_.text = std::string(src_.substr(start, pos_ - start));
    return {};
  }

  Result<void> lex_number() {
    std::size_t start = pos_;
    if (src_[pos_] == '-') ++pos_;
    while (pos_ < src_.size() && is_digit(src_[pos_])) ++pos_;
    if (pos_ + 1 < src_.size() && src_[pos_] == '.' && is_digit(src_[pos_ + 1])) {
      ++pos_;
      while (pos_ < src_.size() && is_digit(src_[pos_])) ++pos_;
    }
    if (pos_ < src_.size() && is_bare_char(src_[pos_]))
      return fail(start, "malformed number " + describe(tok_, src_));
    tok_.kind = Tok::kNumber;
    tok_.text = std::string(src_.substr(start, pos_ - start));
    return {};
  }

  Result<void> lex_bare() {
    std::size_t start = pos_;
    while (pos_ < src_.size() && is_bare_char(src_[pos_])) ++pos_;
    std::string_view word = src_.substr(start, pos_ - start);
    if (word.back() == '.' || word.back() == '-')
      return fail(start, "malformed field name '" + std::string(word) + "'");
    static constexpr std::pair<std::string_view, Tok> kKeywords[] = {
        {"and", Tok::kAnd}, {"or", Tok::kOr},   {"xor", Tok::kXor},     {"nand", Tok::kNand},
        {"in", Tok::kIn},   {"not", Tok::kNot}, {"true", Tok::kTrue},   {"false", Tok::kFalse},
    };
    for (const auto& [text, kind] : kKeywords) {
      if (word == text) {
        tok_.kind = kind;
        return {};
      }
    }
    tok_.kind = Tok::kField;
    tok_.text = std::string(word);
    return {};
  }

  // ---- grammar ----
  static bool is_or(Tok k) { return k == Tok::kOr || k == Tok::kXor; }
  static bool is_and(Tok k) { return k == Tok::kAnd || k == Tok::kNand; }
  static Joiner joiner(Tok k) {
    switch (k) {
      case Tok::kAnd: return Joiner::kAnd;
      case Tok::kNand: return Joiner::kNand;
      case Tok::kOr: return Joiner::kOr;
      default: return Joiner::kXor;
    }
  }

  // chain := operand-level (joiner operand-level)*, folded left to right.
  template <class IsJoiner, class Next>
  Result<void> parse_chain(int& node, int depth, IsJoiner is_joiner, Next next) {
    int first = -1;
    if (auto r = (this->*next)(first, depth); !r) return r;
    if (!is_joiner(tok_.kind)) {
      node = first;
      return {};
    }
    std::vector<ChainItem> chain{{Joiner::kFirst, first}};
    while (is_joiner(tok_.kind)) {
      Joiner j = joiner(tok_.kind);
      std::size_t op_pos = tok_.pos;
      if (auto r = advance(); !r) return r;
      if (tok_.kind == Tok::kEnd) return fail(op_pos, "expected a condition after the operator");
      int rhs = -1;
      if (auto r = (this->*next)(rhs, depth); !r) return r;
      chain.push_back({j, rhs});
    }
    Node n;
    n.op = Op::kChain;
    n.first = static_cast<int>(out_.items.size());
    n.count = static_cast<int>(chain.size());
    out_.items.insert(out_.items.end(), chain.begin(), chain.end());
    node = add(n);
    return {};
  }

  Result<void> parse_or(int& node, int depth) {
    return parse_chain(node, depth, is_or, &Parser::parse_and);
  }
  Result<void> parse_and(int& node, int depth) {
    return parse_chain(node, depth, is_and, &Parser::parse_unary);
  }

  Result<void> parse_unary(int& node, int depth) {
    if (depth > kMaxDepth) return fail(tok_.pos, "nested too deeply");
    if (tok_.kind == Tok::kBang) {
      if (auto r = advance(); !r) return r;
      int child = -1;
      if (auto r = parse_unary(child, depth + 1); !r) return r;
      Node n;
      n.op = Op::kNot;
      n.lhs = child;
      node = add(n);
      return {};
    }
    if (tok_.kind == Tok::kLParen) {
      std::size_t open = tok_.pos;
      if (auto r = advance(); !r) return r;
      if (auto r = parse_or(node, depth + 1); !r) return r;
      if (tok_.kind != Tok::kRParen)
        return fail(tok_.pos, "expected ')' to close the '(' at column " +
                                  std::to_string(open + 1) + ", found " + describe(tok_, src_));
      if (auto r = advance(); !r) return r;
      if (comparison_op(tok_.kind))
        return fail(tok_.pos, "a parenthesized condition cannot be compared; compare fields or values");
      return {};
    }
    return parse_comparison(node);
  }

  static bool comparison_op(Tok k) {
    switch (k) {
      case Tok::kEq: case Tok::kNe: case Tok::kLt: case Tok::kGt: case Tok::kLe: case Tok::kGe:
      case Tok::kMatch: case Tok::kNotMatch: case Tok::kIn: case Tok::kNot:
        return true;
      default:
        return false;
    }
  }

  Result<void> parse_comparison(int& node) {
    std::size_t lhs_pos = tok_.pos;
    bool lhs_regex = tok_.kind == Tok::kRegex;
    int lhs = -1;
    if (auto r = parse_operand(lhs, "a field, value, '!' or '('"); !r) return r;
    if (lhs_regex)
      return fail(lhs_pos, "a regex can only be the right side of =~ or !~");
    Node n;
    n.lhs = lhs;
    Tok op = tok_.kind;
    std::size_t op_pos = tok_.pos;
    switch (op) {
      case Tok::kEq: n.op = Op::kEq; break;
      case Tok::kNe: n.op = Op::kNe; break;
      case Tok::kLt: n.op = Op::kLt; break;
      case Tok::kGt: n.op = Op::kGt; break;
      case Tok::kLe: n.op = Op::kLe; break;
      case Tok::kGe: n.op = Op::kGe; break;
      case Tok::kMatch: n.op = Op::kMatch; break;
      case Tok::kNotMatch: n.op = Op::kNotMatch; break;
      case Tok::kIn: n.op = Op::kIn; break;
      case Tok::kNot: n.op = Op::kNotIn; break;
      default:
        n.op = Op::kTruthy;
        node = add(n);
        return {};
    }
    if (auto r = advance(); !r) return r;
    if (op == Tok::kNot) {
      if (tok_.kind != Tok::kIn) return fail(tok_.pos, "expected 'in' after 'not'");
      if (auto r = advance(); !r) return r;
    }
    std::size_t rhs_pos = tok_.pos;
    if (op == Tok::kMatch || op == Tok::kNotMatch) {
      if (tok_.kind != Tok::kRegex && tok_.kind != Tok::kString)
        return fail(rhs_pos, "the right side of " + std::string(src_.substr(op_pos, 2)) +
                                 " must be a regex /.../ or a string, found " +
                                 describe(tok_, src_));
      Matcher matcher;
      if (is_plain_text(tok_.text)) {
        matcher.literal = tok_.text;
      } else {
        auto re = RubyRegex::compile(tok_.text);
        if (!re) return fail(rhs_pos, "invalid regex: " + re.error().message);
        matcher.re = std::move(*re);
      }
      n.rhs = static_cast<int>(out_.matchers.size());
      out_.matchers.push_back(std::move(matcher));
      if (auto r = advance(); !r) return r;
      node = add(n);
      return {};
    }
    bool rhs_regex = tok_.kind == Tok::kRegex;
    if (auto r = parse_operand(n.rhs, "a field or value after the operator"); !r) return r;
    if (rhs_regex) return fail(rhs_pos, "a regex can only be the right side of =~ or !~");
    if (comparison_op(tok_.kind))
      return fail(tok_.pos, "comparisons do not chain; join them with 'and' or 'or'");
    node = add(n);
    return {};
  }

  // operand := field | string | number | true | false | regex | array
  Result<void> parse_operand(int& index, const std::string& expected) {
    Operand o;
    switch (tok_.kind) {
      case Tok::kField:
        o.is_field = true;
        o.path = FieldPath::parse(tok_.text);
        break;
      case Tok::kRegex:
        break;  // the caller reports where a regex may not be
      case Tok::kString:
      case Tok::kNumber:
      case Tok::kTrue:
      case Tok::kFalse: {
        auto v = scalar_literal();
        if (!v) return unexpected(v.error());
        o.literal = *v;
        break;
      }
      case Tok::kLBracket: {
        if (auto r = parse_array(o.literal); !r) return r;
        index = static_cast<int>(out_.operands.size());
        out_.operands.push_back(std::move(o));
        return {};  // parse_array consumed the closing bracket
      }
      default:
        return fail(tok_.pos, "expected " + expected + ", found " + describe(tok_, src_));
    }
    index = static_cast<int>(out_.operands.size());
    out_.operands.push_back(std::move(o));
    return advance();
  }

  Result<Value> scalar_literal() {
    switch (tok_.kind) {
      case Tok::kString: {
        const std::string& kept = out_.strings.emplace_back(tok_.text);
        return Value::string(kept);
      }
      case Tok::kTrue: return Value::boolean(true);
      case Tok::kFalse: return Value::boolean(false);
      case Tok::kNumber: {
        bool is_int = false;
        int64_t i = 0;
        double d = 0;
        bool integral_text = tok_.text.find('.') == std::string::npos;
        if (!parse_number(tok_.text, is_int, i, d) || (integral_text && !is_int))
          return unexpected(ErrorCode::kInvalidArgument,
                            column(tok_.pos) + ": number out of range: " + tok_.text);
        return is_int ? Value::integer(i) : Value::number(d);
      }
      default:
        return unexpected(ErrorCode::kInvalidArgument,
                          column(tok_.pos) + ": expected a string or number in the array, found " +
                              describe(tok_, src_));
    }
  }

  // After '[' of an array literal: scalars separated by commas, then ']'.
  Result<void> parse_array(Value& out) {
    std::size_t open = tok_.pos;
    auto array = std::make_unique<Array>(std::pmr::new_delete_resource());
    if (auto r = advance(); !r) return r;
    while (tok_.kind != Tok::kRBracket) {
      auto v = scalar_literal();
      if (!v) return unexpected(v.error());
      array->items.push_back(*v);
      if (auto r = advance(); !r) return r;
      if (tok_.kind == Tok::kComma) {
        if (auto r = advance(); !r) return r;
        continue;
      }
      if (tok_.kind != Tok::kRBracket)
        return fail(tok_.pos, "expected ',' or ']' in the array opened at column " +
                                  std::to_string(open + 1) + ", found " + describe(tok_, src_));
    }
    out = Value::array(array.get());
    out_.arrays.push_back(std::move(array));
    return advance();
  }

  int add(const Node& n) {
    out_.nodes.push_back(n);
    return static_cast<int>(out_.nodes.size() - 1);
  }

  std::string_view src_;
  Condition::Impl& out_;
  bool stop_at_brace_;
  std::size_t pos_ = 0;
  Token tok_;
};

}  // namespace

Condition::Condition() = default;
Condition::~Condition() = default;
Condition::Condition(Condition&&) noexcept = default;
Condition& Condition::operator=(Condition&&) noexcept = default;
Condition::Condition(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<Condition> Condition::compile(std::string_view text) {
  auto impl = std::make_unique<Impl>();
  impl->text = std::string(text);
  Parser parser(impl->text, *impl, false);
  if (auto r = parser.run(); !r) return unexpected(r.error());
  return Condition(std::move(impl));
}

Result<Condition> Condition::compile_prefix(std::string_view text, std::size_t& consumed) {
  auto impl = std::make_unique<Impl>();
  Parser parser(text, *impl, true);
  if (auto r = parser.run(); !r) return unexpected(r.error());
  consumed = parser.end();
  std::string_view own = text.substr(0, consumed);
  while (!own.empty() && is_space(own.back())) own.remove_suffix(1);
  while (!own.empty() && is_space(own.front())) own.remove_prefix(1);
  impl->text = std::string(own);  // tokens were copied out of `text`; nothing points into it
  return Condition(std::move(impl));
}

bool Condition::matches(const Event& event) const {
  if (!impl_) return true;
  return impl_->eval(impl_->root, event);
}

const std::string& Condition::text() const {
  static const std::string kEmpty;
  return impl_ ? impl_->text : kEmpty;
}

}  // namespace logferry

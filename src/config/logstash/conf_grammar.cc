#include "config/logstash/conf_grammar.h"

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/parse_tree.hpp>

#include <cctype>
#include <charconv>
#include <cstdlib>

#include "template/condition.h"

namespace logferry::config::logstash {

namespace pg = tao::pegtl;

namespace grammar {

// Arrays, hashes, codecs and conditionals nest; hostile input must not exhaust the stack.
constexpr int kMaxDepth = 100;
inline thread_local int depth = 0;

template <class R>
struct nested {
  using rule_t = nested;
  using subs_t = pg::type_list<R>;
  template <pg::apply_mode A, pg::rewind_mode M, template <class...> class Action,
            template <class...> class Control, class Input, class... States>
  static bool match(Input& in, States&&... st) {
    if (depth >= kMaxDepth) throw pg::parse_error("nested too deeply", in);
    ++depth;
    struct Leave {
      ~Leave() { --depth; }
    } leave;
    return Control<R>::template match<A, M, Action, Control>(in, st...);
  }
};

// ---- lexical ----
struct comment : pg::seq<pg::one<'#'>, pg::until<pg::eolf>> {};
struct ws : pg::sor<pg::plus<pg::space>, comment> {};
struct _ : pg::star<ws> {};

struct ident_char : pg::sor<pg::alnum, pg::one<'_', '-'>> {};
struct ident : pg::plus<ident_char> {};  // plugin and setting names: [A-Za-z0-9_-]+
template <class... Cs>
struct kw : pg::seq<Cs..., pg::not_at<ident_char>> {};
struct kw_if : kw<pg::string<'i', 'f'>> {};
struct kw_else : kw<pg::string<'e', 'l', 's', 'e'>> {};
struct kw_input : kw<pg::string<'i', 'n', 'p', 'u', 't'>> {};
struct kw_filter : kw<pg::string<'f', 'i', 'l', 't', 'e', 'r'>> {};
struct kw_output : kw<pg::string<'o', 'u', 't', 'p', 'u', 't'>> {};

// Logstash: '"' ('\"' / !'"' .)* '"' (escapes, if enabled, are processed afterwards).
struct dq_close : pg::one<'"'> {};
struct sq_close : pg::one<'\''> {};
struct dq_string
    : pg::seq<pg::one<'"'>, pg::star<pg::sor<pg::string<'\\', '"'>, pg::not_one<'"'>>>, pg::must<dq_close>> {};
struct sq_string
    : pg::seq<pg::one<'\''>, pg::star<pg::sor<pg::string<'\\', '\''>, pg::not_one<'\''>>>, pg::must<sq_close>> {};
struct string : pg::sor<dq_string, sq_string> {};
struct number : pg::seq<pg::opt<pg::one<'-'>>, pg::plus<pg::digit>,
                        pg::opt<pg::one<'.'>, pg::star<pg::digit>>, pg::not_at<ident_char>> {};
// Logstash: [A-Za-z_] [A-Za-z0-9_]+ (so at least two characters).
struct bareword : pg::seq<pg::sor<pg::alpha, pg::one<'_'>>, pg::plus<pg::sor<pg::alnum, pg::one<'_'>>>,
                          pg::not_at<pg::one<'-'>>> {};
struct arrow : pg::string<'=', '>'> {};
struct open_brace : pg::one<'{'> {};
struct close_brace : pg::one<'}'> {};
struct close_bracket : pg::one<']'> {};

// ---- values ----
struct value;
struct attribute;
struct plugin_name : pg::sor<ident, string> {};
struct attr_name : pg::sor<string, ident> {};
struct attributes : pg::star<attribute, _> {};
struct attributes_end : close_brace {};
struct plugin_body : pg::seq<open_brace, _, attributes, pg::must<attributes_end>> {};
struct codec_value : pg::seq<plugin_name, _, pg::at<open_brace>, plugin_body> {};
struct array_value : pg::seq<value> {};
struct array_body : pg::seq<pg::one<'['>, _,
                            pg::opt<value, _, pg::star<pg::one<','>, _, pg::must<array_value>, _>>,
                            pg::must<close_bracket>> {};
struct array : nested<array_body> {};
struct hash_key : pg::sor<number, bareword, string> {};
struct hash_arrow : arrow {};
struct hash_value : pg::seq<value> {};
struct hash_entry : pg::seq<hash_key, _, pg::must<hash_arrow>, _, pg::must<hash_value>> {};
struct hash_end : close_brace {};
struct hash_body : pg::seq<open_brace, _, pg::star<hash_entry, _, pg::opt<pg::one<','>, _>>,
                           pg::must<hash_end>> {};
struct hash : nested<hash_body> {};
struct codec : nested<codec_value> {};
struct value : pg::sor<codec, bareword, string, number, array, hash> {};
struct setting_arrow : arrow {};
struct setting_value : pg::seq<value> {};
struct attribute : pg::seq<attr_name, _, pg::must<setting_arrow>, _, pg::must<setting_value>> {};

// ---- conditions: the condition engine finds where they end and checks them ----
// Comments inside a condition are blanked (same length, so columns stay right) before the
// condition engine sees it; it stops at the first '{' outside strings and regexes.
std::string condition_text(const char* begin, const char* end) {
  std::string out;
  char quote = 0;
  bool comment = false;
  for (const char* p = begin; p < end; ++p) {
    char c = *p;
    if (comment) {
      if (c == '\n') comment = false;
      out += (c == '\n' ? '\n' : ' ');
      continue;
    }
    if (quote != 0) {
      out += c;
      if (c == '\\' && p + 1 < end) {
        out += *++p;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '{') {
      out += c;  // so the condition engine can say "found '{'"
      break;
    }
    if (c == '"' || c == '\'' || c == '/') quote = c;
    if (c == '#') {
      comment = true;
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

struct condition {
  using rule_t = condition;
  using subs_t = pg::empty_list;
  template <pg::apply_mode, pg::rewind_mode, template <class...> class,
            template <class...> class, class Input, class... States>
  static bool match(Input& in, States&&...) {
    std::string text = condition_text(in.current(), in.end());
    std::size_t consumed = 0;
    auto compiled = Condition::compile_prefix(text, consumed);
    if (!compiled) {
      // "at column N: message": move to N so the error names the condition's own line.
      std::string message = compiled.error().message;
      std::size_t column = 0;
      constexpr std::string_view kAt = "at column ";
      if (message.rfind(kAt, 0) == 0) {
        auto colon = message.find(':');
        std::from_chars(message.data() + kAt.size(), message.data() + colon, column);
        message = message.substr(colon + 2);
      }
      if (column > 0 && column - 1 <= text.size()) in.bump(column - 1);
      throw pg::parse_error("invalid condition: " + message, in);
    }
    while (consumed > 0 && (text[consumed - 1] == ' ' || text[consumed - 1] == '\n' ||
                            text[consumed - 1] == '\t' || text[consumed - 1] == '\r'))
      --consumed;
    in.bump(consumed);
    return true;
  }
};

// ---- structure ----
struct statement;
struct body : pg::star<statement, _> {};
struct block_end : close_brace {};
struct block_open : open_brace {};
struct if_condition : condition {};
struct if_clause : pg::seq<kw_if, _, pg::must<if_condition>, _, pg::must<block_open>, _, body,
                           pg::must<block_end>> {};
struct elsif_clause : pg::seq<kw_else, _, kw_if, _, pg::must<if_condition>, _, pg::must<block_open>,
                              _, body, pg::must<block_end>> {};
struct else_clause : pg::seq<kw_else, _, pg::must<block_open>, _, body, pg::must<block_end>> {};
struct branch_body : pg::seq<if_clause, pg::star<_, elsif_clause>, pg::opt<_, else_clause>> {};
struct branch : nested<branch_body> {};
struct stray_else : pg::seq<kw_else, pg::raise<stray_else>> {};
struct plugin_open : open_brace {};
struct plugin : pg::seq<plugin_name, _, pg::must<plugin_open>, _, attributes, pg::must<attributes_end>> {};
struct statement : pg::sor<branch, stray_else, plugin> {};
struct section_kind : pg::sor<kw_input, kw_filter, kw_output> {};
struct section_open : open_brace {};
struct section_end : close_brace {};
struct section : pg::seq<section_kind, _, pg::must<section_open>, _, body, pg::must<section_end>> {};
struct config_end : pg::eof {};
struct config : pg::seq<_, pg::star<section, _>, pg::must<config_end>> {};

// What a failed must<> says: what was expected there.
template <class Rule>
inline constexpr const char* kExpected = "syntax error";
template <> inline constexpr const char* kExpected<dq_close> = "unterminated string: expected a closing '\"'";
template <> inline constexpr const char* kExpected<sq_close> = "unterminated string: expected a closing \"'\"";
template <> inline constexpr const char* kExpected<attributes_end> =
    "expected a setting (name => value) or '}' to close the plugin";
template <> inline constexpr const char* kExpected<array_value> = "expected a value after ',' in the array";
template <> inline constexpr const char* kExpected<close_bracket> = "expected ',' or ']' in the array";
template <> inline constexpr const char* kExpected<hash_arrow> = "expected '=>' after the hash key";
template <> inline constexpr const char* kExpected<hash_value> =
    "expected a value (string, number, bareword, array or hash) after '=>'";
template <> inline constexpr const char* kExpected<hash_end> = "expected a hash entry (key => value) or '}'";
template <> inline constexpr const char* kExpected<setting_arrow> = "expected '=>' after the setting name";
template <> inline constexpr const char* kExpected<setting_value> =
    "expected a value (string, number, bareword, array, hash or codec) after '=>'";
template <> inline constexpr const char* kExpected<if_condition> = "expected a condition after 'if'";
template <> inline constexpr const char* kExpected<block_open> = "expected '{' after the condition";
template <> inline constexpr const char* kExpected<block_end> =
    "expected a plugin, 'if', 'else' or '}' to close the block";
template <> inline constexpr const char* kExpected<stray_else> = "'else' without a preceding 'if'";
template <> inline constexpr const char* kExpected<plugin_open> = "expected '{' after the plugin name";
template <> inline constexpr const char* kExpected<section_open> = "expected '{' after the section name";
template <> inline constexpr const char* kExpected<section_end> =
    "expected a plugin, 'if' or '}' to close the section";
template <> inline constexpr const char* kExpected<config_end> =
    "expected 'input', 'filter' or 'output' (a section)";

template <class Rule>
struct control : pg::normal<Rule> {
  template <class Input, class... States>
  [[noreturn]] static void raise(const Input& in, States&&...) {
    throw pg::parse_error(kExpected<Rule>, in);
  }
};

template <class Rule>
using selector = pg::parse_tree::selector<
    Rule, pg::parse_tree::store_content::on<section_kind, section, plugin, plugin_name, attribute,
                                            attr_name, dq_string, sq_string, number, bareword,
                                            array_body, hash_body, hash_entry, codec_value, branch_body,
                                            if_clause, elsif_clause, else_clause, if_condition>>;

}  // namespace grammar

namespace {

using Node = pg::parse_tree::node;

int line_of(const Node& n) { return static_cast<int>(n.begin().line); }

std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char e = s[i + 1];
    switch (e) {
      case '"': case '\'': case '\\': out += e; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case '0': out += '\0'; break;
      default: out += '\\'; out += e; break;  // Logstash keeps unknown escapes as written
    }
    ++i;
  }
  return out;
}

class Builder {
 public:
  Builder(const ParseOptions& options, std::vector<ConfError>& errors)
      : options_(options), errors_(errors) {}

  ConfPipeline build(const Node& root) {
    ConfPipeline p;
    for (const auto& child : root.children) {
      if (!child->is_type<grammar::section>()) continue;
      Section s;
      s.line = line_of(*child);
      std::string_view kind = child->children.at(0)->string_view();
      s.kind = kind == "input" ? SectionKind::kInput
               : kind == "filter" ? SectionKind::kFilter : SectionKind::kOutput;
      body(*child, 1, s.body);
      p.sections.push_back(std::move(s));
    }
    return p;
  }

 private:
  void body(const Node& parent, std::size_t first, std::vector<Statement>& out) {
    for (std::size_t i = first; i < parent.children.size(); ++i) {
      const Node& n = *parent.children[i];
      Statement st;
      if (n.is_type<grammar::plugin>()) {
        st.plugin = plugin(n);
      } else if (n.is_type<grammar::branch_body>()) {
        st.is_plugin = false;
        st.conditional = conditional(n);
      } else {
        continue;
      }
      out.push_back(std::move(st));
    }
  }

  Conditional conditional(const Node& n) {
    Conditional c;
    c.line = line_of(n);
    for (const auto& clause : n.children) {
      Branch b;
      b.line = line_of(*clause);
      std::size_t first = 0;
      if (!clause->is_type<grammar::else_clause>()) {
        std::string_view cond = clause->children.at(0)->string_view();
        b.condition = grammar::condition_text(cond.data(), cond.data() + cond.size());
        first = 1;
      }
      body(*clause, first, b.body);
      c.branches.push_back(std::move(b));
    }
    return c;
  }

  // A name given as an identifier or as a string (`"match" => ...`): the text between quotes.
  static std::string name_text(const Node& n) {
    std::string_view s = n.string_view();
    if (!s.empty() && (s.front() == '"' || s.front() == '\'')) s = s.substr(1, s.size() - 2);
    return std::string(s);
  }

  Plugin plugin(const Node& n) {
    Plugin p;
    p.line = line_of(n);
    p.name = name_text(*n.children.at(0));
    for (std::size_t i = 1; i < n.children.size(); ++i) {
      const Node& a = *n.children[i];
      Attribute attr;
      attr.line = line_of(a);
      attr.name = name_text(*a.children.at(0));
      attr.value = value(*a.children.at(1));
      p.attributes.push_back(std::move(attr));
    }
    return p;
  }

  ConfValue value(const Node& n) {
    ConfValue v;
    v.line = line_of(n);
    if (n.is_type<grammar::dq_string>() || n.is_type<grammar::sq_string>()) {
      std::string_view inner = n.string_view().substr(1, n.string_view().size() - 2);
      v.kind = ConfValue::Kind::kString;
      v.text = options_.support_escapes ? unescape(inner) : std::string(inner);
      env(v);
    } else if (n.is_type<grammar::number>()) {
      v.kind = ConfValue::Kind::kNumber;
      v.text = n.string();
    } else if (n.is_type<grammar::bareword>()) {
      v.kind = ConfValue::Kind::kBareword;
      v.text = n.string();
    } else if (n.is_type<grammar::array_body>()) {
      v.kind = ConfValue::Kind::kArray;
      for (const auto& item : n.children) v.items.push_back(value(*item));
    } else if (n.is_type<grammar::hash_body>()) {
      v.kind = ConfValue::Kind::kHash;
      for (const auto& entry : n.children) {
        ConfValue key = value(*entry->children.at(0));
        ConfValue val = value(*entry->children.at(1));
        key.line = line_of(*entry);
        v.entries.push_back({std::move(key), std::move(val)});
      }
    } else if (n.is_type<grammar::codec_value>()) {
      v.kind = ConfValue::Kind::kPlugin;
      v.plugin = std::make_shared<Plugin>(plugin(n));
    }
    return v;
  }

  void env(ConfValue& v) {
    std::string error;
    if (!substitute_env(v.text, error)) errors_.push_back({v.line, error});
  }

  const ParseOptions& options_;
  std::vector<ConfError>& errors_;
};

}  // namespace

bool substitute_env(std::string& text, std::string& error) {
  if (text.find("${") == std::string::npos) return true;
  std::string out;
  std::size_t pos = 0;
  bool ok = true;
  while (pos < text.size()) {
    std::size_t open = text.find("${", pos);
    std::size_t close = open == std::string::npos ? open : text.find('}', open + 2);
    if (close == std::string::npos) {
      out.append(text, pos, std::string::npos);
      break;
    }
    std::string_view ref(text.data() + open + 2, close - open - 2);
    std::size_t colon = ref.find(':');
    std::string_view name = ref.substr(0, colon);
    // Logstash's variable names: [a-zA-Z_.][a-zA-Z0-9_.]*; anything else is left as written.
    bool valid = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
    for (char c : name) valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.');
    out.append(text, pos, open - pos);
    if (!valid) {
      out.append(text, open, close + 1 - open);
    } else if (const char* env = std::getenv(std::string(name).c_str()); env != nullptr) {
      out += env;
    } else if (colon != std::string_view::npos) {
      out += ref.substr(colon + 1);
    } else {
      if (ok) error = "cannot evaluate `${" + std::string(name) + "}`: environment variable `" +
                      std::string(name) + "` is not set and has no default (write ${" +
                      std::string(name) + ":default})";
      ok = false;
      out.append(text, open, close + 1 - open);
    }
    pos = close + 1;
  }
  text = std::move(out);
  return ok;
}

ParseResult parse_conf(std::string_view text, const ParseOptions& options) {
  ParseResult result;
  grammar::depth = 0;
  pg::memory_input<> in(text.data(), text.size(), "conf");
  try {
    auto root = pg::parse_tree::parse<grammar::config, grammar::selector, pg::nothing,
                                      grammar::control>(in);
    if (!root) {
      result.errors.push_back({1, "expected 'input', 'filter' or 'output' (a section)"});
      return result;
    }
    Builder builder(options, result.errors);
    result.pipeline = builder.build(*root);
  } catch (const pg::parse_error& e) {
    int line = e.positions().empty() ? 0 : static_cast<int>(e.positions().front().line);
    result.errors.push_back({line, std::string(e.message())});
  }
  return result;
}

}  // namespace logferry::config::logstash

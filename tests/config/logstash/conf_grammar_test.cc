#include "config/logstash/conf_grammar.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace logferry::config::logstash {
namespace {

using K = ConfValue::Kind;

ParseResult parse(const std::string& text, bool escapes = false) { return parse_conf(text, {escapes}); }

const Plugin& first_plugin(const ParseResult& r, std::size_t section = 0) {
  return r.pipeline.sections.at(section).body.at(0).plugin;
}

const ConfValue& setting(const Plugin& p, const std::string& name) {
  for (const auto& a : p.attributes)
    if (a.name == name) return a.value;
  static ConfValue none;
  ADD_FAILURE() << "no setting " << name;
  return none;
}

TEST(ConfGrammarTest, EveryValueKind) {
  auto r = parse(R"(filter {
  x {
    dq => "double"  sq => 'single'
    int => 5044 neg => -3 float => 1.5
    word => ISO8601
    list => ["a", 1, [true_ish, 'b']]
    h1 => { "a" => "b" "c" => 1 }
    h2 => { a1 => "b", 'c' => [1, 2], 3 => { "n" => x1 } }
    "match" => { "container" => "^%{DATA:k}" }
    codec => line { format => "%{message}" }
    empty_list => []  empty_hash => {}
  }
})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].line << ": " << r.errors[0].message;
  const Plugin& p = first_plugin(r);
  EXPECT_EQ(p.name, "x");
  EXPECT_EQ(p.line, 2);
  EXPECT_EQ(setting(p, "dq").kind, K::kString);
  EXPECT_EQ(setting(p, "dq").text, "double");
  EXPECT_EQ(setting(p, "sq").text, "single");
  EXPECT_EQ(setting(p, "int").kind, K::kNumber);
  EXPECT_EQ(setting(p, "int").text, "5044");
  EXPECT_EQ(setting(p, "neg").text, "-3");
  EXPECT_EQ(setting(p, "float").text, "1.5");
  EXPECT_EQ(setting(p, "word").kind, K::kBareword);
  EXPECT_EQ(setting(p, "word").text, "ISO8601");
  const ConfValue& list = setting(p, "list");
  ASSERT_EQ(list.kind, K::kArray);
  ASSERT_EQ(list.items.size(), 3u);
  EXPECT_EQ(list.items[1].kind, K::kNumber);
  ASSERT_EQ(list.items[2].kind, K::kArray);
  EXPECT_EQ(list.items[2].items[0].kind, K::kBareword);
  EXPECT_EQ(list.items[2].items[1].text, "b");
  const ConfValue& h1 = setting(p, "h1");
  ASSERT_EQ(h1.kind, K::kHash);
  ASSERT_EQ(h1.entries.size(), 2u);
  EXPECT_EQ(h1.entries[0].first.text, "a");
  EXPECT_EQ(h1.entries[1].second.text, "1");
  const ConfValue& h2 = setting(p, "h2");
  ASSERT_EQ(h2.entries.size(), 3u);
  EXPECT_EQ(h2.entries[0].first.kind, K::kBareword);
  EXPECT_EQ(h2.entries[1].second.kind, K::kArray);
  EXPECT_EQ(h2.entries[2].first.kind, K::kNumber);
  EXPECT_EQ(h2.entries[2].second.entries[0].second.text, "x1");
  EXPECT_EQ(setting(p, "match").entries[0].second.text, "^%{DATA:k}");
  const ConfValue& codec = setting(p, "codec");
  ASSERT_EQ(codec.kind, K::kPlugin);
  EXPECT_EQ(codec.plugin->name, "line");
  EXPECT_EQ(codec.plugin->attributes[0].value.text, "%{message}");
  EXPECT_TRUE(setting(p, "empty_list").items.empty());
  EXPECT_EQ(setting(p, "empty_hash").kind, K::kHash);
}

TEST(ConfGrammarTest, EscapesOnlyWithSupportEscapes) {
  const char* text = R"(filter { x { a => "t\tq\"b\\s\d" b => 'it\'s' } })";
  auto off = parse(text);
  ASSERT_TRUE(off.errors.empty());
  // Logstash's default: the text between the quotes as written; \" does not end the string.
  EXPECT_EQ(setting(first_plugin(off), "a").text, R"(t\tq\"b\\s\d)");
  EXPECT_EQ(setting(first_plugin(off), "b").text, R"(it\'s)");
  auto on = parse(text, true);
  ASSERT_TRUE(on.errors.empty());
  EXPECT_EQ(setting(first_plugin(on), "a").text, "t\tq\"b\\s\\d");  // unknown \d kept
  EXPECT_EQ(setting(first_plugin(on), "b").text, "it's");
}

TEST(ConfGrammarTest, CommentsEverywhereAndSectionsInOrder) {
  auto r = parse(R"(# head
input # after the section name
{ # after the brace
  stdin # after the plugin
  { # in the plugin
    codec # before the arrow
    => # after the arrow
    line # after the value
    list => [ # in an array
      "a", # between items
      "b" ] # after
    h => { # in a hash
      "k" => "v" # after an entry
    }
  } # after the plugin
} # after the section
filter { if [a] == 1 # in a condition
  { mutate { } } }
output { stdout { } }
input { syslog { } }
# the end)");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].line << ": " << r.errors[0].message;
  ASSERT_EQ(r.pipeline.sections.size(), 4u);
  EXPECT_EQ(r.pipeline.sections[0].kind, SectionKind::kInput);
  EXPECT_EQ(r.pipeline.sections[1].kind, SectionKind::kFilter);
  EXPECT_EQ(r.pipeline.sections[2].kind, SectionKind::kOutput);
  EXPECT_EQ(r.pipeline.sections[3].kind, SectionKind::kInput);
  EXPECT_EQ(r.pipeline.sections[3].line, 20);
  const Plugin& stdin_plugin = first_plugin(r);
  EXPECT_EQ(setting(stdin_plugin, "codec").text, "line");
  EXPECT_EQ(setting(stdin_plugin, "list").items.size(), 2u);
  const Branch& b = r.pipeline.sections[1].body[0].conditional.branches[0];
  EXPECT_EQ(b.condition.find('#'), std::string::npos) << b.condition;
  EXPECT_EQ(b.body.at(0).plugin.name, "mutate");
}

TEST(ConfGrammarTest, IfElseIfElseNested) {
  auto r = parse(R"(filter {
  if [a] == "x" {
    one { }
    if [b] { inner { } } else { other { } }
  } else if [a] in ["y", "z"] or ([c] > 1 and ![d]) {
    two { }
  } else {
    three { }
  }
  after { }
})");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].line << ": " << r.errors[0].message;
  const auto& body = r.pipeline.sections[0].body;
  ASSERT_EQ(body.size(), 2u);
  ASSERT_FALSE(body[0].is_plugin);
  const Conditional& c = body[0].conditional;
  ASSERT_EQ(c.branches.size(), 3u);
  EXPECT_EQ(c.branches[0].condition, R"([a] == "x")");
  EXPECT_EQ(c.branches[1].condition, R"([a] in ["y", "z"] or ([c] > 1 and ![d]))");
  EXPECT_EQ(c.branches[1].line, 5);
  EXPECT_TRUE(c.branches[2].condition.empty());
  ASSERT_EQ(c.branches[0].body.size(), 2u);
  const Conditional& nested = c.branches[0].body[1].conditional;
  ASSERT_EQ(nested.branches.size(), 2u);
  EXPECT_EQ(nested.branches[1].body[0].plugin.name, "other");
  EXPECT_EQ(body[1].plugin.name, "after");
}

struct SyntaxCase {
  const char* text;
  int line;
  const char* message;
};

TEST(ConfGrammarTest, SyntaxErrorsSayWhatWasExpectedAndWhere) {
  const SyntaxCase cases[] = {
      {"input {\n  stdin {\n    port 5044\n  }\n}", 3, "expected '=>' after the setting name"},
      {"input { stdin { port => } }", 1, "expected a value"},
      {"inputs { }", 1, "expected 'input', 'filter' or 'output'"},
      {"input\n  stdin { }", 2, "expected '{' after the section name"},
      {"input { stdin { a => \"x }\n}\n", 3, "unterminated string"},
      {"input { stdin { a => [1, 2 } }", 1, "expected ',' or ']' in the array"},
      {"input { stdin { a => [1, ] } }", 1, "expected a value after ','"},
      {"input { stdin { a => { \"k\" \"v\" } } }", 1, "expected '=>' after the hash key"},
      {"input { stdin { a => { \"k\" => } } }", 1, "expected a value"},
      {"filter {\n  if {\n  }\n}", 2, "invalid condition: the condition is empty"},
      {"filter {\n  if [a] == {\n  }\n}", 2, "invalid condition: expected a field or value after the operator"},
      {"filter {\n  if [a] =~ /(/ { x { } }\n}", 2, "invalid condition: invalid regex"},
      {"filter {\n  if [a]\n    and ( [b] { x {} }\n}", 3, "invalid condition: expected ')'"},
      {"filter { x { } else { y { } } }", 1, "'else' without a preceding 'if'"},
      {"filter { mutate }", 1, "expected '{' after the plugin name"},
      {"filter { mutate { }\n", 2, "expected a plugin, 'if' or '}' to close the section"},
      {"filter { if [a] { x { } ] }", 1, "expected a plugin, 'if', 'else' or '}' to close the block"},
      {"output { stdout { } } }", 1, "expected 'input', 'filter' or 'output'"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.text);
    ASSERT_EQ(r.errors.size(), 1u) << c.text;
    EXPECT_EQ(r.errors[0].line, c.line) << c.text << "\n" << r.errors[0].message;
    EXPECT_NE(r.errors[0].message.find(c.message), std::string::npos) << c.text << "\n" << r.errors[0].message;
  }
}

TEST(ConfGrammarTest, DeepNestingIsAnErrorNotACrash) {
  std::string text = "filter { x { a => " + std::string(5000, '[') + " } }";
  auto r = parse(text);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("nested too deeply"), std::string::npos);
}

TEST(ConfGrammarTest, EnvironmentSubstitution) {
  ::setenv("LF_TEST_PORT", "6000", 1);
  ::unsetenv("LF_TEST_UNSET");
  auto r = parse(R"(input { x {
    a => "${LF_TEST_PORT}"
    b => "${LF_TEST_UNSET:5044}"
    c => "pre-${LF_TEST_PORT}-${LF_TEST_UNSET:d}-post"
    d => ["${LF_TEST_PORT}"]
    e => { "k" => "${LF_TEST_PORT}" }
    f => "${LF_TEST_UNSET:}"
} })");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
  const Plugin& p = first_plugin(r);
  EXPECT_EQ(setting(p, "a").text, "6000");
  EXPECT_EQ(setting(p, "b").text, "5044");
  EXPECT_EQ(setting(p, "c").text, "pre-6000-d-post");
  EXPECT_EQ(setting(p, "d").items[0].text, "6000");
  EXPECT_EQ(setting(p, "e").entries[0].second.text, "6000");
  EXPECT_EQ(setting(p, "f").text, "");
  auto missing = parse("input { x {\n  a => \"${LF_TEST_UNSET}\"\n} }");
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_EQ(missing.errors[0].line, 2);
  EXPECT_NE(missing.errors[0].message.find("LF_TEST_UNSET"), std::string::npos);
}

}  // namespace
}  // namespace logferry::config::logstash

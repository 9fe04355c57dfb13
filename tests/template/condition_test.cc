#include "template/condition.h"

#include <gtest/gtest.h>

#include "core/time_util.h"

namespace logferry {
namespace {

class ConditionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    event.set(FieldPath::parse("message"), Value::string("GET /api/users 500 ERROR timeout"));
    event.set(FieldPath::parse("status"), Value::string("500"));
    event.set(FieldPath::parse("code"), Value::integer(404));
    event.set(FieldPath::parse("ratio"), Value::number(0.25));
    event.set(FieldPath::parse("kubernetes.namespace"), Value::string("prod"));
    event.set(FieldPath::parse("kubernetes.pod"), Value::string("web-1"));
    event.set(FieldPath::parse("flag"), Value::boolean(true));
    event.set(FieldPath::parse("off"), Value::boolean(false));
    event.set(FieldPath::parse("empty"), Value::string(""));
    event.set(FieldPath::parse("false_text"), Value::string("false"));
    event.set(FieldPath::parse("zero"), Value::integer(0));
    event.set(FieldPath::parse("nothing"), Value());
    event.set(FieldPath::parse("@timestamp"),
              Value::timestamp(*parse_rfc3339("2024-05-01T12:00:00Z")));
    Array* tags = event.new_array();
    tags->items.push_back(Value::string("web"));
    tags->items.push_back(Value::string("beta"));
    tags->items.push_back(Value::integer(7));
    event.set(FieldPath::parse("tags"), Value::array(tags));
    event.root().set("dotted.key", Value::string("literal"));
  }

  bool eval(const std::string& text) {
    auto c = Condition::compile(text);
    EXPECT_TRUE(c) << text << ": " << (c ? "" : c.error().message);
    return c && c->matches(event);
  }
  std::string error_of(const std::string& text) {
    auto c = Condition::compile(text);
    EXPECT_FALSE(c) << text << " should not compile";
    return c ? "" : c.error().message;
  }

  Arena arena;
  Event event{arena};
};

TEST_F(ConditionTest, FieldReferenceForms) {
  EXPECT_TRUE(eval(R"([kubernetes][namespace] == "prod")"));
  EXPECT_TRUE(eval(R"(kubernetes.namespace == "prod")"));
  EXPECT_TRUE(eval(R"([kubernetes][pod] == 'web-1')"));
  EXPECT_TRUE(eval(R"([message] =~ /ERROR/)"));
  EXPECT_TRUE(eval(R"(message =~ /ERROR/)"));
  // a.b finds a top-level key literally named "a.b" first, as templates do
  EXPECT_TRUE(eval(R"(dotted.key == "literal")"));
  EXPECT_TRUE(eval(R"(@timestamp > "2024-01-01T00:00:00Z")"));
}

TEST_F(ConditionTest, Equality) {
  EXPECT_TRUE(eval(R"([status] == "500")"));
  EXPECT_FALSE(eval(R"([status] == "501")"));
  EXPECT_TRUE(eval(R"([status] != "501")"));
  EXPECT_FALSE(eval(R"([status] != "500")"));
  EXPECT_TRUE(eval("[code] == 404"));
  EXPECT_TRUE(eval("[code] == 404.0"));
  EXPECT_TRUE(eval("[ratio] == 0.25"));
  EXPECT_TRUE(eval("[flag] == true"));
  EXPECT_TRUE(eval("[off] == false"));
  EXPECT_TRUE(eval(R"([flag] == "true")"));
  EXPECT_TRUE(eval("[kubernetes][namespace] == [kubernetes][namespace]"));
  EXPECT_FALSE(eval("[kubernetes][namespace] == [kubernetes][pod]"));
  EXPECT_TRUE(eval(R"([tags] == ["web", "beta", 7])"));
  EXPECT_FALSE(eval(R"([tags] == ["web", "beta"])"));
}

TEST_F(ConditionTest, StringFieldAgainstNumberComparesNumerically) {
  EXPECT_TRUE(eval("[status] == 500"));
  EXPECT_TRUE(eval("[status] >= 500"));
  EXPECT_TRUE(eval("[status] > 99"));  // lexicographic "500" > "99" would be false
  EXPECT_FALSE(eval("[status] < 99"));
  EXPECT_FALSE(eval("[message] == 500"));  // not a number: unequal, unordered
  EXPECT_FALSE(eval("[message] > 1"));
  EXPECT_FALSE(eval("[message] < 1"));
}

TEST_F(ConditionTest, OrderingOperators) {
  EXPECT_TRUE(eval("[code] < 500"));
  EXPECT_FALSE(eval("[code] < 404"));
  EXPECT_TRUE(eval("[code] <= 404"));
  EXPECT_TRUE(eval("[code] >= 404"));
  EXPECT_FALSE(eval("[code] > 404"));
  EXPECT_TRUE(eval("[code] > -1"));
  EXPECT_TRUE(eval("[ratio] < 1"));
  EXPECT_TRUE(eval("[ratio] > 0.2"));
  // strings compare lexicographically
  EXPECT_TRUE(eval(R"([kubernetes][pod] > "web-0")"));
  EXPECT_TRUE(eval(R"([kubernetes][pod] < "web-2")"));
  EXPECT_TRUE(eval(R"("abc" < "abd")"));
  EXPECT_FALSE(eval(R"("10" > "9")"));
}

TEST_F(ConditionTest, Timestamps) {
  EXPECT_TRUE(eval(R"([@timestamp] == "2024-05-01T12:00:00Z")"));
  EXPECT_TRUE(eval(R"([@timestamp] == "2024-05-01T14:00:00+02:00")"));
  EXPECT_TRUE(eval(R"([@timestamp] < "2024-05-01T12:00:01Z")"));
  EXPECT_FALSE(eval(R"([@timestamp] < "2024-05-01T12:00:00Z")"));
  EXPECT_TRUE(eval("[@timestamp] > 1714564799"));  // epoch seconds
  EXPECT_FALSE(eval("[@timestamp] > 1714564800"));
  EXPECT_FALSE(eval(R"([@timestamp] > "not a time")"));
}

TEST_F(ConditionTest, RegexOperators) {
  EXPECT_TRUE(eval(R"([message] =~ /^GET \/api/)"));  // \/ is a literal slash
  EXPECT_TRUE(eval(R"([message] =~ /\d{3}/)"));
  EXPECT_FALSE(eval(R"([message] =~ /^POST/)"));
  EXPECT_TRUE(eval(R"([message] !~ /^POST/)"));
  EXPECT_FALSE(eval(R"([message] !~ /timeout$/)"));
  EXPECT_TRUE(eval(R"([message] =~ "E.ROR")"));  // a string on the right is a regex too
  EXPECT_TRUE(eval(R"([message] =~ "\d+")"));
  // Ruby's dialect, as Logstash reads it: look-around and back-references work.
  EXPECT_TRUE(eval(R"([message] =~ /(?<=500 )ERROR(?= timeout)/)"));
  EXPECT_FALSE(eval(R"([message] =~ /(?<!500 )ERROR/)"));
  EXPECT_FALSE(eval(R"([message] =~ /\b(\w+) \1\b/)"));
  // only strings match; a missing field never matches
  EXPECT_FALSE(eval("[code] =~ /404/"));
  EXPECT_FALSE(eval("[missing] =~ /./"));
  EXPECT_TRUE(eval("[missing] !~ /./"));
}

TEST_F(ConditionTest, RegexAnchorsMatchAtLineBoundariesLikeRuby) {
  event.set(FieldPath::parse("trace"), Value::string("Exception\n  at Foo.bar"));
  EXPECT_TRUE(eval(R"([trace] =~ /^  at /)"));
  EXPECT_TRUE(eval(R"([trace] =~ /Exception$/)"));
  EXPECT_FALSE(eval(R"([trace] =~ /\A  at /)"));
}

TEST_F(ConditionTest, InWithArraysAndSubstrings) {
  // field in literal array
  EXPECT_TRUE(eval(R"([kubernetes][namespace] in ["dev", "prod"])"));
  EXPECT_FALSE(eval(R"([kubernetes][namespace] in ["dev", "test"])"));
  EXPECT_TRUE(eval(R"([kubernetes][namespace] not in ["dev", "test"])"));
  EXPECT_TRUE(eval("[code] in [200, 404]"));
  EXPECT_TRUE(eval(R"([code] in ["404"])"));
  EXPECT_FALSE(eval("[code] in []"));
  // literal in array field
  EXPECT_TRUE(eval(R"("beta" in [tags])"));
  EXPECT_FALSE(eval(R"("alpha" in [tags])"));
  EXPECT_TRUE(eval(R"("alpha" not in [tags])"));
  EXPECT_TRUE(eval("7 in [tags]"));
  // substring of a string field, and field in a literal string (Logstash both ways)
  EXPECT_TRUE(eval(R"("timeout" in [message])"));
  EXPECT_FALSE(eval(R"("refused" in [message])"));
  EXPECT_TRUE(eval(R"([kubernetes][namespace] in "preprod-eu")"));
  EXPECT_FALSE(eval(R"([kubernetes][namespace] in "staging")"));
  EXPECT_TRUE(eval(R"(404 in "code 404 seen")"));
  // field in field
  event.set(FieldPath::parse("wanted"), Value::string("web"));
  EXPECT_TRUE(eval("[wanted] in [tags]"));
  EXPECT_TRUE(eval("[wanted] in [kubernetes][pod]"));
  // object keys
  EXPECT_TRUE(eval(R"("pod" in [kubernetes])"));
  EXPECT_FALSE(eval(R"("node" in [kubernetes])"));
}

TEST_F(ConditionTest, MissingFields) {
  EXPECT_FALSE(eval("[missing]"));
  EXPECT_TRUE(eval("![missing]"));
  EXPECT_FALSE(eval(R"([missing] == "x")"));
  EXPECT_TRUE(eval(R"([missing] != "x")"));
  EXPECT_FALSE(eval("[missing] < 1"));
  EXPECT_FALSE(eval("[missing] >= 1"));
  EXPECT_FALSE(eval("[missing] <= 1"));
  EXPECT_FALSE(eval(R"([missing] in ["a"])"));
  EXPECT_TRUE(eval(R"([missing] not in ["a"])"));
  EXPECT_FALSE(eval(R"("a" in [missing])"));
  EXPECT_FALSE(eval("[kubernetes][missing]"));
  EXPECT_FALSE(eval("[message][sub]"));  // walking into a string
}

TEST_F(ConditionTest, Truthiness) {
  EXPECT_TRUE(eval("[message]"));
  EXPECT_TRUE(eval("[flag]"));
  EXPECT_FALSE(eval("[off]"));
  EXPECT_FALSE(eval("[empty]"));
  EXPECT_FALSE(eval("[false_text]"));  // Logstash compares the text with "false"
  EXPECT_FALSE(eval("[nothing]"));
  EXPECT_TRUE(eval("[zero]"));  // 0 is present, hence true (Logstash)
  EXPECT_TRUE(eval("[tags]"));
  EXPECT_TRUE(eval("[kubernetes]"));
  EXPECT_TRUE(eval("message"));
  EXPECT_FALSE(eval("off"));
}

TEST_F(ConditionTest, BooleanOperators) {
  EXPECT_TRUE(eval("[message] and [flag]"));
  EXPECT_FALSE(eval("[message] and [off]"));
  EXPECT_TRUE(eval("[off] or [flag]"));
  EXPECT_FALSE(eval("[off] or [missing]"));
  EXPECT_TRUE(eval("[off] xor [flag]"));
  EXPECT_FALSE(eval("[flag] xor [message]"));
  EXPECT_FALSE(eval("[off] xor [missing]"));
  EXPECT_FALSE(eval("[flag] nand [message]"));
  EXPECT_TRUE(eval("[flag] nand [off]"));
  EXPECT_TRUE(eval("[off] nand [missing]"));
  EXPECT_FALSE(eval("![flag]"));
  EXPECT_TRUE(eval("!![flag]"));
  EXPECT_TRUE(eval("!([off] or [missing])"));
  EXPECT_TRUE(eval("![off] and [flag]"));  // ! binds tighter than and
  EXPECT_TRUE(eval(R"(![status] == "404")"));  // ! applies to the comparison
}

TEST_F(ConditionTest, PrecedenceAndBindsTighterThanOr) {
  // a or (b and c)
  EXPECT_TRUE(eval("[flag] or [off] and [missing]"));
  EXPECT_FALSE(eval("([flag] or [off]) and [missing]"));
  // (a and b) or c
  EXPECT_TRUE(eval("[off] and [missing] or [flag]"));
  EXPECT_FALSE(eval("[off] and ([missing] or [flag])"));
  // nand binds like and: a or (b nand c)
  EXPECT_TRUE(eval("[off] or [flag] nand [off]"));
  // xor binds like or, left to right: (t xor t) xor t = t
  EXPECT_TRUE(eval("[flag] xor [flag] xor [flag]"));
  // nand is left-associative: (t nand t) nand f = f nand f = t
  EXPECT_TRUE(eval("[flag] nand [flag] nand [off]"));
  // and chains short-circuit correctly with nand after a false: (f and t) nand t = t
  EXPECT_TRUE(eval("[off] and [flag] nand [flag]"));
  EXPECT_TRUE(eval(R"([status] == "500" and [kubernetes][namespace] == "prod" or [missing])"));
  EXPECT_TRUE(eval(R"([missing] or [status] == "500" and [kubernetes][namespace] == "prod")"));
}

TEST_F(ConditionTest, LiteralsAlone) {
  EXPECT_TRUE(eval(R"("x")"));
  EXPECT_FALSE(eval(R"("")"));
  EXPECT_TRUE(eval("true"));
  EXPECT_FALSE(eval("false"));
  EXPECT_TRUE(eval(R"("a\"b" == 'a"b')"));
  EXPECT_TRUE(eval(R"('it\'s' == "it's")"));
}

TEST_F(ConditionTest, WhitespaceIsFree) {
  EXPECT_TRUE(eval("  ( [code]==404 )and[flag]  "));
  EXPECT_TRUE(eval("[code]\n  == 404"));
}

TEST_F(ConditionTest, ErrorsNameTheColumn) {
  EXPECT_EQ(error_of(""), "at column 1: the condition is empty");
  EXPECT_EQ(error_of("[a] = 1"), "at column 5: '=' is not an operator; use '==' to compare");
  EXPECT_EQ(error_of(R"([a] == "x)"), "at column 8: unterminated string (missing closing \")");
  EXPECT_EQ(error_of("[a] =~ /x"), "at column 8: unterminated regex (missing closing /)");
  EXPECT_EQ(error_of("[a] == "), "at column 8: expected a field or value after the operator, "
                                  "found end of condition");
  EXPECT_EQ(error_of("([a] == 1"),
            "at column 10: expected ')' to close the '(' at column 1, found end of condition");
  EXPECT_EQ(error_of("[a] == 1 [b]"),
            "at column 10: expected 'and', 'or', 'xor', 'nand' or the end, found '[b]'");
  EXPECT_EQ(error_of("[a] not [b]"), "at column 9: expected 'in' after 'not'");
  EXPECT_EQ(error_of("[a] =~ [b]"),
            "at column 8: the right side of =~ must be a regex /.../ or a string, found '[b]'");
  EXPECT_EQ(error_of("/x/ == [a]"), "at column 1: a regex can only be the right side of =~ or !~");
  EXPECT_EQ(error_of("[a] == /x/"), "at column 8: a regex can only be the right side of =~ or !~");
  EXPECT_EQ(error_of("[a] and"), "at column 5: expected a condition after the operator");
  EXPECT_EQ(error_of("[a] == 1 == 2"),
            "at column 10: comparisons do not chain; join them with 'and' or 'or'");
  EXPECT_EQ(error_of("[a][b"), "at column 4: malformed field reference: expected ']'");
  EXPECT_EQ(error_of("[a] in [1, 2"),
            "at column 13: expected ',' or ']' in the array opened at column 8, found end of condition");
  EXPECT_EQ(error_of("[a] == 1 & [b]"), "at column 10: unexpected character '&'");
  EXPECT_EQ(error_of("([a]) == 1"),
            "at column 7: a parenthesized condition cannot be compared; compare fields or values");
  EXPECT_EQ(error_of("[a] == 99999999999999999999"),
            "at column 8: number out of range: 99999999999999999999");
  EXPECT_NE(error_of("[a] =~ /(/").find("at column 8: invalid regex: "), std::string::npos);
}

TEST_F(ConditionTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep(200, '(');
  deep += "[a]";
  deep += std::string(200, ')');
  EXPECT_NE(error_of(deep).find("nested too deeply"), std::string::npos);
  EXPECT_NE(error_of(std::string(200, '!') + "[a]").find("nested too deeply"), std::string::npos);
  // long flat chains are fine (folded iteratively)
  std::string chain = "[flag]";
  for (int i = 0; i < 5000; ++i) chain += " and [flag]";
  EXPECT_TRUE(eval(chain));
}

TEST(ConditionDefaultTest, DefaultMatchesEverythingAndMovesKeepLiterals) {
  Arena arena;
  Event e(arena);
  e.set(FieldPath::parse("a"), Value::string("short"));
  Condition none;
  EXPECT_TRUE(none.matches(e));
  auto c = Condition::compile(R"([a] in ["short", "x"] and [a] == "short")");
  ASSERT_TRUE(c);
  Condition moved = std::move(*c);
  EXPECT_TRUE(moved.matches(e));
  EXPECT_EQ(moved.text(), R"([a] in ["short", "x"] and [a] == "short")");
}

}  // namespace
}  // namespace logferry

namespace logferry {
namespace {

TEST(ConditionPrefixTest, StopsAtTheBraceOfAConfBlock) {
  Arena arena;
  Event e(arena);
  e.set(FieldPath::parse("type"), Value::string("a{b}"));
  std::string_view conf = R"([type] == "a{b}" and [x] !~ /\{/ {
    mutate { add_tag => ["x"] }
  })";
  std::size_t consumed = 0;
  auto c = Condition::compile_prefix(conf, consumed);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(conf.substr(consumed, 1), "{");
  EXPECT_EQ(consumed, conf.find(" {\n") + 1);
  EXPECT_EQ(c->text(), R"([type] == "a{b}" and [x] !~ /\{/)");
  EXPECT_TRUE(c->matches(e));

  auto whole = Condition::compile_prefix("[type]", consumed);
  ASSERT_TRUE(whole);
  EXPECT_EQ(consumed, 6u);
  auto missing = Condition::compile_prefix("{ }", consumed);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "at column 1: the condition is empty");
  auto bad = Condition::compile_prefix("[a] == {", consumed);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "at column 8: expected a field or value after the operator, found '{'");
  // compile() proper does not stop at a brace
  EXPECT_FALSE(Condition::compile("[a] {"));
}

}  // namespace
}  // namespace logferry

namespace logferry {
namespace {

// A JSON number kept exact (parse_json) compares as a number; like any number (Ruby's
// `1.5 =~ /x/` is nil) it does not match a regex.
TEST(ConditionDecimalTest, DecimalsCompareAsNumbers) {
  Arena arena;
  Event event(arena);
  event.set(FieldPath::parse("t"), Value::decimal("1478207457.456"));
  event.set(FieldPath::parse("big"), Value::decimal("123456789012345678901"));
  auto eval = [&](const char* text) {
    auto c = Condition::compile(text);
    EXPECT_TRUE(c) << text;
    return c && c->matches(event);
  };
  EXPECT_TRUE(eval("[t] > 1478207457"));
  EXPECT_TRUE(eval("[t] < 1478207458"));
  EXPECT_TRUE(eval("[t] == 1478207457.456"));
  EXPECT_TRUE(eval("[big] > 1000"));
  EXPECT_FALSE(eval("[t] =~ /\\.456$/"));
  EXPECT_TRUE(eval("[t] !~ /456/"));
}

}  // namespace
}  // namespace logferry

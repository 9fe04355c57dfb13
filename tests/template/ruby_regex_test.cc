// The Ruby (Oniguruma) dialect Logstash users write, on PCRE2: grok, `=~` and gsub share it.
#include "template/ruby_regex.h"

#include <gtest/gtest.h>

namespace logferry {
namespace {

TEST(RubyRegexTest, OnigurumaGroupNamesAreRenamedForPcre2) {
  auto t = translate_ruby_regex("^(?<kubernetes.container_id>[0-9a-f]{2})(?<NUMBER:n:int>\\d)\\k<kubernetes.container_id>");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->regex, "^(?<g1>[0-9a-f]{2})(?<g2>\\d)\\k<g1>");
  EXPECT_EQ(t->labels, (std::vector<std::string>{"kubernetes.container_id", "NUMBER:n:int"}));
  // Lookbehind and lookahead are not names.
  auto look = translate_ruby_regex("(?<=a)(?<!b)(?=c)(?!d)(?'q'e)");
  ASSERT_TRUE(look);
  EXPECT_EQ(look->regex, "(?<=a)(?<!b)(?=c)(?!d)(?<g1>e)");
}

TEST(RubyRegexTest, RubyDialectDifferencesAreTranslated) {
  EXPECT_EQ(translate_ruby_regex("\\h+[\\h_]")->regex, "[0-9a-fA-F]+[0-9a-fA-F_]");
  EXPECT_EQ(translate_ruby_regex("(?m)a.(?mi:b)(?-m)")->regex, "(?s)a.(?si:b)(?-s)");
  EXPECT_EQ(translate_ruby_regex("(/[[[:alnum:]]_%.-]*)+")->regex, "(/[[:alnum:]_%.-]*)+");  // Logstash's UNIXPATH
  EXPECT_EQ(translate_ruby_regex("[]a][^]b]")->regex, "[]a][^]b]");
  EXPECT_FALSE(translate_ruby_regex("[a-z&&[^aeiou]]"));
}

TEST(RubyRegexTest, SearchIsUnanchoredWithLineAnchors) {
  auto blank = RubyRegex::compile("^\\s*$");
  ASSERT_TRUE(blank);
  EXPECT_TRUE(blank->search(""));
  EXPECT_TRUE(blank->search("  \t"));
  EXPECT_TRUE(blank->search("text\n\nmore"));  // Ruby: ^ and $ match at every line
  EXPECT_FALSE(blank->search("text"));
  // A /literal/ is not dot-all in Ruby; grok compiles with Regexp::MULTILINE, which is.
  EXPECT_FALSE(RubyRegex::compile("a.b")->search("a\nb"));
  EXPECT_TRUE(RubyRegex::compile("a.b", {.dot_all = true})->search("a\nb"));
}

TEST(RubyRegexTest, LookaroundAndBackReferencesWork) {
  // The reason this is PCRE2 and not RE2: Logstash conditions may use both.
  auto look = RubyRegex::compile("(?<!debug-)probe(?=: ok)");
  ASSERT_TRUE(look);
  EXPECT_TRUE(look->search("liveness probe: ok"));
  EXPECT_FALSE(look->search("debug-probe: ok"));
  EXPECT_FALSE(look->search("probe: failed"));
  auto twice = RubyRegex::compile("\\b(\\w+) \\1\\b");
  ASSERT_TRUE(twice);
  EXPECT_TRUE(twice->search("it is is repeated"));
  EXPECT_FALSE(twice->search("nothing repeated here"));
  auto named = RubyRegex::compile("(?<word>[a-z]+)-\\k<word>");
  ASSERT_TRUE(named);
  EXPECT_TRUE(named->search("x abc-abc y"));
  EXPECT_FALSE(named->search("abc-abd"));
}

TEST(RubyRegexTest, DotIsOneUtf8CharacterAndInvalidUtf8StillMatches) {
  std::string_view groups_storage[2];
  auto one = RubyRegex::compile("^(.)$");
  ASSERT_TRUE(one);
  EXPECT_TRUE(one->find("\xc3\xa9", 0, groups_storage));  // é is one character
  EXPECT_EQ(groups_storage[0], "\xc3\xa9");
  auto word = RubyRegex::compile("ok");
  EXPECT_TRUE(word->search("\xff\xfe ok"));  // not UTF-8: no error, still found
}

TEST(RubyRegexTest, FindReportsGroupsFromAnOffset) {
  auto re = RubyRegex::compile("(a)(x)?(b)");
  ASSERT_TRUE(re);
  EXPECT_EQ(re->group_count(), 3u);
  std::string_view g[4];
  std::string_view subject = "ab ab";
  ASSERT_TRUE(re->find(subject, 1, g));
  EXPECT_EQ(g[0].data(), subject.data() + 3);  // the second "ab"
  EXPECT_EQ(g[1], "a");
  EXPECT_EQ(g[2].data(), nullptr);  // took no part
  EXPECT_EQ(g[3], "b");
  EXPECT_FALSE(re->find(subject, 4, g));
  // Lookbehind sees the text before the offset.
  auto behind = RubyRegex::compile("(?<=a)b");
  EXPECT_TRUE(behind->find("ab", 1, std::span<std::string_view>(g, 1)));
}

TEST(RubyRegexTest, ErrorsSayWhatAndWhere) {
  auto bad = RubyRegex::compile("a(b");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("offset"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(RubyRegex::compile("[a-z&&[^aeiou]]"));  // no PCRE2 form: refused, not misread
}

}  // namespace
}  // namespace logferry

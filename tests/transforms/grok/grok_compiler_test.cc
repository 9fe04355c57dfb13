#include "transforms/grok/grok_compiler.h"

#include <gtest/gtest.h>

namespace logferry::transforms::grok {
namespace {

std::string expanded(std::string_view pattern, bool named_only = true) {
  CompileOptions o;
  o.named_captures_only = named_only;
  auto r = expand(pattern, PatternLibrary::builtin(), o);
  return r ? *r : "error: " + r.error().message;
}

TEST(GrokCompilerTest, EveryBuiltinPatternCompilesWithJit) {
  const auto& lib = PatternLibrary::builtin();
  ASSERT_GT(lib.size(), 100u);
  for (const auto& name : lib.names()) {
    auto re = CompiledPattern::compile("%{" + name + "}", lib, {});
    ASSERT_TRUE(re) << name << ": " << re.error().message;
    EXPECT_TRUE(re->jit()) << name;
  }
}

TEST(GrokCompilerTest, TheLogstashCoreNamesExist) {
  const auto& lib = PatternLibrary::builtin();
  for (const char* name :
       {"USERNAME", "USER", "INT", "BASE10NUM", "NUMBER", "POSINT", "NONNEGINT", "WORD", "NOTSPACE",
        "SPACE", "DATA", "GREEDYDATA", "QUOTEDSTRING", "UUID", "MAC", "IP", "IPV4", "IPV6", "HOSTNAME",
        "IPORHOST", "HOSTPORT", "PATH", "UNIXPATH", "WINPATH", "URIPROTO", "URIHOST", "URIPATH",
        "URIPARAM", "URIPATHPARAM", "URI", "MONTH", "MONTHNUM", "MONTHDAY", "DAY", "YEAR", "HOUR",
        "MINUTE", "SECOND", "TIME", "DATE_US", "DATE_EU", "ISO8601_TIMEZONE", "ISO8601_SECOND",
        "TIMESTAMP_ISO8601", "DATE", "DATESTAMP", "TZ", "DATESTAMP_RFC822", "DATESTAMP_RFC2822",
        "DATESTAMP_OTHER", "DATESTAMP_EVENTLOG", "SYSLOGTIMESTAMP", "PROG", "SYSLOGPROG",
        "SYSLOGHOST", "SYSLOGFACILITY", "HTTPDATE", "QS", "SYSLOGBASE", "LOGLEVEL",
        "COMMONAPACHELOG", "COMBINEDAPACHELOG", "HTTPD_ERRORLOG", "HTTPD20_ERRORLOG",
        "HTTPD24_ERRORLOG", "SYSLOGLINE", "SYSLOG5424LINE", "SYSLOGBASE2", "CRONLOG",
        "SYSLOGPAMSESSION", "JAVACLASS", "JAVASTACKTRACEPART", "JAVAMETHOD", "JAVAFILE",
        "CATALINALOG", "TOMCATLOG", "EMAILADDRESS", "TTY", "URN"})
    EXPECT_NE(lib.find(name), nullptr) << name;
}

TEST(GrokCompilerTest, ExpansionLabelsCapturesAsJlsGrokDoes) {
  EXPECT_EQ(expanded("%{INT:n:int} %{INT}"), "(?<INT:n:int>(?:[+-]?[0-9]+)) (?:(?:[+-]?[0-9]+))");
  EXPECT_EQ(expanded("%{INT}", false), "(?<INT>(?:[+-]?[0-9]+))");
  EXPECT_EQ(expanded("%{FIZZLE=\\d+} %{FIZZLE:again}"), "(?:\\d+) (?<FIZZLE:again>\\d+)");
  EXPECT_EQ(expanded("100%{ literal"), "100%{ literal");
}

TEST(GrokCompilerTest, UnknownPatternNamesTheReference) {
  EXPECT_EQ(expanded("%{IP:client} %{NOPE:x}"), "error: pattern %{NOPE:x} not defined");
}

TEST(GrokCompilerTest, RecursionIsAnError) {
  PatternLibrary lib;
  lib.add("A", "x%{B}");
  lib.add("B", "%{A}y");
  auto r = CompiledPattern::compile("%{A}", lib, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "pattern recursion: A -> B -> A");
  lib.add("SELF", "%{SELF}");
  EXPECT_FALSE(CompiledPattern::compile("%{SELF}", lib, {}));
}

TEST(GrokCompilerTest, ExponentialExpansionIsCapped) {
  PatternLibrary lib;
  lib.add("P0", "ab");
  for (int i = 1; i < 30; ++i)
    lib.add("P" + std::to_string(i), "%{P" + std::to_string(i - 1) + "}%{P" + std::to_string(i - 1) + "}");
  auto r = CompiledPattern::compile("%{P29}", lib, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("larger than 1 MiB"), std::string::npos);
}

TEST(GrokCompilerTest, CapturesAreOrderedByLabelThenPosition) {
  auto re = CompiledPattern::compile("%{INT:foo} %{WORD:foo} %{INT:foo}", PatternLibrary::builtin(), {});
  ASSERT_TRUE(re);
  ASSERT_EQ(re->captures().size(), 3u);
  // jls-grok walks named_captures: "INT:foo" (groups 1 and 3) before "WORD:foo" (group 2).
  EXPECT_EQ(re->captures()[0].group, 1);
  EXPECT_EQ(re->captures()[1].group, 3);
  EXPECT_EQ(re->captures()[2].group, 2);
}

TEST(GrokCompilerTest, BadRegexIsAnError) {
  auto r = CompiledPattern::compile("%{WORD:w} (unclosed", PatternLibrary::builtin(), {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("invalid regex"), std::string::npos) << r.error().message;
}

TEST(GrokCompilerTest, PatternFilesSkipCommentsAndBareNames) {
  PatternLibrary lib;
  lib.add_file_text("# comment\n  MYNUM \\d+\r\nBARE\n\nMYWORD\t\\w+ x\n");
  ASSERT_NE(lib.find("MYNUM"), nullptr);
  EXPECT_EQ(*lib.find("MYNUM"), "\\d+");
  EXPECT_EQ(*lib.find("MYWORD"), "\\w+ x");
  EXPECT_EQ(lib.find("BARE"), nullptr);
}

TEST(GrokCompilerTest, MatcherReportsTheBacktrackingLimit) {
  auto re = CompiledPattern::compile("(.*a){30}", PatternLibrary::builtin(), {});
  ASSERT_TRUE(re);
  Matcher m(re->capture_count(), 100'000);
  EXPECT_EQ(m.match(*re, std::string(68, 'a') + "b"), Matcher::MatchResult::kLimit);
}

}  // namespace
}  // namespace logferry::transforms::grok

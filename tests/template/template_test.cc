#include "template/template.h"

#include <gtest/gtest.h>

#include "core/time_util.h"

namespace logferry {
namespace {

class TemplateTest : public ::testing::Test {
 protected:
  std::string render(const std::string& text) {
    auto t = Template::compile(text);
    EXPECT_TRUE(t) << (t ? "" : t.error().message);
    return t ? t->render(event) : "";
  }
  void SetUp() override {
    event.set(FieldPath::parse("@timestamp"),
              Value::timestamp(*parse_rfc3339("2018-04-07T09:05:03.123456Z")));
    event.set(FieldPath::parse("message"), Value::string("hello"));
    event.set(FieldPath::parse("kubernetes.namespace"), Value::string("prod"));
    event.set(FieldPath::parse("kubernetes.pod"), Value::string("web-1"));
    event.set(FieldPath::parse("count"), Value::integer(42));
  }
  Arena arena;
  Event event{arena};
};

TEST_F(TemplateTest, FieldsAndNestedPaths) {
  EXPECT_EQ(render("%{message}"), "hello");
  EXPECT_EQ(render("%{kubernetes.namespace}/%{[kubernetes][pod]}"), "prod/web-1");
  EXPECT_EQ(render("n=%{count}!"), "n=42!");
  EXPECT_EQ(render("no placeholders"), "no placeholders");
}

TEST_F(TemplateTest, MissingFieldRendersPlaceholderLiterally) {
  EXPECT_EQ(render("%{nope}/%{kubernetes.nope}"), "%{nope}/%{kubernetes.nope}");
}

TEST_F(TemplateTest, JodaDateFormats) {
  EXPECT_EQ(render("logstash-%{+YYYY.MM.dd}"), "logstash-2018.04.07");
  EXPECT_EQ(render("%{+MMM dd HH:mm:ss}"), "Apr 07 09:05:03");
  EXPECT_EQ(render("%{+YYYY-MM-dd'T'HH:mm:ss.SSSZZ}"), "2018-04-07T09:05:03.123+00:00");
  EXPECT_EQ(render("%{+%s}"), "1523091903");
  EXPECT_EQ(render("%{+EEE, d MMMM yy}"), "Sat, 7 April 18");
}

TEST_F(TemplateTest, TimestampFieldRendersIsoMillis) {
  EXPECT_EQ(render("%{@timestamp}"), "2018-04-07T09:05:03.123Z");
}

TEST_F(TemplateTest, UnknownJodaLetterIsACompileError) {
  EXPECT_FALSE(Template::compile("%{+YYYY.qq}"));
}

TEST_F(TemplateTest, UnterminatedPlaceholderIsLiteral) {
  EXPECT_EQ(render("a %{message"), "a %{message");
}

TEST(TemplateNoTimestampTest, MissingTimestampRendersEmpty) {
  Arena arena;
  Event e(arena);
  EXPECT_EQ(Template::compile("x%{+YYYY}y")->render(e), "xy");
}

}  // namespace
}  // namespace logferry

#include "config/pipeline_config.h"

#include <gtest/gtest.h>

#include "app/app.h"

namespace logferry::config {
namespace {

std::string problems(const std::string& yaml) {
  Diagnostics d("test.yaml");
  parse_pipeline(yaml, "/tmp", app::registry(), d);
  return d.format();
}

TEST(PipelineConfigTest, ValidConfigHasNoProblems) {
  EXPECT_EQ(problems(R"(
sources:
  in: {type: stdin}
sinks:
  out: {type: console, inputs: [in], encoding: text, format: "%{message}"}
)"), "");
}

TEST(PipelineConfigTest, UnknownTypeKeyAndInputReportedWithLines) {
  std::string p = problems(R"(sources:
  in: {type: nosuchthing}
  in2:
    type: stdin
    bogus: 1
sinks:
  out: {type: console, inputs: [missing]}
)");
  EXPECT_NE(p.find("test.yaml:2: sources.in.type: unknown source type 'nosuchthing'"), std::string::npos) << p;
  EXPECT_NE(p.find("test.yaml:5: sources.in2: unknown key 'bogus'"), std::string::npos) << p;
  EXPECT_NE(p.find("test.yaml:7: sinks.out.inputs: unknown input 'missing'"), std::string::npos) << p;
}

TEST(PipelineConfigTest, WrongTypesAndChoices) {
  std::string p = problems(R"(sources:
  in: {type: stdin, max_line_bytes: lots}
sinks:
  out: {type: console, inputs: in, encoding: xml}
)");
  EXPECT_NE(p.find("test.yaml:2: sources.in: max_line_bytes: must be an integer"), std::string::npos) << p;
  EXPECT_NE(p.find("test.yaml:4: sinks.out: encoding: 'xml' is not one of json, text"), std::string::npos) << p;
}

TEST(PipelineConfigTest, SinkCannotBeAnInputAndYamlErrorsHaveLines) {
  std::string p = problems("sources:\n  in: {type: stdin}\nsinks:\n  a: {type: console, inputs: [in]}\n  b: {type: console, inputs: [a]}\n");
  EXPECT_NE(p.find("'a' is a sink"), std::string::npos) << p;
  p = problems("sources:\n  in: {type: stdin\n");
  EXPECT_NE(p.find("YAML syntax"), std::string::npos) << p;
}

TEST(PipelineConfigTest, GraphErrorsPointAtTheOffendingInputsItem) {
  std::string p = problems(R"(sources:
  in: {type: stdin}
transforms:
  a:
    type: mutate
    inputs:
      - in
      - b
  b:
    type: mutate
    inputs:
      - a
sinks:
  out:
    type: console
    inputs:
      - in
      - missing
      - out
  flow: {type: console, inputs: [in, nope]}
)");
  EXPECT_NE(p.find("test.yaml:18: sinks.out.inputs: unknown input 'missing'"), std::string::npos) << p;
  EXPECT_NE(p.find("test.yaml:19: sinks.out.inputs: 'out' is a sink"), std::string::npos) << p;
  // A flow sequence is one line: the item's line is that line.
  EXPECT_NE(p.find("test.yaml:20: sinks.flow.inputs: unknown input 'nope'"), std::string::npos) << p;
  // The cycle a -> b -> a is reported at the item that closes it: b's `- a`.
  EXPECT_NE(p.find("test.yaml:12: transforms.b.inputs: cycle through 'a'"), std::string::npos) << p;
}

TEST(ValuesTest, SizesAndDurations) {
  EXPECT_EQ(parse_byte_size("10MiB"), 10u * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("512KB"), 512000u);
  EXPECT_EQ(parse_byte_size("100"), 100u);
  EXPECT_FALSE(parse_byte_size("ten"));
  EXPECT_EQ(parse_duration("250ms")->count(), 250);
  EXPECT_EQ(parse_duration("5s")->count(), 5000);
  EXPECT_EQ(parse_duration("7d")->count(), 7 * 86400000LL);
  EXPECT_FALSE(parse_duration("5 parsecs"));
}

}  // namespace
}  // namespace logferry::config

// The real binary: stdin -> mutate -> filter -> console (json). Only matching, rewritten
// events come out, in input order.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/temp_dir.h"

namespace logferry::testing {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

TEST(TransformsPipelineTest, StdinMutateFilterConsole) {
  TempDir dir;
  auto config = dir.write("pipeline.yaml", R"(
data_dir: ./data
sources:
  in: { type: stdin }
transforms:
  rewrite:
    type: mutate
    inputs: [in]
    replace: { app: "%{message}" }
    gsub:
      - [app, '^\w+ (\w+) .*$', '\1']
      - [message, '^(\w+) \w+ ', '[\1] ']
    uppercase: [app]
    add_field: { "app_%{app}": "%{message}" }
    add_tag: [ "seen_%{app}" ]
    remove_field: [host]
  keep:
    type: filter
    inputs: [rewrite]
    condition: '[message] =~ /^\[(ERROR|WARN)\]/ and !("healthz" in [message])'
sinks:
  out: { type: console, inputs: [keep], encoding: json }
)");
  ChildProcess p({.argv = {LOGFERRY_BINARY, "run", "-c", config.string()},
                  .env = {},
                  .output_dir = dir.path(),
                  .name = "logferry",
                  .stdin_pipe = true});
  p.write_stdin(
      "ERROR db timeout\n"
      "INFO web ok\n"
      "WARN web GET /healthz slow\n"
      "WARN disk 90% full\n"
      "DEBUG x y\n"
      "ERROR api refused\n");
  p.close_stdin();  // end of input: the pipeline drains and exits
  auto status = p.wait(std::chrono::seconds(20));
  ASSERT_TRUE(status.has_value()) << p.err();
  EXPECT_EQ(*status, 0) << p.err();

  auto lines = lines_of(p.out());
  ASSERT_EQ(lines.size(), 3u) << p.out() << "\n" << p.err();
  EXPECT_EQ(lines[0], R"({"message":"[ERROR] timeout","app":"DB","app_DB":"[ERROR] timeout",)"
                      R"("tags":["seen_DB"]})");
  EXPECT_EQ(lines[1], R"({"message":"[WARN] 90% full","app":"DISK","app_DISK":"[WARN] 90% full",)"
                      R"("tags":["seen_DISK"]})");
  EXPECT_EQ(lines[2], R"({"message":"[ERROR] refused","app":"API","app_API":"[ERROR] refused",)"
                      R"("tags":["seen_API"]})");
}

TEST(TransformsPipelineTest, ValidateReportsBadConditionWithLine) {
  TempDir dir;
  auto config = dir.write("bad.yaml", R"(sources:
  in: { type: stdin }
transforms:
  keep:
    type: filter
    inputs: [in]
    condition: '[level] == "error" or'
sinks:
  out: { type: console, inputs: [keep] }
)");
  std::string output;
  int rc = run_command({LOGFERRY_BINARY, "validate", "-c", config.string()}, &output);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(output.find("bad.yaml:7: transforms.keep: condition: at column 20: expected a "
                        "condition after the operator"),
            std::string::npos)
      << output;
}

}  // namespace
}  // namespace logferry::testing

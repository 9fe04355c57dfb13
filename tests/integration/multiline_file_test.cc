// The real binary: the `file` source (plain lines, as an application writes its own log file)
// -> multiline (parser: python) -> file sink. A real Python traceback (captured from python3,
// tests/transforms/multiline/testdata/) between ordinary lines is one event; the rest stay single.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/child_process.h"
#include "support/temp_dir.h"
#include "support/wait.h"

namespace logferry::testing {
namespace {

namespace fs = std::filesystem;

std::string trace() {
  std::string text = read_file(fs::path(LOGFERRY_SOURCE_DIR) / "tests/transforms/multiline/testdata/python_chained.txt");
  while (text.ends_with('\n')) text.pop_back();
  return text;
}

TEST(MultilineFileTest, APythonTracebackInAPlainLogFileIsOneEvent) {
  TempDir dir;
  dir.write("app/app.log", "INFO starting\n" + trace() + "\nINFO after the trace\n");
  auto config = dir.write("pipeline.yaml", R"(
data_dir: ./data
sources:
  app: {type: file, include: ["./app/*.log"]}
transforms:
  traces: {type: multiline, inputs: [app], parser: python, timeout: 200ms}
sinks:
  out:
    type: file
    inputs: [traces]
    path: ./out.log
    encoding: json
)");
  ChildProcess p({.argv = {LOGFERRY_BINARY, "run", "-c", config.string()}, .env = {}, .output_dir = dir.path(),
                  .name = "logferry"});
  auto out = [&] { return fs::exists(dir / "out.log") ? read_file(dir / "out.log") : std::string(); };
  ASSERT_TRUE(wait_until([&] { return out().find("after the trace") != std::string::npos; },
                         std::chrono::seconds(20), "the last line"))
      << p.err();
  std::vector<std::string> events;
  std::istringstream in(out());
  for (std::string line; std::getline(in, line);) events.push_back(line);
  ASSERT_EQ(events.size(), 3u) << out();
  EXPECT_NE(events[0].find(R"("message":"INFO starting")"), std::string::npos) << events[0];
  std::string joined = trace();
  std::string escaped;
  for (char c : joined) {
    if (c == '\n') escaped += "\\n";
    else if (c == '"') escaped += "\\\"";
    else escaped += c;
  }
  EXPECT_NE(events[1].find(R"("message":")" + escaped + "\""), std::string::npos) << events[1];
  EXPECT_NE(events[2].find(R"("message":"INFO after the trace")"), std::string::npos) << events[2];
}

}  // namespace
}  // namespace logferry::testing
